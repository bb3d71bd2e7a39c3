"""Losses that are Gaussian negative log-likelihoods: ``gaussian_nll`` (a fixed variance,
or one the model predicts per sample) and ``uncertainty_weighted`` (one variance per
output, learned by the loss itself).

Both read (mu_1..mu_K, s_1..s_K), s = log sigma^2: from the model for a heteroscedastic
``gaussian_nll``, and from the engine's learned columns for ``uncertainty_weighted``.
"""

from __future__ import annotations

import math

import numpy as np

from lossexp.errors import LossexpError
from lossexp.library.loss_base import Loss, _residual
from lossexp.schema import Boolean, Locator, Number


def _split_mean_log_var(pred, target, who: str):
    pred = np.asarray(pred, np.float64)
    k = np.shape(target)[-1]
    if pred.shape[-1] != 2 * k:
        raise LossexpError(f"{who} reads 2 prediction columns per target (mu, log sigma^2): "
                           f"{k} target column(s) need {2 * k}, got {pred.shape[-1]}")
    return pred[..., :k], pred[..., k:]


def _precision_weighted(r, log_var, power: int):
    """|r|^power exp(-log_var) with the sign of r^power, computed in log space.

    r^2 exp(-s) overflows when s is very negative even though it is often finite; in
    log space it overflows only when the true value exceeds the float range, and then
    inf is the honest value.
    """
    abs_r = np.abs(r)
    log_abs = np.log(abs_r, out=np.full(abs_r.shape, -np.inf), where=abs_r > 0)
    with np.errstate(over="ignore"):
        magnitude = np.exp(power * log_abs - log_var)
    return magnitude if power % 2 == 0 else np.sign(r) * magnitude


def _nll_value(mu, log_var, y):
    """Per-column Gaussian NLL: the data terms in the mu columns, s / 2 in the s columns."""
    data = 0.5 * _precision_weighted(mu - y, log_var, 2)
    return np.concatenate([data, 0.5 * np.broadcast_to(log_var, data.shape)], axis=-1)


def _nll_grad(mu, log_var, y):
    r = mu - y
    d_mu = _precision_weighted(r, log_var, 1)             # (mu - y) / sigma^2
    d_log_var = 0.5 - 0.5 * _precision_weighted(r, log_var, 2)  # (1 - r^2 / sigma^2) / 2
    return np.concatenate([d_mu, np.broadcast_to(d_log_var, d_mu.shape)], axis=-1)


class GaussianNLL(Loss):
    """Negative log-likelihood of y under N(a, sigma^2): a fixed variance, or (with
    ``heteroscedastic: true``) a variance the model predicts per sample.

    Heteroscedastic layout: pred[..., :K] = mu, pred[..., K:] = s = log sigma^2, target
    [..., K]. The value keeps pred's shape: the data term (mu - y)^2 / (2 sigma^2) sits in
    the mu columns and s / 2 in the s columns, so summing over the last axis gives the NLL.
    """

    name = "gaussian_nll"
    formula = "(a - y)^2 / (2 var) + log(var) / 2"
    gradient = "(a - y) / var"
    note = ("heteroscedastic: the model outputs mu and s = log var per target; "
            "d/dmu = (mu - y) e^-s, d/ds = (1 - (mu - y)^2 e^-s) / 2")
    params = {
        "variance": Number(default=1.0, gt=0, doc="the fixed noise variance sigma^2"),
        "heteroscedastic": Boolean(default=False,
                                   doc="the model outputs mu and log sigma^2 per target"),
    }

    def __init__(self, *, variance: float = 1.0, heteroscedastic: bool = False):
        self._set_params({"variance": variance, "heteroscedastic": heteroscedastic})
        self.check_params({"variance": self.variance, "heteroscedastic": self.heteroscedastic},
                          (), Locator(f"loss {self.name!r}"))
        self.heads_per_target = 2 if self.heteroscedastic else 1

    @classmethod
    def check_params(cls, params, path, loc):
        # The default variance cannot be told apart from one given, so only another counts.
        if params["heteroscedastic"] and params["variance"] != cls.params["variance"].default:
            raise loc.fail(path + ("variance",), f"is predicted by the model when "
                           f"heteroscedastic is true; leave variance out (got "
                           f"{params['variance']!r})")

    def value(self, pred, target):
        if self.heteroscedastic:
            mu, log_var = _split_mean_log_var(pred, target, "heteroscedastic gaussian_nll")
            return _nll_value(mu, log_var, target)
        r = _residual(pred, target)
        return (r * r) / (2.0 * self.variance) + 0.5 * math.log(self.variance)

    def grad(self, pred, target):
        if self.heteroscedastic:
            mu, log_var = _split_mean_log_var(pred, target, "heteroscedastic gaussian_nll")
            return _nll_grad(mu, log_var, target)
        return _residual(pred, target) / self.variance


class UncertaintyWeighted(Loss):
    """Multi-output regression weighted by learned task uncertainty (Kendall, Gal & Cipolla,
    CVPR 2018): sum_k (a_k - y_k)^2 / (2 sigma_k^2) + log(sigma_k^2) / 2.

    s_k = log sigma_k^2 is one number per output, learned alongside the model (the engine
    appends it to the prediction as K extra columns, so ``value``/``grad`` see the same
    (a, s) layout as heteroscedastic gaussian_nll). At its optimum sigma_k^2 is output k's
    mean squared error, so each output's weight 1 / sigma_k^2 undoes its scale.
    """

    name = "uncertainty_weighted"
    formula = "(a_k - y_k)^2 e^-s_k / 2 + s_k / 2"
    gradient = "(a_k - y_k) e^-s_k"
    note = ("s_k = log sigma_k^2, one per output, learned with the model (Kendall, Gal & "
            "Cipolla 2018); d/ds_k = (1 - (a_k - y_k)^2 e^-s_k) / 2")
    learned_per_target = 1

    def value(self, pred, target):
        mu, log_var = _split_mean_log_var(pred, target, "uncertainty_weighted")
        return _nll_value(mu, log_var, target)

    def grad(self, pred, target):
        mu, log_var = _split_mean_log_var(pred, target, "uncertainty_weighted")
        return _nll_grad(mu, log_var, target)

    # s_k further than this from log(MSE_k), its optimum, has run away: its weight
    # e^-s_k is off by a factor over e^10 = 22 000 (in practice e^-1150: the output is
    # switched off, its gradient 0, while nothing in the loss value looks wrong).
    RUNAWAY_NATS = 10.0

    def learned_summary(self, learned, mse=None):
        """s_k = log sigma_k^2 as learned, and sigma_k = e^(s_k / 2), one per output; given
        each output's mean squared error, also ``learned_ran_away``: the outputs (from 1)
        whose s_k ended more than ``RUNAWAY_NATS`` from its optimum log MSE_k."""
        learned = np.asarray(learned, dtype=np.float64)
        with np.errstate(over="ignore"):  # a diverged s_k: sigma_k is inf (null in JSON)
            sigma = np.exp(learned / 2)
        out = {"learned_log_variance": learned.tolist(), "learned_sigma": sigma.tolist()}
        if mse is not None:
            with np.errstate(divide="ignore"):
                gap = np.abs(learned - np.log(np.asarray(mse, dtype=np.float64)))
            out["learned_ran_away"] = [k + 1 for k in np.flatnonzero(~(gap <= self.RUNAWAY_NATS))]
        return out
