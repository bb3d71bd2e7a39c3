"""Everything lossexp prints to the terminal goes through here (rich).

rich is imported on first use of ``out`` or ``err``, so a ``--quiet`` run and a one-line
error never pay for it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
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
    table.add_column("", style="bold")
    table.add_column("value", justify="right")
    rows = [
        ("initial output", summary["initial_output"]),
        ("final output", summary["final_output"]),
        ("initial loss", summary["initial_loss"]),
        ("final loss", summary["final_loss"]),
        (f"epochs to target (|a - y| < {cfg['target']['tolerance']:g})", summary["epochs_to_target"]),
        ("plateau (epochs)", summary["plateau_epochs"]),
        ("diverged", summary["diverged"]),
    ]
    if "final_accuracy" in summary:
        rows[2:2] = [("initial accuracy", summary["initial_accuracy"]),
                     ("final accuracy", summary["final_accuracy"])]
    for label, value in rows:
        # null means "never" for the epoch count, and "not a finite number" everywhere else
        table.add_row(label, cell(value, none="never" if label.startswith("epochs to") else "—"))
    return table


def show_run(cfg: dict, summary: dict, run_dir) -> None:
    """The summary table, then where the run was written (on one line, never wrapped)."""
    _console("out").print(run_table(cfg, summary))
    _console("out").print(f"written to {run_dir}", markup=False, highlight=False, soft_wrap=True)


# A run still going after this many seconds gets a progress bar; quicker runs print none.
PROGRESS_DELAY = 0.5


@contextlib.contextmanager
def epoch_progress(total: int, label: str, quiet: bool, *, console: Console | None = None,
                   clock=time.monotonic):
    """A progress bar for long runs; yields a callback taking the epochs done so far.

    The bar appears only once the run has taken ``PROGRESS_DELAY`` seconds, and only on
    a terminal (or the ``console`` given), so quick runs and piped output stay quiet.
    """
    if quiet:
        yield None
        return
    console = console or _console("err")
    if not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeRemainingColumn,
    )

    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeRemainingColumn(), console=console,
                        transient=True, auto_refresh=False)
    task = progress.add_task(label, total=total)
    start = clock()
    step = max(1, total // 200)
    state = {"shown": False, "last": 0}

    def update(done: int):
        if done - state["last"] < step and done != total:
            return
        state["last"] = done
        if not state["shown"]:
            if clock() - start < PROGRESS_DELAY:
                return
            progress.start()
            state["shown"] = True
        progress.update(task, completed=done, refresh=True)

    try:
        yield update
    finally:
        if state["shown"]:
            progress.stop()
