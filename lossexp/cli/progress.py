"""Progress bars on the terminal: epochs of a run, chunks of a sweep.

Each appears only on a terminal and never when quiet, so CI logs and pipes stay clean.
"""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from lossexp.cli.console import _console

if TYPE_CHECKING:
    from rich.console import Console

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


def clock_time(seconds: float) -> str:
    """Seconds as h:mm:ss, rounded to the second."""
    return str(timedelta(seconds=round(seconds)))


class SweepProgress:
    """A progress bar over chunks, with neuron-epochs per second and the time left.

    Shown only on a terminal (``console``, by default stderr) and never when quiet, so CI
    logs and pipes stay clean. The rate counts the work of this call only: chunks finished
    by an earlier, interrupted call are neither work done nor work left.
    """

    def __init__(self, quiet: bool, *, console=None, clock=time.monotonic):
        self.quiet, self.console, self.clock = quiet, console, clock
        self.bar = None

    def start(self, plan, done: frozenset[int]) -> None:
        if self.quiet:
            return
        console = self.console or _console("err")
        if not console.is_terminal:
            return
        from rich.progress import BarColumn, Progress, TextColumn

        todo = [plan.chunk(i) for i in range(plan.total_chunks) if i not in done]
        self.work, self.trained = sum(plan.neuron_epochs(c) for c in todo), 0
        self.chunks, self.total, self.began = len(done), plan.total_chunks, self.clock()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[status]}"), console=console,
                            transient=True, auto_refresh=False)
        self.task = self.bar.add_task(f"sweep {plan.config['name']}", total=max(self.work, 1),
                                      status=self.status())
        self.bar.start()

    def status(self) -> str:
        """Chunks done; once one is, the rate so far and the time left at that rate."""
        text = f"{self.chunks}/{self.total} chunks"
        elapsed = self.clock() - self.began
        if self.trained == 0 or elapsed <= 0:
            return text
        rate = self.trained / elapsed
        return (f"{text}  {rate / 1e6:.0f} M neuron-epochs/s  "
                f"{clock_time((self.work - self.trained) / rate)} left")

    def advance(self, chunk, neuron_epochs: int) -> None:
        if self.bar is None:
            return
        self.chunks += 1
        self.trained += neuron_epochs
        self.bar.update(self.task, completed=self.trained, status=self.status(), refresh=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
