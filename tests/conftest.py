"""Shared fixtures: config files written on the fly and the CLI invoked in process."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"

# A small valid run config; tests that need line numbers rely on this layout.
NEURON_CONFIG = """\
name: probe
task: {kind: one_to_zero}
model:
  kind: neuron
  activation: sigmoid
  init: {w: 2.0, b: 2.0}
loss: {name: quadratic}
train: {lr: 0.15, epochs: 5}
target: {tolerance: 0.1}
"""


@pytest.fixture(autouse=True)
def no_terminal_settings(monkeypatch):
    """The tests see output as a pipe sees it, whatever terminal runs them: no forced
    colour or terminal mode, no COLUMNS (tests that need a width set one)."""
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(autouse=True)
def ctrl_c_handler_restored():
    """A command interrupted in process (CliRunner) ignores further Ctrl-C, SIGTERM and
    SIGHUP, as a real one does while it exits; the next test gets the handlers back (a
    worker process started with SIGTERM ignored would inherit that)."""
    signums = [getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    handlers = {s: signal.getsignal(s) for s in signums}
    yield
    for s, handler in handlers.items():
        signal.signal(s, handler)


@pytest.fixture
def write_config(tmp_path):
    """write_config(text, name="cfg.yaml") -> the path of a new file under tmp_path."""
    def write(text: str, name: str = "cfg.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


@pytest.fixture
def cli():
    """cli(*args) runs ``lossexp *args`` in process; the result has exit_code, stdout, stderr."""
    from typer.testing import CliRunner

    from lossexp.cli import app

    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(app, [str(a) for a in args])
    return invoke


class FakeClock:
    """A clock that moves only when a test sets ``now``: progress bars without waiting."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now
