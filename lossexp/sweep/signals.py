"""How the sweep's executors hold stop signals back: from the worker processes they start
(which the command stops itself), and around the moments a signal must not cut short.
Those that set a handler act only in the main thread, where Python lets a program do so.
"""

from __future__ import annotations

import contextlib
import signal


@contextlib.contextmanager
def sigint_blocked():
    """Ctrl-C blocked in this thread for the block: processes started meanwhile begin with
    it blocked (a signal mask survives fork and exec), and never see one."""
    with blocked(signal.SIGINT):
        yield


@contextlib.contextmanager
def blocked(*signums):
    """``signums`` blocked in this thread for the block (see ``sigint_blocked``)."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(signums))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def stops_noted(stops: list):
    """Append each stop signal (Ctrl-C, SIGTERM, SIGHUP) received in the block to ``stops``,
    then handle it as before."""
    import threading

    from lossexp.output.atomic import STOP_SIGNALS

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}

    def noted(signum, frame):
        stops.append(signum)
        previous[signum](signum, frame)

    for s, handler in previous.items():
        if callable(handler):
            signal.signal(s, noted)
    try:
        yield
    finally:
        for s, handler in previous.items():
            if callable(handler):
                signal.signal(s, handler)


@contextlib.contextmanager
def ctrl_c_held():
    """Ctrl-C held back for the duration and raised (KeyboardInterrupt) after it: blocked,
    so that processes started meanwhile begin with it blocked (a signal mask survives fork
    and exec), and noted, where another thread of ours takes it instead."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        with sigint_blocked():
            yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


@contextlib.contextmanager
def ctrl_c_deferred():
    """Ctrl-C ignored for the duration, where Python lets us (the main thread), then
    handled as before."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
