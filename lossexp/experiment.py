"""Deprecated: moved to ``lossexp.run.experiment``; this alias goes in the next release."""

from lossexp import _moved

__getattr__ = _moved(__name__, "lossexp.run.experiment", {"run_experiment", "RunResult"})
