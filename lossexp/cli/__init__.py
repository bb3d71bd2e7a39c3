"""The ``lossexp`` command line: thin typed wrappers around importable functions.

Each command lives in its own module and registers itself on the shared typer app.
"""

import os
import sys

# Each module registers its commands on import; --help lists them in this order.
from lossexp.cli import run  # noqa: F401, I001
from lossexp.cli import library  # noqa: F401
from lossexp.cli import sweep  # noqa: F401
from lossexp.cli import curves  # noqa: F401
from lossexp.cli import configs  # noqa: F401
from lossexp.cli import report  # noqa: F401
from lossexp.cli._app import app, ignore_ctrl_c


def main() -> None:
    # Keep BLAS to one thread per process unless the user chose otherwise: the matrices
    # here are tiny, and oversubscribing 2 cores only adds overhead.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        app(prog_name="lossexp")
    except KeyboardInterrupt:  # Ctrl-C before a command's own handler is in place
        ignore_ctrl_c()
        sys.exit(130)
    except SystemExit as done:
        if done.code in (0, None) and _nothing_left_running():
            _exit_now()
        raise


def _nothing_left_running() -> bool:
    """No other thread and no child process: nothing an exit handler would still wait for."""
    import threading

    children = sys.modules.get("multiprocessing")
    return threading.active_count() == 1 and not (children and children.active_children())


def _exit_now() -> None:
    """Leave without the interpreter's teardown.

    Every result is already written (atomically, files closed) by now; what remains is
    finalising NumPy's and matplotlib's modules, ~70 ms, a sixth of a whole `lossexp run`.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
