"""The ``lossexp`` command line: thin typed wrappers around importable functions.

Each command lives in its own module and registers itself on the shared typer app.
"""

import os
import sys

from lossexp.cli import curves, library, run, sweep  # noqa: F401  (each registers its commands)
from lossexp.cli._app import app


def main() -> None:
    # Keep BLAS to one thread per process unless the user chose otherwise: the matrices
    # here are tiny, and oversubscribing 2 cores only adds overhead.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        app(prog_name="lossexp")
    except KeyboardInterrupt:  # Ctrl-C before a command's own handler is in place
        sys.exit(130)
