"""lossexp: see how a loss function shapes learning.

Importing the package is cheap on purpose: the command line's start-up path must not
pull in numpy or matplotlib. Import the submodules you need (``lossexp.library.losses``,
``lossexp.train.engine``, ``lossexp.run.experiment``) directly.
"""

__version__ = "0.1.0"


def _moved(old: str, new: str, names: set[str]):
    """A module ``__getattr__`` for a module that moved to ``new``: each of ``names`` is
    still found in ``old``, with a DeprecationWarning, for one release."""
    import importlib
    import warnings

    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        warnings.warn(f"{old}.{name} moved to {new}.{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(new), name)

    return __getattr__
