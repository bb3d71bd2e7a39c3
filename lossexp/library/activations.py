"""Activation functions: each a small object with ``value(z)`` and ``grad(z)``.

Conventions: ``z`` is a float64 array of pre-activations of any shape; ``value`` and
``grad`` return arrays of the same shape (softmax, which couples the last axis, also
offers ``vjp`` and its ``grad`` returns the Jacobian). Every activation is stable for
|z| up to 1e3: no overflow, no NumPy warnings.

A unit counts as *saturated* where its slope has fallen below ``SATURATION_FRACTION`` of
the activation's steepest slope (for the sigmoid: sigma'(z) < 0.025, i.e. |z| > 3.64).
"""

from __future__ import annotations

import math

import numpy as np

from lossexp.errors import lookup
from lossexp.library import parameters
from lossexp.library.exp_loop import numpy_exp_loop
from lossexp.schema import Number

try:
    from lossexp.library import _sigmoid  # the sigmoid in one compiled pass, the same bits
except ImportError:  # built without a C compiler
    _sigmoid = None

SATURATION_FRACTION = 0.1
EXP_CLIP = 700.0


def _exp_neg_abs(z):
    """exp(-|z|): in (0, 1], so it never overflows (it underflows to 0 past |z| = 745)."""
    return np.exp(-np.abs(np.asarray(z, dtype=np.float64)))


class Activation(parameters.Parameterised):
    """An activation: ``value`` and ``grad`` in the pre-activation z, plus its description."""

    kind = "activation"
    formula = ""
    derivative = ""
    saturation_region = "never"
    output_range = "all reals"
    output_bounds = (-math.inf, math.inf)
    elementwise = True
    peak_slope = 1.0
    min_units = 1  # the fewest units in a layer over which the outputs are not constant

    def inverse(self, a):
        """The z with value(z) = a, elementwise, where there is a closed form; else None."""
        return None

    def value(self, z):
        raise NotImplementedError

    def grad(self, z):
        raise NotImplementedError

    def value_and_grad(self, z):
        """``(value(z), grad(z))``; activations that share work between the two override it."""
        return self.value(z), self.grad(z)

    def vjp(self, z, upstream):
        """dC/dz from dC/da: the chain rule through this activation."""
        return upstream * self.grad(z)

    def saturated(self, z):
        """True where the unit's slope is below SATURATION_FRACTION of its steepest slope."""
        return self.grad(z) < SATURATION_FRACTION * self.peak_slope


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "1 / (1 + exp(-z))"
    derivative = "sigma(z) (1 - sigma(z))"
    saturation_region = "|z| > 3.6: slope < 0.025"
    output_range = "(0, 1)"
    output_bounds = (0.0, 1.0)
    peak_slope = 0.25

    def value(self, z):
        return self.value_and_grad(z)[0]

    def grad(self, z):
        return self.value_and_grad(z)[1]

    def inverse(self, a):
        a = np.asarray(a, dtype=np.float64)
        return np.log(a) - np.log1p(-a)  # logit; log1p keeps the digits of 1 - a near 0

    def value_and_grad(self, z):
        # 1 / (1 + e^-z) keeps full relative precision in both tails (no cancellation).
        # Clipping the exponent at 700 (e^709.8 is the largest double) avoids overflow; it
        # changes the result only where sigma(z) is already below 1e-304.
        z = np.asarray(z, dtype=np.float64)
        if z.ndim == 0:  # the in-place steps below need arrays; ufuncs give 0-d ones back as scalars
            a, slope = self.value_and_grad(z.reshape(1))
            return a[0], slope[0]
        loop = numpy_exp_loop() if _sigmoid is not None else None
        if loop is not None:  # the same formulas, in one pass (lossexp/library/_sigmoid.c)
            z = np.ascontiguousarray(z)
            a, slope = np.empty_like(z), np.empty_like(z)
            _sigmoid.value_and_slope(z, a, slope, EXP_CLIP, loop)
            return a, slope
        # In place on fresh arrays: in an MLP's training this is the hottest code there is.
        e = np.negative(z)
        np.minimum(e, EXP_CLIP, out=e)
        np.exp(e, out=e)
        a = e + 1.0
        np.divide(1.0, a, out=a)
        # sigma'(z) = e^-z sigma(z)^2; e*a is 1 - sigma(z) without the cancellation of
        # subtracting from 1, so the slope keeps its digits deep in both tails too.
        slope = e * a
        slope *= a
        return a, slope


