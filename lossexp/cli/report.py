"""lossexp report: a self-contained report.html for results directories (issue 16).

Also the --report and --animate options that run, sweep, compare and demo share, and the
one call each makes after writing its results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import DebugOpt, QuietOpt, app, guarded

ReportOpt = Annotated[bool, typer.Option(
    "--report", help="Also write report.html: one self-contained page of the results "
                     "(config, summary, figures, derivation, the command to rerun it).")]
AnimateOpt = Annotated[bool, typer.Option(
    "--animate", help="Also write animation.gif: the neuron's z moving along its activation "
                      "and cost, epoch by epoch (single-neuron runs).")]


def _shared(report: bool, animate: bool) -> list[str]:
    from lossexp.output.rundir import ANIMATION, REPORT_PAGE

    return [name for name, wanted in ((ANIMATION, animate), (REPORT_PAGE, report)) if wanted]


def check_share(where: Path, *, report: bool, animate: bool) -> None:
    """What ``share`` would refuse, asked before a command writes anything: a report page
    or an animation in ``where`` that lossexp did not write."""
    from lossexp.output.rundir import check_files_replaceable

    check_files_replaceable(Path(where), _shared(report, animate))


def write_compared(run_dirs: list[Path], out: Path, *, report: bool, animate: bool):
    """Write the comparison of ``run_dirs`` into ``out`` (compare.png, .svg, .md; see
    ``write_comparison``) after every check the page and the animation that follow would
    make, so that a refusal writes nothing; return its table and files."""
    from lossexp.curves.compare import read_run, write_comparison
    from lossexp.output.rundir import check_outputs_root

    check_outputs_root(out, "--out")
    runs = [read_run(d) for d in run_dirs]  # only runs: anything else is refused here
    if animate:  # as for `lossexp run --animate`
        from lossexp.report.animation import check_animatable

        for run in runs:
            check_animatable(run.config)
    check_share(out, report=report, animate=animate)
    return write_comparison(runs, out)


def share(directories: list[Path], *, report: bool, animate: bool = False,
          out: Path | None = None, quiet: bool = False) -> None:
    """After a command has written its results: the animation, then the page (which
    embeds it). ``out`` is where both go for several runs (a comparison, already written
    there by ``write_compared``)."""
    if not (report or animate):
        return
    # Both go beside the results (or into ``out``), listed there as lossexp's (so a rerun
    # may replace them) before each is written; a file of those names lossexp did not
    # write is kept. Both are refused before either is written.
    where = Path(out or directories[0])
    check_share(where, report=report, animate=animate)
    written = []
    if animate:
        from lossexp.report.animation import write_animation

        written.append(write_animation(directories, where))
    if report:
        from lossexp.report.page import write_report

        written.append(write_report(directories, out=out))
    if not quiet:
        from lossexp.cli import console

        console.out.print("wrote " + ", ".join(str(p) for p in written), markup=False,
                          soft_wrap=True)


@app.command()
def report(directories: Annotated[list[Path], typer.Argument(
               help="Results directories of lossexp run, sweep, compare or demo.",
               metavar="DIR", show_default=False)],
           out: Annotated[Optional[Path], typer.Option(
               "--out", help="Where the comparison page goes when several runs are given "
                             "(e.g. the directory of their `lossexp compare`).",
               show_default=False)] = None,
           animate: AnimateOpt = False,
           quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Write report.html beside the results: one page that works offline, with the config,
    the summary, the figures, the derivation and the command that reproduces it. Several
    run directories make one comparison page in --out, with the comparison it shows
    (compare.png, compare.md), as `lossexp compare --report` writes them."""
    with guarded(debug):
        from lossexp.errors import LossexpError

        if len(directories) == 1 and out is not None:
            raise LossexpError("--out is where a page comparing several runs goes; the page "
                               "of one result goes beside it: leave out --out")
        if len(directories) > 1:
            if out is None:
                raise LossexpError("several runs make one comparison page: say where with "
                                   "--out (e.g. --out outputs/compare)")
            write_compared(directories, out, report=True, animate=animate)
        share(directories, report=True, animate=animate, out=out, quiet=quiet)
