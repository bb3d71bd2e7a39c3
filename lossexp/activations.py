"""Deprecated: moved to ``lossexp.library.activations``; this alias goes in the next release."""

from lossexp import _moved

__getattr__ = _moved(__name__, "lossexp.library.activations", {"get", "names", "ACTIVATIONS"})
