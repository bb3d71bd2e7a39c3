"""Where chunks run: local processes or threads, or a Dask distributed cluster.

Each executor offers the same three calls (``submit``, ``wait_any``, ``cancel``); the
sweep keeps only a small window of chunks in flight, so memory stays flat however many
chunks there are, and an interrupted sweep has little to cancel. Workers only compute and
return a chunk's tally; the caller writes every file.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import signal

from lossexp.sweep.signals import (blocked, ctrl_c_deferred, ctrl_c_held, sigint_blocked,
                                   stops_noted)

EXECUTORS = ("local", "threads", "processes", "dask")
DEFAULT_EXECUTOR = "local"  # of run_sweep and of `lossexp sweep` alike


# A thread that trains in the kernel releases the interpreter lock for the epochs, but a
# chunk's set-up, first and last epochs and tally (a third of its time) are NumPy calls
# made under it: two threads barely queue for it, sixteen would. (Measured before the
# kernel took a whole chunk in one call, on 16 cores, 1e8 starts, no rows: 16 threads
# 276, 16 processes 1,356 M neuron-epochs/s.) So more workers than this are processes.
THREADS_AT_MOST = 2


def local_kind(workers: int, threads_suffice: bool = False) -> str:
    """What the "local" executor runs: worker processes, or threads where they do as well.

    Threads share one interpreter lock. Formatting the rows of sweep.csv is Python, and
    so is much of an epoch on the NumPy engine, so in general only processes scale with
    the cores. But when the chunks train in the compiled kernel and write no rows
    (``threads_suffice``, see sweep.chunk.free_of_the_interpreter_lock), up to
    THREADS_AT_MOST threads train in parallel as well as processes, without their start-up
    or the pickling of every result; and a single worker gains nothing from being a
    process either.
    """
    if workers == 1 or (threads_suffice and workers <= THREADS_AT_MOST):
        return "threads"
    return "processes"


# A LocalCluster without a dashboard; the scheduler's HTTP server (metrics) still starts,
# on port 8787 unless told otherwise, and warns when another cluster holds that port.
QUIET_HTTP = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}}


def check_executor(kind: str) -> None:
    if kind not in EXECUTORS:
        from lossexp.errors import LossexpError

        raise LossexpError(f"executor must be one of {', '.join(EXECUTORS)}, got {kind!r}")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group; the parent alone decides what to do with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context():
    """Fresh worker processes (never a fork of this one, threads and all): forked from a
    server that has imported the training code once, where there is one (POSIX), so its
    pages are shared (1e7 starts with rows, 16 workers: 435 MB in all, not 613), and
    each worker starts without importing NumPy again; spawned elsewhere."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["lossexp.sweep.driver"])
    return context


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with SIGHUP blocked (the mask survives fork
    and exec). It ignores Ctrl-C and SIGTERM itself, but a closed terminal (SIGHUP to the
    whole process group) ended it, and the command's next use of it printed "process died
    unexpectedly" and five tracebacks. It ends when the command does."""
    if not hasattr(signal, "SIGHUP"):
        return
    from multiprocessing import resource_tracker

    with blocked(signal.SIGHUP):
        resource_tracker.ensure_running()


PARENT_CHECK_S = 0.5  # how often a worker process checks that its parent is alive


def _start_worker(parent: int) -> None:
    """A worker process's initializer: Ctrl-C ignored, and a thread that ends the worker as
    soon as its parent is gone.

    A parent stopped cleanly ends its workers itself (``LocalPool.abandon``); one killed
    outright (kill -9, the OOM killer) cannot, and its workers, adopted by init, would
    train on for nothing, and keep the resource tracker alive. Polling the parent's pid
    works on every platform, and with a forkserver (which, not the command, is a worker's
    parent); Linux's PR_SET_PDEATHSIG would not do: it fires when the *thread* that started
    the worker ends, and concurrent.futures may start workers from a thread that is not
    the main one (or a library user's short-lived thread).
    """
    _ignore_sigint()
    if hasattr(signal, "pthread_sigmask"):  # started with Ctrl-C blocked: see LocalPool.submit
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    import threading

    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="lossexp-parent-watch").start()


