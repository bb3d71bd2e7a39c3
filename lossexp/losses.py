"""Deprecated: moved to ``lossexp.library.losses``; this alias goes in the next release."""

from lossexp import _moved

__getattr__ = _moved(__name__, "lossexp.library.losses", {"get", "names", "LOSSES"})
