"""The numbers behind each ``lossexp demo``: from the trained variants to a table and
sentences stating what the notes claim, with the measured values in them.

Each ``*_report`` takes the fitted variants (``lossexp.demos.fit.Fit``) in the order the demo
lists them and returns a ``Report``. Nothing here trains, prints or plots.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import numpy as np

from lossexp.demos.fit import Fit
from lossexp.errors import LossexpError
from lossexp.library import losses
from lossexp.output.text import cell
from lossexp.tasks.regression import line, noise_std


@dataclass
class Report:
    name: str
    title: str
    columns: list[str]
    rows: list[list]
    findings: list[str]
    fits: list[Fit] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # the lossexp run line of each variant

    def cells(self) -> list[list[str]]:
        """The rows as table cells: null reads "never" in a column of epochs, "-" elsewhere."""
        nones = ["never" if column.startswith("epochs") else "-" for column in self.columns]
        return [[cell(v, none=none) for v, none in zip(row, nones)] for row in self.rows]

    def as_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "findings": self.findings,
                "commands": self.commands,
                "table": [dict(zip(self.columns, row)) for row in self.rows]}


def _line_fit(f: Fit) -> tuple[float, float]:
    """(slope, intercept) of a fitted identity neuron."""
    return float(f.params.weights[0][0, 0, 0]), float(f.params.biases[0][0, 0])


def _by_label(fits: list[Fit]) -> dict[str, Fit]:
    return {f.label: f for f in fits}


# The notes' demo: predictions for targets 1..5, then the last target becomes 50.
NOTES_TARGETS = (1.0, 2.0, 3.0, 4.0, 5.0)
NOTES_PREDICTIONS = (1.1, 2.2, 2.9, 3.8, 5.1)
NOTES_OUTLIER = 50.0
FACTOR_LOSSES = ("quadratic", "mae", "huber", "smooth_l1", "log_cosh", "quantile")


def outlier_factor_report(_fits=None) -> Report:
    """By what factor each loss grows when one target of five becomes an outlier."""
    pred = np.array(NOTES_PREDICTIONS)
    clean = np.array(NOTES_TARGETS)
    dirty = clean.copy()
    dirty[-1] = NOTES_OUTLIER
    rows = []
    for name in FACTOR_LOSSES:
        loss = losses.get(name)  # at its default parameters
        before = float(losses.reduce(loss.value(pred, clean), "mean"))
        after = float(losses.reduce(loss.value(pred, dirty), "mean"))
        pull = float(abs(loss.grad(pred, dirty)[-1]))
        rows.append([name, before, after, after / before, pull])
    factors = {row[0]: row[3] for row in rows}
    mse, mae = factors["quadratic"], factors["mae"]
    findings = [
        f"One target of five moved from 5 to {NOTES_OUTLIER:g}: the mean squared error grows "
        f"{mse:.0f}-fold, the mean absolute error {mae:.0f}-fold.",
        "The last column is how hard the outlier pulls on its prediction (|dL/da|): the "
        "residual itself for the squared error, at most 1 (or delta) for the robust losses.",
    ]
    return Report("outlier_factor", "Loss growth when one target becomes an outlier",
                  ["loss", "mean loss, clean", "mean loss, one outlier", "factor",
                   "pull of the outlier"], rows, findings)


def outliers_report(fits: list[Fit]) -> Report:
    task = fits[0].cfg["task"]
    slope, intercept = task["slope"], task["intercept"]
    rows = []
    for f in fits:
        w, b = _line_fit(f)
        # RMS gap between the fitted and the clean line for x ~ U(-1, 1): E[(dw x + db)^2]
        gap = float(np.sqrt((w - slope) ** 2 / 3 + (b - intercept) ** 2))
        rows.append([f.label, w, b, w - slope, b - intercept, gap])
    gaps = {row[0]: row[5] for row in rows}
    robust = [k for k in gaps if k != "quadratic"]
    worst = max(robust, key=gaps.get)
    n_out = round(task["outlier_fraction"] * task["samples"])
    findings = [
        f"{n_out} of {task['samples']} targets shifted by {task['outlier_shift']:g}: the "
        f"quadratic fit ends {gaps['quadratic']:.3g} (RMS) from the clean line "
        f"y = {slope:g} x + {intercept:g}; {', '.join(robust)} stay within {gaps[worst]:.3g}.",
        "The quadratic loss follows the mean, which the outliers drag; mae follows the median; "
        "huber and log_cosh pull on an outlier with a bounded force.",
    ]
    return Report("outliers", "A line fit with gross outliers, loss by loss",
                  ["loss", "slope", "intercept", "slope error", "intercept error",
                   "RMS gap to the clean line"], rows, findings, fits)


def true_quantile_line(task: dict, q: float) -> tuple[float, float]:
    """(slope, intercept) of the q-th quantile of y given x for the linear-noise task."""
    if task["noise_shape"] != "linear":
        raise LossexpError("the quantiles demo needs task.noise_shape linear (its quantiles "
                           f"are lines), got {task['noise_shape']!r}")
    zq = statistics.NormalDist().inv_cdf(q)
    lo, hi = task["noise_low"], task["noise_high"]
    return task["slope"] + zq * (hi - lo), task["intercept"] + zq * lo


def quantiles_report(fits: list[Fit]) -> Report:
    rows = []
    for f in fits:
        q = f.cfg["loss"]["q"]
        w, b = _line_fit(f)
        tw, tb = true_quantile_line(f.cfg["task"], q)
        below = float(np.mean(f.data.y < f.predict(f.data.x)))
        rows.append([f.label, q, w, b, tw, tb, below])
    spread = max(max(abs(r[2] - r[4]), abs(r[3] - r[5])) for r in rows)
    findings = [
        "Each pinball loss puts its line where a fraction q of the targets lies below it: "
        + ", ".join(f"q = {r[1]:g}: {r[6]:.1%} below" for r in rows) + ".",
        f"The fitted slopes and intercepts are within {spread:.2g} of the true conditional "
        f"quantile lines, which fan out as the noise grows with x.",
    ]
    return Report("quantiles", "Quantile regression on heteroscedastic data",
                  ["loss", "q", "slope", "intercept", "true slope", "true intercept",
                   "fraction below the line"], rows, findings, fits)


HETEROSCEDASTIC_PROBES = (0.0, 0.25, 0.5, 0.75, 1.0)


def heteroscedastic_report(fits: list[Fit]) -> Report:
    (f,) = fits
    task = f.cfg["task"]
    x = np.array(HETEROSCEDASTIC_PROBES).reshape(-1, 1)
    mu, log_var = f.predict(x).T
    sigma, true_sigma = np.exp(0.5 * log_var), noise_std(x[:, 0], task)
    true_mu = line(x[:, 0], task["slope"], task["intercept"])
    rows = [[float(xi), float(m), float(tm), float(s), float(ts)]
            for xi, m, tm, s, ts in zip(x[:, 0], mu, true_mu, sigma, true_sigma)]
    worst = float(np.max(np.abs(sigma / true_sigma - 1)))
    findings = [
        f"The log sigma^2 head recovers the input-dependent noise: the predicted sigma goes "
        f"from {sigma[0]:.3g} at x = 0 to {sigma[-1]:.3g} at x = 1 (true {true_sigma[0]:.3g} "
        f"to {true_sigma[-1]:.3g}), within {worst:.0%} everywhere on [0, 1] probed.",
        f"The mean head fits the line: largest error {np.max(np.abs(mu - true_mu)):.2g}.",
    ]
    return Report("heteroscedastic", "Gaussian NLL with a (mu, log sigma^2) head",
                  ["x", "predicted mu", "true mu", "predicted sigma", "true sigma"], rows,
                  findings, fits)


def sse_vs_mse_report(fits: list[Fit]) -> Report:
    by = _by_label(fits)
    rows = []
    for f in fits:
        n, tr = f.data.samples, f.cfg["train"]
        per_sample = f.metrics["loss"] / (n if tr["reduction"] == "sum" else 1)
        twin = by.get(f"N={n}, mean, lr {tr['lr'] * n:g}") if tr["reduction"] == "sum" else None
        gap = None
        if twin is not None:
            gap = float(max(np.max(np.abs(f.metrics["w"] - twin.metrics["w"])),
                            np.max(np.abs(f.metrics["b"] - twin.metrics["b"]))))
        finite = bool(np.isfinite(per_sample[-1]))
        rows.append([f.label, n, tr["reduction"], tr["lr"],
                     float(per_sample[-1]) if finite else None, not finite, gap])
    diverged = [r[0] for r in rows if r[5]]
    gaps = [r[6] for r in rows if r[6] is not None]
    findings = [
        "With reduction sum the gradient is N times the mean's, so the step grows with the "
        f"number of samples; scaling lr by 1/N retraces the mean run (largest difference in "
        f"w or b over all epochs: {max(gaps):.2g})." if gaps else "",
        f"At the mean's lr, sum diverges: {', '.join(diverged)}." if diverged
        else "No run diverged.",
    ]
    return Report("sse_vs_mse", "Sum versus mean over samples (SSE vs MSE)",
                  ["run", "N", "reduction", "lr", "final loss per sample", "diverged",
                   "max |w, b - mean run's|"], rows, [s for s in findings if s], fits)


SETTLE_WINDOW = 50


def signed_error_report(fits: list[Fit]) -> Report:
    by = _by_label(fits)
    rows = []
    for f in fits:
        error = f.metrics["output"] - f.data.y[0, 0]
        tail = error[-SETTLE_WINDOW:]
        flips = int(np.sum(np.sign(tail[1:]) != np.sign(tail[:-1])))
        same = None
        if f.label != "mae" and "mae" in by:
            same = float(np.max(np.abs(f.metrics["output"] - by["mae"].metrics["output"])))
        rows.append([f.label, float(error[-1]), float(np.max(np.abs(tail))), flips, same])
    r = {row[0]: row for row in rows}
    lr = fits[0].cfg["train"]["lr"]
    findings = [
        f"The naive rule (Cost = y - a, update sign flipped by the sign of the error) takes "
        f"exactly mae's steps: largest output difference {r['signed_error'][4]:.2g}.",
        f"At a fixed lr = {lr:g} it never settles: over the last {SETTLE_WINDOW} epochs the "
        f"output crosses the target {r['signed_error'][3]} times and strays up to "
        f"{r['signed_error'][2]:.3g} from it, because every step has the same size "
        f"whatever the error.",
        f"The quadratic cost's step shrinks with the error: it ends "
        f"{abs(r['quadratic'][1]):.2g} from the target.",
    ]
    return Report("signed_error", "The naive signed-error rule beside mae and quadratic",
                  ["loss", "final a - y", f"max |a - y|, last {SETTLE_WINDOW} epochs",
                   f"target crossings, last {SETTLE_WINDOW} epochs",
                   "max |output - mae's output|"], rows, findings, fits)


def multi_output_report(fits: list[Fit]) -> Report:
    scales = fits[0].cfg["task"]["scales"]
    rows, shares, log_vars, away = [], {}, {}, {}
    for f in fits:
        y, pred = f.data.y, f.predict(f.data.x)
        squared = np.mean((pred - y) ** 2, axis=0)
        # RMSE relative to each output's own spread: comparable across scales, and the
        # same whether or not the targets were standardised.
        relative = np.sqrt(squared) / y.std(axis=0)
        z_hidden = f.network.forward(f.params, f.data.x)[0][0]
        saturated = float(np.mean(f.network.activations[0].saturated(z_hidden)))
        learned = f.network.loss.learned_summary(f.params.loss_params[0][0], squared) \
            if f.params.loss_params else {}
        ran_away = learned.get("learned_ran_away", [])
        rows.append([f.label, *map(float, relative), saturated,
                     ", ".join(f"output {k}" for k in ran_away) or None])
        shares[f.label] = squared / squared.sum()
        if f.params.loss_params:
            log_vars[f.label] = f.params.loss_params[0][0]
            away[f.label] = ran_away
    labels = [f"output {k + 1} (scale {s:g})" for k, s in enumerate(scales)]
    worst = {row[0]: max(row[1:-2]) for row in rows}
    big = int(np.argmax(scales))
    raw = fits[0].label
    findings = [
        "Relative RMSE is an output's RMSE divided by the spread of its targets: 1 is no "
        "better than predicting the mean, and it reads the same for raw and standardised "
        "targets.",
        f"{raw}: output {big + 1} makes {shares[raw][big]:.4%} of the squared error; its "
        f"gradient drives {rows[0][-2]:.0%} of the shared tanh units into saturation, and the "
        f"worst output ends at {worst[raw]:.2g}.",
        "Worst output per variant: " + ", ".join(f"{k} {v:.2g}" for k, v in worst.items()) + ".",
    ] + [f"{label}: learned log sigma_k^2 = " + ", ".join(f"{v:.3g}" for v in s) + "."
         for label, s in log_vars.items()]
    for label, outputs in away.items():
        for k in outputs:
            s = log_vars[label][k - 1]
            findings.append(
                f"FAILED: {label}: log sigma_{k}^2 ran away to {s:.4g} (its optimum is the "
                f"log of the output's MSE), so output {k}'s weight e^-s is "
                f"{math.exp(-s) if s < 700 else 0:.3g}: output {k} was switched off, not "
                f"learned. No divergence is reported because the loss stays finite.")
    return Report("multi_output", "Outputs at scales " + ", ".join(f"{s:g}" for s in scales),
                  ["variant", *(f"relative RMSE, {l}" for l in labels),
                   "saturated hidden units", "learned sigma ran away"], rows, findings, fits)
