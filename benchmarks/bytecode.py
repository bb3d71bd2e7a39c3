"""Write lossexp's bytecode cache before a whole process is timed.

Installing lossexp from a wheel writes it, and so does the first import anywhere bytecode
may be written. Where PYTHONDONTWRITEBYTECODE is set (as on the development machine) an
editable install otherwise parses every lossexp module anew in every process: about 40 ms
of a sweep, 25 of a `lossexp run`, which no installed copy ever pays.
"""

from __future__ import annotations

import compileall
from pathlib import Path


def compile_bytecode() -> None:
    import lossexp

    compileall.compile_dir(Path(lossexp.__file__).parent, quiet=1)
