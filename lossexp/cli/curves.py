"""lossexp baseline / check / compare: curve-shape regression for CI (issue 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import DebugOpt, QuietOpt, app, complete_config, guarded
from lossexp.cli.report import AnimateOpt, ReportOpt, share, write_compared

EXIT_FAILED = 1

def _shipped_configs(given: list[Path]) -> list[Path]:
    from lossexp.cli._app import shipped_config

    return [shipped_config(path) for path in given or ()]


ConfigsArg = Annotated[list[Path], typer.Argument(
    help="Run config files, or names of shipped configs (lossexp configs); sweep configs "
         "(with a sweep: section) are skipped.",
    metavar="CONFIG", show_default=False, callback=_shipped_configs,
    autocompletion=complete_config)]
DirOpt = Annotated[Path, typer.Option(
    "--dir", help="Directory of the baseline files, one <config stem>.json per config.")]
UpdateOpt = Annotated[bool, typer.Option(
    "--update", help="Rewrite every baseline, not only those that no longer match.")]
MissingOpt = Annotated[bool, typer.Option(
    "--missing", help="Only create the baselines that do not exist yet.")]


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        from lossexp.cli import console

        console.out.print(message, markup=False, soft_wrap=True)


def _report_skipped(sweeps, quiet: bool) -> None:
    for path in sweeps:
        _say(quiet, f"skipped {path}: a sweep config (it has a sweep: section), not a run")


@app.command()
def baseline(configs: ConfigsArg, directory: DirOpt = Path("tests/baselines"),
             update: UpdateOpt = False, missing: MissingOpt = False,
             quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Write the curve baseline of each CONFIG: shape features, a thinned loss curve and
    editable tolerances. Without flags: create absent baselines, rewrite those the rerun
    no longer matches, and leave the others alone."""
    with guarded(debug):
        from lossexp.curves import baselines
        from lossexp.errors import LossexpError

        from lossexp.output.rundir import check_outputs_root

        if update and missing:
            raise LossexpError("--update and --missing cannot be used together")
        check_outputs_root(directory, "--dir")
        cases, sweeps = baselines.collect(configs, directory)
        _report_skipped(sweeps, quiet)
        if not (update or missing):
            for case in cases:  # an unreadable baseline stops everything before any write
                baselines.existing_baseline(case)
        for case in cases:
            done = baselines.make_baseline(case, update=update, missing_only=missing)
            _say(quiet, f"{case.path}: {done}")


CheckDirOpt = Annotated[Optional[Path], typer.Option(
    "--dir", show_default=False,
    help="Directory of the baseline files, one <config stem>.json per config [default: "
         "tests/baselines where it exists, else the baselines shipped with lossexp].")]


