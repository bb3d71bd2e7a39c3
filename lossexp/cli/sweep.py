"""lossexp sweep: train many initialisations at once and map how long each takes."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import (EXIT_INTERRUPTED, ConfigArg, DebugOpt, OutputsOpt, PlotsOpt,
                              QuietOpt, SetOpt, app, chosen, guarded, ignore_ctrl_c,
                              print_error)
from lossexp.cli.report import ReportOpt, share


class Executor(str, Enum):
    local = "local"
    threads = "threads"
    processes = "processes"
    dask = "dask"


def resume_command(config: Path, *, sets: list[str], outputs: Path,
                   executor: Executor | None, scheduler: str | None, workers: int | None,
                   chunk_size: int | None, plots: bool | None, rows: bool | None,
                   quiet: bool, debug: bool, report: bool = False) -> str:
    """The command as it was given, plus --resume: it finishes an interrupted sweep."""
    from lossexp.output.text import shell_command

    args = ["lossexp", "sweep", config]
    for text in sets:
        args += ["--set", text]
    args += ["--outputs", outputs]
    if executor is not None:
        args += ["--executor", executor.value]
    if scheduler:
        args += ["--scheduler", scheduler]
    if workers:
        args += ["--workers", workers]
    if chunk_size:
        args += ["--chunk-size", chunk_size]
    flags = {"--plots": plots is True, "--no-plots": plots is False, "--rows": rows is True,
             "--no-rows": rows is False, "--report": report, "--quiet": quiet, "--debug": debug}
    return shell_command(*args, *(flag for flag, given in flags.items() if given), "--resume")


def _note_a_missing_kernel() -> None:
    from lossexp.cli.console import note_missing_kernel

    note_missing_kernel()  # on stderr


def report_mlp(summary: dict, run_dir: Path) -> None:
    """An MLP sweep: per series, plateaus, the milestone's percentiles, stuck; the sentences."""
    from rich.table import Table

    from lossexp.cli.console import out
    from lossexp.output.text import cell
    from lossexp.sweep.mlp_summary import percent_text

    first = summary["series"][0]
    out.print(f"{summary['name']}: {first['networks']} seeds x {len(summary['series'])} "
              f"series, {summary['epochs']} epochs, milestone {summary['milestone']}",
              markup=False)
    table = Table(title_justify="left")
    for column in ("series", "plateaued", f"> {summary['longer_than']} epochs", "median",
                   "p90", "never reached", "stuck", "diverged"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in summary["series"]:
        ett = row["epochs_to_milestone"]
        table.add_row(row["series"], percent_text(row["plateaued_percent"]),
                      percent_text(row["plateau_longer_than_percent"]),
                      *(cell(ett[k], none="never") for k in ("median", "p90")),
                      str(row["never_reached"]), percent_text(row["stuck_percent"]),
                      str(row["diverged"]))
    out.print(table)
    for text in summary["sentences"]:
        out.print(text, markup=False, soft_wrap=True)
    out.print(f"(a seed that never left its plateau counts as longer; percentiles in "
              f"summary.json; written to {run_dir})", markup=False)


def report(summary: dict, run_dir: Path) -> None:
    """The notes' sentence per series, filled in, and the percentiles behind it."""
    from rich.table import Table

    if summary.get("kind") == "mlp":
        report_mlp(summary, run_dir)
        return

    from lossexp.cli.console import out
    from lossexp.output.text import cell
    from lossexp.sweep.summary import LEGEND

    first = summary["series"][0]
    out.print(f"{summary['name']}: {first['starts']} starts x {len(summary['series'])} series, "
              f"{summary['epochs']} epochs, target |a - y| < {summary['tolerance']:g}",
              markup=False)
    table = Table(title_justify="left")
    for column in ("series", "on target at start", "median", "p90", "p99", "max",
                   "never reached", "diverged"):
        table.add_column(column, justify="left" if column == "series" else "right")
    for row in summary["series"]:
        ett = row["epochs_to_target"]
        cells = [ett[k] for k in ("median", "p90", "p99", "max")]
        table.add_row(row["series"], str(row["on_target_at_start"]),
                      *(cell(v, none="never") for v in cells),
                      str(row["never_reached"]), str(row["diverged"]))
    out.print(table)
    for row in summary["series"]:
        out.print(f"{row['series']}: {row['sentence']}", markup=False)
    out.print(f"({LEGEND} of the starts that had to learn, not those on target at epoch 0; "
              f"percentiles in summary.json; written to {run_dir})", markup=False)


@app.command()
def sweep(config: ConfigArg, set_: SetOpt = None, outputs: OutputsOpt = Path("outputs"),
          executor: Annotated[Optional[Executor], typer.Option(
              help="Where chunks run. local (the default): worker processes, one per core, "
                   "or threads where they do as well (--workers 1; up to 2 workers with "
                   "--no-rows on the compiled kernel, big chunks); threads or processes: "
                   "always those; dask: a Dask cluster.",
              show_default=False)] = None,
          scheduler: Annotated[Optional[str], typer.Option(
              metavar="ADDRESS", help="Dask scheduler to use, e.g. tcp://10.0.0.5:8786; "
                                      "without it, --executor dask starts a local cluster.")] = None,
          workers: Annotated[Optional[int], typer.Option(
              min=1, help="Worker threads or processes (default: one per core).")] = None,
          chunk_size: Annotated[Optional[int], typer.Option(
              min=1, help="Starts trained together in one batch (default 16384 neurons, 65536 "
                          "on dask, or 128 networks of an MLP sweep; the files do not depend "
                          "on it).")] = None,
          resume: Annotated[bool, typer.Option(
              help="Finish an interrupted sweep: train only the chunks not yet done.")] = False,
          plots: PlotsOpt = None,
          rows: Annotated[Optional[bool], typer.Option(
              "--rows/--no-rows", show_default=False,
              help="Write sweep.csv, a row per start, or not (only summary.json and the "
                   "figures; much faster for millions of starts) [default: as the config's "
                   "sweep.rows says, true unless set].")] = None,
          report_: ReportOpt = False,
          quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Train every start of CONFIG's sweep: section (a (w, b) grid or random starts of a
    neuron, or seeds of an MLP) and save sweep.csv, summary.json and the figures under
    OUTPUTS/<name>/."""
    sets = list(set_ or ())
    command = resume_command(config, sets=sets, outputs=outputs, executor=executor,
                             scheduler=scheduler, workers=workers, chunk_size=chunk_size,
                             plots=plots, rows=rows, quiet=quiet, debug=debug, report=report_)
    with guarded(debug):
        from lossexp.cli.progress import SweepProgress
        from lossexp.sweep import SweepIncomplete, load_sweep_config, run_sweep

        cfg = load_sweep_config(config, sets)
        cfg["plots"] = chosen(plots, cfg["plots"])  # config.yaml records what was drawn
        cfg["sweep"]["rows"] = chosen(rows, cfg["sweep"]["rows"])  # ... and what was written
        where = {"executor": executor.value} if executor else {}  # else run_sweep's default
        progress = SweepProgress(quiet)
        try:
            result = run_sweep(cfg, outputs, **where, workers=workers, scheduler=scheduler,
                               chunk_size=chunk_size, resume=resume,
                               on_start=progress.start, on_chunk=progress.advance)
        except KeyboardInterrupt:
            ignore_ctrl_c()
            progress.stop()
            print_error(f"interrupted; finished chunks are kept. Resume with: {command}")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except SweepIncomplete as exc:
            progress.stop()
            for failure in exc.failures:
                print_error(str(failure))
            print_error(f"{exc}. If the cause was transient (memory, a lost worker), finish "
                        f"with: {command}. If the config must change, the finished chunks "
                        f"cannot be reused: delete {exc.run_dir / 'chunks'} and rerun "
                        f"without --resume")
            raise typer.Exit(1) from None
        progress.stop()
        if not quiet:
            report(result.summary, result.run_dir)
            _note_a_missing_kernel()
        share([result.run_dir], report=report_, quiet=quiet)
