"""Activation functions: each a small object with ``value(z)`` and ``grad(z)``.

Conventions: ``z`` is a float64 array of pre-activations of any shape; ``value`` and
``grad`` return arrays of the same shape (softmax, which couples the last axis, also
offers ``vjp`` and its ``grad`` returns the Jacobian). Every activation is stable for
|z| up to 1e3: no overflow, no NumPy warnings.

A unit counts as *saturated* where its slope has fallen below ``SATURATION_FRACTION`` of
the activation's steepest slope (for the sigmoid: sigma'(z) < 0.025, i.e. |z| > 3.64).
"""

from __future__ import annotations

import numpy as np

from lossexp.registry import lookup
from lossexp.schema import Number

SATURATION_FRACTION = 0.1

# exp(709.8) is the largest finite double. Clipping the exponent at 700 changes the sigmoid
# only where it is already below 1e-304, and keeps every intermediate normal and finite.
_EXP_CLIP = 700.0


def _exp_neg(z):
    """exp(-z) without overflow (see _EXP_CLIP)."""
    return np.exp(np.minimum(np.negative(z), _EXP_CLIP))


class Activation:
    name = ""
    formula = ""
    derivative = ""
    saturates = "never"
    params: dict = {}
    elementwise = True
    peak_slope = 1.0

    def value(self, z):
        raise NotImplementedError

    def grad(self, z):
        raise NotImplementedError

    def vjp(self, z, upstream):
        """dC/dz from dC/da: the chain rule through this activation."""
        return upstream * self.grad(z)

    def saturated(self, z):
        """True where the unit's slope is below SATURATION_FRACTION of its steepest slope."""
        return self.grad(z) < SATURATION_FRACTION * self.peak_slope

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.params)
        return f"{type(self).__name__}({args})"


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "1 / (1 + exp(-z))"
    derivative = "sigma(z) * (1 - sigma(z))"
    saturates = "|z| > 3.6 (slope < 0.025)"
    peak_slope = 0.25

    def value(self, z):
        return 1.0 / (1.0 + _exp_neg(z))

    def grad(self, z):
        e = _exp_neg(z)
        s = 1.0 / (1.0 + e)
        # e*s is 1 - sigma(z) computed without cancellation, so the slope keeps full
        # relative precision deep in both tails.
        return (e * s) * s


class Tanh(Activation):
    name = "tanh"
    formula = "tanh(z)"
    derivative = "1 - tanh(z)^2"
    saturates = "|z| > 1.8 (slope < 0.1)"

    def value(self, z):
        return np.tanh(z)

    def grad(self, z):
        t = np.tanh(z)
        return 1.0 - t * t


class ReLU(Activation):
    name = "relu"
    formula = "max(z, 0)"
    derivative = "1 if z > 0 else 0"
    saturates = "z <= 0 (a dead unit: slope 0)"

    def value(self, z):
        return np.maximum(z, 0.0)

    def grad(self, z):
        return (np.asarray(z) > 0).astype(np.float64)


class LeakyReLU(Activation):
    name = "leaky_relu"
    formula = "z if z > 0 else alpha * z"
    derivative = "1 if z > 0 else alpha"
    params = {"alpha": Number(default=0.01, gt=0, lt=1, doc="slope for z < 0")}

    def __init__(self, *, alpha: float = 0.01):
        if not 0 < alpha < 1:
            raise ValueError(f"leaky_relu alpha must be in (0, 1), got {alpha!r}")
        self.alpha = float(alpha)
        self.saturates = "never (slope alpha for z < 0)" if alpha >= SATURATION_FRACTION else \
            f"z < 0 (slope alpha = {alpha:g})"

    def value(self, z):
        return np.where(np.asarray(z) > 0, z, self.alpha * np.asarray(z))

    def grad(self, z):
        return np.where(np.asarray(z) > 0, 1.0, self.alpha)


class Softplus(Activation):
    name = "softplus"
    formula = "log(1 + exp(z))"
    derivative = "sigma(z)"
    saturates = "z < -2.2 (slope < 0.1)"

    def value(self, z):
        z = np.asarray(z, dtype=np.float64)
        return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))

    def grad(self, z):
        return Sigmoid().value(z)


class Identity(Activation):
    name = "identity"
    formula = "z"
    derivative = "1"

    def value(self, z):
        return np.asarray(z, dtype=np.float64).copy()

    def grad(self, z):
        return np.ones_like(z, dtype=np.float64)


class Softmax(Activation):
    name = "softmax"
    formula = "exp(z_k) / sum_j exp(z_j)   (over the last axis)"
    derivative = "p_k (delta_kj - p_j)   (a Jacobian, not elementwise)"
    saturates = "max p_k -> 1 (every slope p_k(1 - p_k) -> 0)"
    elementwise = False

    def value(self, z):
        shifted = np.asarray(z) - np.max(z, axis=-1, keepdims=True)
        e = np.exp(shifted)
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
        return p * (1.0 - p) < SATURATION_FRACTION * 0.25


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Softplus, Identity, Softmax)
}


def names() -> list[str]:
    return list(ACTIVATIONS)


def get(name: str, **params) -> Activation:
    """The activation registered as ``name``, built with keyword-only ``params``."""
    return lookup(ACTIVATIONS, name, "activation")(**params)
