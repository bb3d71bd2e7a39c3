"""Everything lossexp prints to the terminal goes through here (rich).

rich is imported on first use of ``out`` or ``err``, so a ``--quiet`` run and a one-line
error never pay for it.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING

from lossexp.errors import one_line
from lossexp.output.text import cell

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


# Output to a file or a pipe has no terminal to fit: rather than rich's 80 columns, lines
# there wrap at this width (COLUMNS, when set, still decides).
PIPED_WIDTH = 120


@functools.cache
def _console(stream: str) -> Console:
    from rich.console import Console

    console = Console(stderr=stream == "err", highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPED_WIDTH
    return console


def __getattr__(name: str):
    """``out`` and ``err``, the stdout and stderr consoles, made on first use."""
    if name not in ("out", "err"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(name)


def error(message: str) -> None:
    """``error: <message>`` as exactly one line on stderr, never wrapped or styled."""
    sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()


def note_missing_kernel() -> None:
    """Say on stderr that sweeps run without the compiled kernel (a sweep calls it once)."""
    from lossexp.train import neuron_kernel

    if not neuron_kernel.available():
        sys.stderr.write("note: lossexp was installed without its compiled sweep kernel "
                         "(LOSSEXP_NO_KERNEL=1, or no C compiler): sigmoid-neuron sweeps train on "
                         "the NumPy engine, with the same results, about 4x slower\n")
        sys.stderr.flush()


def _run_rows(cfg: dict, summary: dict) -> list[tuple[str, str | None, object]]:
    """(label, summary key, value) of the rows that mean something for this model, the most
    telling first: accuracy for a classifier, the error of each output for a regression,
    the output itself for the single neuron (one sample, so its output is the whole story)."""
    def row(label: str, key: str):
        return label, key, summary.get(key)

    tol = cfg["target"]["tolerance"]
    reached = [row(f"epochs to target (every |a - y| < {tol:g})", "epochs_to_target")]
    approach = [row("approach: half way -> target", "approach_epochs")]
    losses = [row("initial loss", "initial_loss"), row("final loss", "final_loss")]
    if "final_accuracy" in summary:
        lead = [row("initial accuracy", "initial_accuracy"),
                row("final accuracy", "final_accuracy")]
        # a classifier is judged by its accuracy, not by |a - y| < tol, where the approach
        # ends (summary.json keeps it)
        reached = [row("epochs to 95% accuracy", "epochs_to_95pct_accuracy")]
        approach = []
    elif "final_rmse" in summary:
        rmse = summary["final_rmse"]
        lead = [(f"RMSE, output {k + 1}" if len(rmse) > 1 else "RMSE", None, v)
                for k, v in enumerate(rmse)]
    else:
        lead = [row("initial output", "initial_output"), row("final output", "final_output")]
        reached = [row(f"epochs to target (|a - y| < {tol:g})", "epochs_to_target")]
    rows = (lead + losses + reached + [row("plateau (epochs)", "plateau_epochs"),
                                       row("half way (epochs)", "half_way_epochs")]
            + approach + [row("diverged", "diverged")])
    away = summary.get("learned_ran_away")
    if away:  # a learned weight that ran off is a failure, however calm the loss looks
        rows.append(("learned sigma ran away", None, "output " + ", ".join(map(str, away))
                     + " switched off"))
    return rows
def note(message: str) -> None:
    """A one-line note on stderr, plain, at once (what the command is waiting for)."""
    sys.stderr.write(f"{one_line(message)}\n")
    sys.stderr.flush()


def replaced_note(run_dir) -> None:
    """The one line that says a result replaced an earlier one in the same directory."""
    _console("out").print(f"replaced the earlier run in {run_dir}", markup=False,
                          highlight=False, soft_wrap=True)


def run_table(cfg: dict, summary: dict) -> Table:
    from rich.table import Table

    title = (f"{cfg['name']}  ({cfg['loss']['name']}, lr {cfg['train']['lr']:g}, "
             f"{cfg['train']['epochs']} epochs)")
    table = Table(title=title, title_justify="left", min_width=len(title))
    theory = "predicted_plateau_epochs" in summary
    table.add_column("", style="bold")
    table.add_column("value", justify="right")
    if theory:
        table.add_column("theory", justify="right")
    for label, key, value in _run_rows(cfg, summary):
        # null means "never" for an epoch count, and "not a finite number" everywhere else
        never = "never" if label.startswith(("epochs to", "plateau", "half way", "approach")) else "—"
        cells = [cell(value, none=never)]
        if theory:
            predicted = f"predicted_{key}"
            cells.append(cell(summary[predicted], none=never) if predicted in summary else "")
        table.add_row(label, *cells)
    return table


def show_run(cfg: dict, summary: dict, run_dir) -> None:
    """The summary table, then where the run was written (on one line, never wrapped)."""
    _console("out").print(run_table(cfg, summary))
    _console("out").print(f"written to {run_dir}", markup=False, highlight=False, soft_wrap=True)