@app.command()
def check(configs: ConfigsArg, directory: CheckDirOpt = None,
          junit: Annotated[Optional[Path], typer.Option(
              "--junit", metavar="FILE", help="Also write the results as JUnit XML to FILE, "
                                               "one test case per config.")] = None,
          as_json: Annotated[bool, typer.Option(
              "--json", help="Print the results as JSON on stdout instead of the report.")]
          = False,
          quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Rerun each CONFIG and compare its curve with its baseline. Exit 0 when every field is
    within tolerance, 1 when any is not (with a table of them), 2 for usage errors or an
    unreadable baseline. A missing baseline fails when CI=true and is never created."""
    with guarded(debug):
        import time

        from lossexp.curves import baselines
        from lossexp.curves import junit as ci

        quiet = quiet or as_json
        if junit is not None:  # refused before any check runs, not after them all
            from lossexp.errors import LossexpError

            if junit.is_dir() or not junit.parent.is_dir():
                raise LossexpError(f"--junit {junit}: " + ("is a directory; give a file name"
                                   if junit.is_dir() else f"no directory {junit.parent} to "
                                                          "write it in"))
        cases, sweeps = baselines.collect(configs, directory or _default_check_dir())
        _report_skipped(sweeps, quiet)
        expected = {case.path: baselines.existing_baseline(case) for case in cases}
        results = [ci.CaseResult(path, ci.SKIPPED, message="a sweep config (it has a sweep: "
                                                            "section), not a run")
                   for path in sweeps]
        for case in cases:
            if expected[case.path] is None:
                ci_run = baselines.running_in_ci()
                message = _report_missing(case, ci_run)
                results.append(ci.CaseResult(case.config_path, ci.MISSING, case.name, case.path,
                                             message=message, fails_check=ci_run))
                continue
            began = time.perf_counter()
            comparison = baselines.compare(expected[case.path], baselines.measure(case.cfg))
            results.append(ci.CaseResult(
                case.config_path, ci.PASSED if comparison.passed else ci.FAILED, case.name,
                case.path, time.perf_counter() - began, comparison.failures, comparison.extra,
                "" if comparison.passed else baselines.failure_report(case, comparison)))
            if not as_json:
                _report(case, comparison, expected[case.path], quiet)
                _note_another_config(case, expected[case.path], quiet and comparison.passed)
        if junit is not None:
            from lossexp.output import atomic

            atomic.write_text(junit, ci.junit_xml(results))
        if as_json:
            import json

            typer.echo(json.dumps(ci.as_json(results), indent=2, allow_nan=False))
        if any(r.failed for r in results):
            raise typer.Exit(EXIT_FAILED)


def _note_another_config(case, baseline: dict, quiet: bool) -> None:
    """Say when the baseline was written for a config other than the one checked."""
    from lossexp.curves import baselines

    changed = baselines.config_changes(baseline, case.cfg)
    if changed:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more"
                                          if len(changed) > 5 else "")
        _say(quiet, f"        note: {case.path} was written for another config "
                    f"(it differs in {shown})")


def _default_check_dir() -> Path:
    """tests/baselines when the current directory has it, else the shipped baselines."""
    if DEFAULT_CHECK_DIR.is_dir():
        return DEFAULT_CHECK_DIR
    from lossexp.config import shipped

    return shipped.baselines_directory()


DEFAULT_CHECK_DIR = Path("tests/baselines")


def _report_missing(case, ci: bool) -> str:
    """Say that ``case`` has no baseline (an error under CI); return what was said."""
    from lossexp.cli import console

    create = case.command()
    if ci:
        message = (f"{case.config_path}: no baseline at {case.path} (CI=true, so this fails); "
                   f"create it with: {create}")
        console.error(message)
        return message
    message = f"{case.config_path}: no baseline at {case.path}, not checked; create it with: {create}"
    console.err.print(f"warning: {message}", markup=False, soft_wrap=True)
    return message


def _report(case, comparison, expected: dict, quiet: bool) -> None:
    from lossexp.curves import baselines

    if comparison.passed:
        count = len(expected["features"]) + 1
        _say(quiet, f"ok      {case.name}: {count} fields within tolerance of {case.path}")
    else:
        _say(False, "FAILED  " + baselines.failure_report(case, comparison))
        _say(False, f"        if the change is intended: {case.command('--update')}")
    if comparison.extra:
        _say(quiet, f"        not in the baseline yet: {', '.join(comparison.extra)} "
                    f"(record them with: {case.command()})")


@app.command()
def compare(run_dirs: Annotated[list[Path], typer.Argument(
                help="Run directories written by `lossexp run`.", metavar="RUN_DIR",
                show_default=False)],
            out: Annotated[Path, typer.Option(
                "--out", help="Directory for compare.png, compare.svg and compare.md.")]
            = Path("outputs/compare"),
            report: ReportOpt = False, animate: AnimateOpt = False,
            quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Overlay the loss, output and gradient curves of several runs (compare.png) and put
    their starts and outcomes side by side in a table (compare.md)."""
    with guarded(debug):
        table, paths = write_compared(run_dirs, out, report=report, animate=animate)
        _say(quiet, table)
        _say(quiet, "wrote " + ", ".join(str(p) for p in paths))
        share(run_dirs, report=report, animate=animate, out=out, quiet=quiet)
