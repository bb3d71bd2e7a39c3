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


def note(message: str) -> None:
    """A one-line note on stderr, plain, at once (what the command is waiting for)."""
    sys.stderr.write(f"{one_line(message)}\n")
    sys.stderr.flush()


def replaced_note(run_dir, kind: str = "run") -> None:
    """The one line that says a result replaced an earlier one in the same directory."""
    _console("out").print(f"replaced the earlier {kind} in {run_dir}", markup=False,
                          highlight=False, soft_wrap=True)


def run_table(cfg: dict, summary: dict) -> Table:
    from rich.table import Table

    from lossexp.run.outcome_rows import never_reached, outcome_rows

    title = (f"{cfg['name']}  ({cfg['loss']['name']}, lr {cfg['train']['lr']:g}, "
             f"{cfg['train']['epochs']} epochs)")
    table = Table(title=title, title_justify="left", min_width=len(title))
    theory = "predicted_plateau_epochs" in summary
    table.add_column("", style="bold")
    table.add_column("value", justify="right")
    if theory:
        table.add_column("theory", justify="right")
    for label, key, value in outcome_rows(cfg, summary):
        never = "never" if never_reached(label, summary) else "—"
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
