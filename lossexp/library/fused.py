"""Fused output layers: a loss and an activation combined into one stable expression in z.

When the output activation and the loss pair up, dC/dz simplifies: for sigmoid with binary
cross-entropy, and softmax with categorical cross-entropy, it is just ``a - y``. The
saturating slope sigma'(z) cancels, which is the whole cure for the quadratic cost's
plateau. Working from the logit also keeps the loss finite for |z| in the hundreds, where
the probability-space formula would take log(0).
"""

from __future__ import annotations

import numpy as np

from lossexp.library.activations import Sigmoid, Softmax


class SigmoidCrossEntropy:
    """Binary cross-entropy of sigmoid(z): softplus(z) - y z, with delta = sigma(z) - y."""

    activation = Sigmoid  # the output activation this layer fuses with its loss

    formula = "softplus(z) - y z"
    delta_formula = "a - y"
    cancels = "sigma'(z) = a (1 - a) cancels the 1 / (a (1 - a)) of the loss gradient"

    def loss(self, z, y):
        # softplus(z) = max(z, 0) + log1p(exp(-|z|)): exp never sees a positive argument.
        return np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))

    def delta(self, z, y, a=None):
        """sigma(z) - y; pass ``a`` = sigma(z) when it is at hand."""
        return (Sigmoid().value(z) if a is None else a) - y


class SoftmaxCrossEntropy:
    """Categorical cross-entropy of softmax(z): -y_k log_softmax(z)_k, delta = p - y.

    In general dC/dz_k = p_k sum_j y_j - y_k, which is p - y for a target that sums to 1
    (a one-hot label or any distribution); the sum is kept so other targets get the true
    gradient too.
    """

    activation = Softmax
    formula = "-y_k (z_k - logsumexp(z))"
    delta_formula = "p - y"
    cancels = "the softmax Jacobian cancels the 1 / p_k of the loss gradient"

    def loss(self, z, y):
        shifted = z - np.max(z, axis=-1, keepdims=True)
        log_p = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        return -(y * log_p)

    def delta(self, z, y, a=None):
        """softmax(z) - y; pass ``a`` = softmax(z) when it is at hand."""
        p = Softmax().value(z) if a is None else a
        return p * np.sum(y, axis=-1, keepdims=True) - y


def fused_output(loss, activation):
    """The fused form for this (loss, activation) pair, or None when there is none: the
    loss names the fused layers it has (``Loss.fused_layers``), each the activation it
    fuses with."""
    for layer in loss.fused_layers:
        if isinstance(activation, layer.activation):
            return layer()
    return None
