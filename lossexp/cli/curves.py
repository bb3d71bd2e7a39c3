"""lossexp baseline / check / compare: curve-shape regression for CI (issue 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lossexp.cli._app import DebugOpt, QuietOpt, app, guarded

EXIT_FAILED = 1

ConfigsArg = Annotated[list[Path], typer.Argument(
    help="Run config files; sweep configs (with a sweep: section) are skipped.",
    metavar="CONFIG", show_default=False)]
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


@app.command()
def check(configs: ConfigsArg, directory: DirOpt = Path("tests/baselines"),
          quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Rerun each CONFIG and compare its curve with its baseline. Exit 0 when every field is
    within tolerance, 1 when any is not (with a table of them), 2 for usage errors or an
    unreadable baseline. A missing baseline fails when CI=true and is never created."""
    with guarded(debug):
        from lossexp.curves import baselines

        cases, sweeps = baselines.collect(configs, directory)
        _report_skipped(sweeps, quiet)
        expected = {case.path: baselines.existing_baseline(case) for case in cases}
        failed = False
        for case in cases:
            if expected[case.path] is None:
                failed |= _report_missing(case, baselines.running_in_ci())
                continue
            comparison = baselines.compare(expected[case.path], baselines.measure(case.cfg))
            failed |= not comparison.passed
            _report(case, comparison, expected[case.path], quiet)
            changed = baselines.config_changes(expected[case.path], case.cfg)
            if changed:
                shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more"
                                                  if len(changed) > 5 else "")
                _say(quiet and comparison.passed,
                     f"        note: {case.path} was written for another config "
                     f"(it differs in {shown})")
        if failed:
            raise typer.Exit(EXIT_FAILED)


def _report_missing(case, ci: bool) -> bool:
    """Say that ``case`` has no baseline; True when that fails the check (under CI)."""
    from lossexp.cli import console

    create = case.command()
    if ci:
        console.error(f"{case.config_path}: no baseline at {case.path} (CI=true, so this "
                      f"fails); create it with: {create}")
        return True
    console.err.print(f"warning: {case.config_path}: no baseline at {case.path}, not checked; "
                      f"create it with: {create}", markup=False, soft_wrap=True)
    return False


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
            quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Overlay the loss, output and gradient curves of several runs (compare.png) and put
    their starts and outcomes side by side in a table (compare.md)."""
    with guarded(debug):
        from lossexp.curves.compare import read_run, write_comparison
        from lossexp.output.rundir import check_outputs_root

        check_outputs_root(out, "--out")
        runs = [read_run(d) for d in run_dirs]
        table, paths = write_comparison(runs, out)
        _say(quiet, table)
        _say(quiet, "wrote " + ", ".join(str(p) for p in paths))