def _watch_parent(parent: int) -> None:
    """End this worker once ``parent`` (the command, not the forkserver that forked the
    worker) has ended."""
    import time

    while _alive(parent):
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs: it exists, and (where /proc tells) is no zombie, as a
    process killed outright stays until its own parent reaps it."""
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except (ProcessLookupError, PermissionError):  # gone, or the pid reused by another user
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:  # no /proc here: existing is running
        return True


class LocalPool:
    """A concurrent.futures pool of threads or of (spawned) processes."""

    def __init__(self, kind: str, workers: int):
        self.processes = kind != "threads"
        if kind == "threads":
            self.pool = cf.ThreadPoolExecutor(max_workers=workers)
        else:
            _start_resource_tracker()
            self.pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                               initializer=_start_worker,
                                               initargs=(os.getpid(),))
        self.workers = workers

    def submit(self, fn, *args):
        # concurrent.futures starts a worker process inside submit when it needs one. Until
        # its initializer runs, a new process would die of a Ctrl-C (sent to the whole
        # group), printing a traceback and breaking the pool; started with SIGINT blocked
        # (a blocked mask survives fork and exec), it never sees one. Here the signal only
        # waits until submit returns.
        with sigint_blocked():
            return self.pool.submit(fn, *args)

    def wait_any(self, futures):
        return cf.wait(futures, return_when=cf.FIRST_COMPLETED).done

    def cancel(self, futures) -> None:
        if self.processes:
            return  # abandon() ends them all; see there why they are not cancelled
        for fut in futures:
            fut.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def abandon(self) -> None:
        """Stop at once (Ctrl-C, a failure): cancel the queued chunks and end the worker
        processes, whose chunks in progress are lost anyway (the finished ones are saved).
        Waiting for them instead left the command hanging on a second Ctrl-C. Threads
        cannot be stopped: they finish their current chunk as the interpreter exits."""
        # (concurrent.futures has no public way to end its workers before Python 3.14.)
        # The queued chunks of a process pool are not cancelled: once its workers are gone,
        # the pool's manager thread fails every chunk it still holds, and before Python 3.12
        # one already cancelled makes it die of InvalidStateError, with a traceback on
        # stderr and, now and then, an exit that hangs (about 1 in 7 under load).
        # A worker ended while it wrote a result leaves half a message in the result pipe,
        # and the manager thread would wait for the rest for ever (the command hung at
        # exit, joining it): this process's own end of the pipe is closed too, so that once
        # the workers are gone the manager reads end-of-file instead and stops.
        # Then wait for that thread (a few milliseconds): left running, it could close its
        # wakeup pipe just as the interpreter's exit writes to it, with a traceback.
        # (All three are read before shutdown, which drops the pool's references to them.)
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        writer = getattr(getattr(self.pool, "_result_queue", None), "_writer", None)
        manager = getattr(self.pool, "_executor_manager_thread", None)
        with contextlib.suppress(OSError):  # the pool's wakeup pipe may be closing already
            self.pool.shutdown(wait=False, cancel_futures=not self.processes)
        for process in processes:
            process.kill()  # not terminate(): a worker started with SIGTERM ignored survives it
        if writer is not None:
            with contextlib.suppress(OSError):
                writer.close()
        if manager is not None:
            manager.join(timeout=30)


class DaskPool:
    """Chunks as tasks on a Dask distributed cluster: an existing one at ``scheduler``,
    or a LocalCluster of ``workers`` single-threaded processes started for this sweep."""

    def __init__(self, workers: int, scheduler: str | None = None, *, client=None,
                 timeout: float | None = None):
        try:
            import distributed  # noqa: F401 - here only to say what is missing
        except ImportError:
            from lossexp.errors import LossexpError

            raise LossexpError("the dask executor needs dask.distributed: "
                               "pip install 'lossexp[dask]'") from None
        self.cluster = None
        try:
            self._connect(workers, scheduler, client, timeout)
        except BaseException:  # the cluster started for this sweep goes with it
            if self.cluster is not None:
                with ctrl_c_deferred():
                    self.cluster.close()
            raise
        self.workers = max(1, sum(self.client.nthreads().values()))

    def _connect(self, workers: int, scheduler: str | None, client, timeout) -> None:
        from distributed import Client, LocalCluster

        if client is not None:
            self.client, self._own_client = client, False
        else:
            if scheduler is None:
                import logging

                # Its processes start with Ctrl-C blocked, as ours do: the command stops
                # them itself, and they do not each print a traceback on the way. Blocked,
                # not ignored: a Ctrl-C meanwhile stays pending, and stops the command as
                # soon as the cluster is up.
                with ctrl_c_held():
                    self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                                processes=True, silence_logs=logging.ERROR,
                                                **QUIET_HTTP)
                scheduler = self.cluster
            waits = {} if timeout is None else {"timeout": timeout}
            stops = []  # Dask turns Ctrl-C while it connects into a timeout: note it here
            try:  # timeout None: Dask's distributed.comm.timeouts.connect (30 s)
                with stops_noted(stops):
                    self.client, self._own_client = Client(scheduler, **waits), True
            # Nobody answers there, or no such address. Distributed also lets a bare
            # AssertionError out when its timeout cuts a connection attempt short (seen
            # now and then on a refused port): that too is a scheduler out of reach.
            except (OSError, ValueError, AssertionError) as exc:
                from lossexp.errors import LossexpError, Stopped

                if stops:
                    raise (KeyboardInterrupt() if stops[0] == signal.SIGINT
                           else Stopped(stops[0])) from None
                waited = "" if timeout is None else f" (waited {timeout:g} s)"
                detail = str(exc) or type(exc).__name__
                raise LossexpError(f"cannot reach the Dask scheduler at {scheduler}{waited}: "
                                   f"{detail}") from None

    def submit(self, fn, *args):
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, futures):
        from distributed import wait

        return wait(futures, return_when="FIRST_COMPLETED").done

    def cancel(self, futures) -> None:
        if futures:
            self.client.cancel(list(futures))

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    abandon = close


@contextlib.contextmanager
def open_pool(kind: str, workers: int | None = None, scheduler: str | None = None, client=None,
              *, threads_suffice: bool = False, timeout: float | None = None):
    """The executor ``kind`` (one of EXECUTORS, checked by the caller), closed on the way out;
    ``threads_suffice`` as for ``local_kind``; ``timeout``: seconds to wait for a Dask
    scheduler."""
    workers = workers or default_workers()
    if kind == "local":
        kind = local_kind(workers, threads_suffice)
    pool = (DaskPool(workers, scheduler, client=client, timeout=timeout) if kind == "dask"
            else LocalPool(kind, workers))
    try:
        yield pool
    except BaseException:
        with ctrl_c_deferred():  # a second Ctrl-C must not leave workers running
            pool.abandon()
        raise
    pool.close()
