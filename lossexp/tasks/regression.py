"""Regression tasks with a known truth, for comparing losses.

- ``regression``: a line y = slope x + intercept with Gaussian noise, and optionally a
  fraction of gross outliers shifted by ``outlier_shift``.
- ``heteroscedastic``: a line whose noise grows with x, linearly or exponentially (the
  latter makes log sigma^2 linear in x, so a linear (mu, log sigma^2) head can recover it).
- ``multi_output``: several smooth curves of x at very different scales, one per output,
  optionally standardised per output.

Every kind draws from the task's ``numpy.random.Generator`` in a documented order, so a
seed always gives the same data: x first, then the noise, then anything else.
"""

from __future__ import annotations

import numpy as np

from lossexp import schema as s
from lossexp.tasks.base import Data, TaskKind

NOISE_SHAPES = ("linear", "exponential")


def line(x, slope: float, intercept: float):
    """The clean truth of ``regression`` and ``heteroscedastic``."""
    return slope * x + intercept


def noise_std(x, p: dict):
    """The heteroscedastic task's noise standard deviation at x in [0, 1]."""
    lo, hi = p["noise_low"], p["noise_high"]
    if p["noise_shape"] == "linear":
        return lo + (hi - lo) * x
    return lo * (hi / lo) ** x


def curves(x, outputs: int):
    """The multi_output task's clean curves before scaling: sin((k + 1) x + k) for output k."""
    k = np.arange(outputs)
    return np.sin((k + 1) * x + k)


def _regression(p, rng):
    """x ~ U(-1, 1); y = line + N(0, noise^2); then round(outlier_fraction N) samples, chosen
    without replacement, get y += outlier_shift."""
    n = p["samples"]
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = line(x, p["slope"], p["intercept"]) + p["noise"] * rng.standard_normal((n, 1))
    outliers = rng.choice(n, size=round(p["outlier_fraction"] * n), replace=False)
    y[outliers] += p["outlier_shift"]
    return Data(x, y)


def _heteroscedastic(p, rng):
    """x ~ U(0, 1); y = line + noise_std(x) * N(0, 1)."""
    n = p["samples"]
    x = rng.uniform(0.0, 1.0, (n, 1))
    y = line(x, p["slope"], p["intercept"]) + noise_std(x, p) * rng.standard_normal((n, 1))
    return Data(x, y)


def _multi_output(p, rng):
    """x ~ U(-1, 1); y_k = scale_k (curve_k(x) + noise N(0, 1)); standardised per output
    (sample mean 0, sample std 1) when ``normalize`` is set."""
    n, scales = p["samples"], np.asarray(p["scales"])
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = scales * (curves(x, scales.size) + p["noise"] * rng.standard_normal((n, scales.size)))
    if p["normalize"]:
        y = (y - y.mean(axis=0)) / y.std(axis=0)
    return Data(x, y)


def _samples(default: int):
    return s.Number(default=default, integer=True, ge=2, doc="number of samples N")


TASKS: dict[str, TaskKind] = {
    "regression": TaskKind(
        fields={"samples": _samples(50),
                "slope": s.Number(default=2.0, doc="the clean line's slope"),
                "intercept": s.Number(default=1.0, doc="the clean line's intercept"),
                "noise": s.Number(default=0.1, ge=0, doc="std of the Gaussian noise"),
                "outlier_fraction": s.Number(default=0.0, ge=0, lt=1,
                                             doc="fraction of samples made gross outliers"),
                "outlier_shift": s.Number(default=20.0, doc="added to each outlier's target")},
        make=_regression, shape=lambda p: (1, 1),
        doc="a noisy line y = slope x + intercept on x in [-1, 1], with optional outliers"),
    "heteroscedastic": TaskKind(
        fields={"samples": _samples(400),
                "slope": s.Number(default=1.0, doc="the mean line's slope"),
                "intercept": s.Number(default=0.0, doc="the mean line's intercept"),
                "noise_low": s.Number(default=0.05, gt=0, doc="noise std at x = 0"),
                "noise_high": s.Number(default=0.5, gt=0, doc="noise std at x = 1"),
                "noise_shape": s.Text(default="linear", choices=NOISE_SHAPES,
                                      doc="how the std goes from noise_low to noise_high")},
        make=_heteroscedastic, shape=lambda p: (1, 1),
        doc="a line on x in [0, 1] whose Gaussian noise grows with x"),
    "multi_output": TaskKind(
        fields={"samples": _samples(200),
                "scales": s.ListOf(s.Number(gt=0), default=[10.0, 1000.0, 0.1], min_len=1,
                                   doc="one scale per output"),
                "noise": s.Number(default=0.05, ge=0, doc="noise std relative to each scale"),
                "normalize": s.Boolean(default=False,
                                       doc="standardise each output to mean 0, std 1")},
        make=_multi_output, shape=lambda p: (1, len(p["scales"])),
        doc="outputs scale_k sin((k + 1) x + k) of one input x, at very different scales"),
}
