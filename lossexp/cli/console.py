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


def _run_rows(cfg: dict, summary: dict) -> list[tuple[str, object]]:
    """The rows that mean something for this model, the most telling first: accuracy for
    a classifier, the error of each output for a regression, the output itself for the
    single neuron (one sample, so its output is the whole story)."""
    tol = cfg["target"]["tolerance"]
    reached = [(f"epochs to target (every |a - y| < {tol:g})", summary["epochs_to_target"])]
    losses = [("initial loss", summary["initial_loss"]), ("final loss", summary["final_loss"])]
    if "final_accuracy" in summary:
        lead = [("initial accuracy", summary["initial_accuracy"]),
                ("final accuracy", summary["final_accuracy"])]
        # a classifier is judged by its accuracy, not by |a - y| < tol
        reached = [("epochs to 95% accuracy", summary.get("epochs_to_95pct_accuracy"))]
    elif "final_rmse" in summary:
        rmse = summary["final_rmse"]
        lead = [(f"RMSE, output {k + 1}" if len(rmse) > 1 else "RMSE", v)
                for k, v in enumerate(rmse)]
    else:
        lead = [("initial output", summary["initial_output"]),
                ("final output", summary["final_output"])]
        reached = [(f"epochs to target (|a - y| < {tol:g})", summary["epochs_to_target"])]
    rows = lead + losses + reached + [("plateau (epochs)", summary["plateau_epochs"]),
                                      ("diverged", summary["diverged"])]
    away = summary.get("learned_ran_away")
    if away:  # a learned weight that ran off is a failure, however calm the loss looks
        rows.append(("learned sigma ran away", "output " + ", ".join(map(str, away))
                     + " switched off"))
    return rows


def run_table(cfg: dict, summary: dict) -> Table:
    from rich.table import Table

    title = (f"{cfg['name']}  ({cfg['loss']['name']}, lr {cfg['train']['lr']:g}, "
             f"{cfg['train']['epochs']} epochs)")
    table = Table(title=title, title_justify="left", min_width=len(title))
    table.add_column("", style="bold")
    table.add_column("value", justify="right")
    for label, value in _run_rows(cfg, summary):
        # null means "never" for the epoch count, and "not a finite number" everywhere else
        table.add_row(label, cell(value, none="never" if label.startswith("epochs to") else "—"))
    return table


def show_run(cfg: dict, summary: dict, run_dir) -> None:
    """The summary table, then where the run was written (on one line, never wrapped)."""
    _console("out").print(run_table(cfg, summary))
    _console("out").print(f"written to {run_dir}", markup=False, highlight=False, soft_wrap=True)