class Tanh(Activation):
    name = "tanh"
    formula = "tanh(z)"
    derivative = "1 - tanh(z)^2"
    saturation_region = "|z| > 1.8: slope < 0.1"
    output_range = "(-1, 1)"
    output_bounds = (-1.0, 1.0)

    def value(self, z):
        return np.tanh(np.asarray(z, dtype=np.float64))

    def inverse(self, a):
        return np.arctanh(np.asarray(a, dtype=np.float64))

    def grad(self, z):
        # 1 - tanh^2 = 4 e^-2|z| / (1 + e^-2|z|)^2: no cancellation, no overflow.
        e = _exp_neg_abs(2.0 * np.asarray(z, dtype=np.float64))
        return 4.0 * e / ((1.0 + e) * (1.0 + e))


class ReLU(Activation):
    name = "relu"
    formula = "max(z, 0)"
    derivative = "1 if z > 0 else 0"
    saturation_region = "z <= 0: slope 0, a dead unit"
    output_range = "[0, inf)"
    output_bounds = (0.0, math.inf)

    def value(self, z):
        return np.maximum(np.asarray(z, dtype=np.float64), 0.0)

    def grad(self, z):
        return (np.asarray(z) > 0).astype(np.float64)


class LeakyReLU(Activation):
    name = "leaky_relu"
    formula = "z if z > 0 else alpha z"
    derivative = "1 if z > 0 else alpha"
    params = {"alpha": Number(default=0.01, gt=0, lt=1, doc="the slope for z < 0")}

    def __init__(self, *, alpha: float = 0.01):
        self._set_params({"alpha": alpha})
        if self.alpha < SATURATION_FRACTION:
            self.saturation_region = f"z < 0: slope alpha = {self.alpha:g}"
        else:
            self.saturation_region = f"never: slope alpha = {self.alpha:g} for z < 0"

    def value(self, z):
        z = np.asarray(z, dtype=np.float64)
        return np.where(z > 0, z, self.alpha * z)

    def grad(self, z):
        return np.where(np.asarray(z) > 0, 1.0, self.alpha)


class Softplus(Activation):
    name = "softplus"
    formula = "log(1 + exp(z))"
    derivative = "sigma(z)"
    saturation_region = "z < -2.2: slope < 0.1"
    output_range = "(0, inf)"
    output_bounds = (0.0, math.inf)

    def value(self, z):
        z = np.asarray(z, dtype=np.float64)
        return np.maximum(z, 0.0) + np.log1p(_exp_neg_abs(z))

    def grad(self, z):
        return Sigmoid().value(z)


class Identity(Activation):
    name = "identity"
    formula = "z"
    derivative = "1"

    def value(self, z):
        return np.array(z, dtype=np.float64)

    def grad(self, z):
        return np.ones(np.shape(z))

    def inverse(self, a):
        return np.array(a, dtype=np.float64)


class Softmax(Activation):
    name = "softmax"
    formula = "exp(z_k) / sum_j exp(z_j)   (over the last axis)"
    derivative = "p_k (delta_kj - p_j)   (a Jacobian, not elementwise)"
    saturation_region = "max p_k -> 1: every p_k (1 - p_k) < 0.025"
    output_range = "(0, 1), summing to 1"
    output_bounds = (0.0, 1.0)
    elementwise = False
    peak_slope = 0.25
    min_units = 2  # over one unit, softmax is the constant 1

    def value(self, z):
        z = np.asarray(z, dtype=np.float64)
        # Shifting by the row maximum leaves p unchanged and keeps exp() <= 1.
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def grad(self, z):
        """The Jacobian d p_k / d z_j, shape z.shape + (K,)."""
        p = self.value(z)
        return p[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])

    def vjp(self, z, upstream):
        p = self.value(z)
        return p * (upstream - np.sum(upstream * p, axis=-1, keepdims=True))

    def saturated(self, z):
        p = self.value(z)
        return p * (1.0 - p) < SATURATION_FRACTION * self.peak_slope


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Softplus, Identity, Softmax)
}


def names() -> list[str]:
    return list(ACTIVATIONS)


def get(name: str, **params) -> Activation:
    """The activation registered as ``name``, built with keyword-only ``params``.

    Raises ``LossexpError`` for an unknown name or a bad parameter.
    """
    cls = lookup(ACTIVATIONS, name, "activation")
    return cls(**parameters.checked(f"activation {name!r}", cls.params, params))
