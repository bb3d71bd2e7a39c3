"""Everything lossexp prints to the terminal goes through here (rich)."""

from __future__ import annotations

import contextlib
import sys

from rich.console import Console
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def error(message: str) -> None:
    """One line on stderr; rich markup in the message is not interpreted."""
    err.print(f"error: {message}", markup=False, soft_wrap=True)


def _fmt(value, digits=4) -> str:
    if value is None:
        return "never"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def run_table(cfg: dict, summary: dict, run_dir) -> Table:
    table = Table(title=f"{cfg['name']}  ({cfg['loss']['name']}, lr {cfg['train']['lr']:g}, "
                        f"{cfg['train']['epochs']} epochs)", title_justify="left")
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
    for label, value in rows:
        table.add_row(label, _fmt(value))
    table.caption = f"written to {run_dir}"
    table.caption_justify = "left"
    return table


@contextlib.contextmanager
def epoch_progress(total: int, label: str, quiet: bool):
    """A progress bar for long runs; yields a callback taking the epochs done so far.

    It only appears if the run is still going after a moment, so quick runs stay quiet.
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True)
    task = progress.add_task(label, total=total)
    import time

    start = time.perf_counter()
    state = {"shown": False, "last": 0}

    def update(done: int):
        if done - state["last"] < max(1, total // 200) and done != total:
            return
        state["last"] = done
        if not state["shown"] and time.perf_counter() - start > 0.5:
            progress.start()
            state["shown"] = True
        progress.update(task, completed=done)

    try:
        yield update
    finally:
        if state["shown"]:
            progress.stop()
