"""The source notes' experiments that came last: the naive rule after a sigmoid (note 000),
SSE vs MSE across batch sizes (note 001), the conditional mean against the median, and
log-cosh's smoothness at the kink beside huber and mae (note 004).

Each ``*_report`` takes the fitted variants in the order its demo lists them and returns a
``Report``; ``smoothness_report`` trains nothing. Nothing here prints or plots.
"""

from __future__ import annotations

import statistics

import numpy as np

from lossexp.demos.fit import Fit
from lossexp.demos.reports import Report, _line_fit
from lossexp.library import losses

# --- note 000: the naive rule after a sigmoid ---------------------------------------------

def _reached(f: Fit) -> int | None:
    tol = f.cfg["target"]["tolerance"]
    hit = np.flatnonzero(np.abs(f.metrics["output"] - f.data.y[0, 0]) < tol)
    return int(hit[0]) if hit.size else None


def naive_sigmoid_report(fits: list[Fit]) -> Report:
    rows = []
    for f in fits:
        delta = float(abs(f.metrics["delta"][0]))
        rows.append([f.label, float(f.metrics["output"][0]), delta, _reached(f),
                     float(f.metrics["output"][-1])])
    r = {row[0]: row for row in rows}
    unlucky = {k.split(", ")[0]: v for k, v in r.items() if k.endswith("unlucky")}
    lucky = {k.split(", ")[0]: v for k, v in r.items() if k.endswith(", lucky")}

    def when(row):
        return "never" if row[3] is None else f"epoch {row[3]}"

    findings = [
        "After a sigmoid the naive rule (Cost = y - a, the step's sign flipped by the error's) "
        "steps by lr sign(a - y) sigma'(z) x: the size of the error is dropped, the slope "
        "sigma'(z) is kept.",
        f"From the lucky start (z = 1.5) it works, as note 000 says: target reached at "
        f"{when(lucky['signed_error'])} (quadratic {when(lucky['quadratic'])}, "
        f"cross_entropy {when(lucky['cross_entropy'])}).",
        f"From the saturated start (z = 4) its first |delta| is "
        f"{unlucky['signed_error'][2]:.3g}, the slope itself, against cross_entropy's "
        f"{unlucky['cross_entropy'][2]:.3g}: it sits on the same plateau as the quadratic cost "
        f"and reaches the target at {when(unlucky['signed_error'])} (quadratic "
        f"{when(unlucky['quadratic'])}, cross_entropy {when(unlucky['cross_entropy'])}).",
    ]
    return Report("naive_sigmoid", "The naive signed-error rule after a sigmoid",
                  ["run", "initial output", "initial |delta|", "epochs to target",
                   "final output"], rows, findings, fits)


# --- note 001: SSE vs MSE across batch sizes ----------------------------------------------

BATCH_SIZES = (1, 16, 64)
LR_EXPONENTS = tuple(range(-10, 3))  # learning rates 2^-10 .. 2^2


def _stable(f: Fit) -> bool:
    loss = f.metrics["loss"]
    return bool(np.all(np.isfinite(loss)) and loss[-1] < loss[0])


def batch_sizes_report(fits: list[Fit]) -> Report:
    best: dict[tuple[int, str], float] = {}
    for f in fits:
        key = (f.cfg["train"]["batch_size"] or f.data.samples, f.cfg["train"]["reduction"])
        if _stable(f):
            best[key] = max(best.get(key, 0.0), f.cfg["train"]["lr"])
    rows = []
    for (batch, reduction) in sorted(best, key=lambda k: (k[1], k[0])):
        lr = best[(batch, reduction)]
        rows.append([reduction, batch, lr, lr * batch])
    by = {(row[0], row[1]): row[2] for row in rows}
    small, big = BATCH_SIZES[0], BATCH_SIZES[-1]
    findings = [
        "A run is stable when its loss stays finite and ends, after "
        f"{fits[0].cfg['train']['epochs']} epochs, below where it started; the table gives "
        "the largest stable learning rate of 2^-10 .. 2^2 for each batch size and reduction.",
        f"sum (SSE): {by.get(('sum', small), 0):g} at batch {small}, "
        f"{by.get(('sum', big), 0):g} at batch {big}: the sum's gradient grows with the batch, "
        "so its stable step shrinks as 1 / batch.",
        f"mean (MSE): {by.get(('mean', small), 0):g} at batch {small}, "
        f"{by.get(('mean', big), 0):g} at batch {big}: one learning rate fits every batch "
        "size, which is why mini-batch training uses the mean.",
    ]
    return Report("batch_sizes", "SSE vs MSE across batch sizes: the largest stable step",
                  ["reduction", "batch size", "largest stable lr", "lr x batch size"], rows,
                  findings, fits)


# --- note 004: the conditional mean and the median ----------------------------------------

def _mixture_median(noise: float, fraction: float, shift: float) -> float:
    """Median of (1 - fraction) N(0, noise^2) + fraction N(shift, noise^2), by bisection."""
    normal = statistics.NormalDist(0.0, noise)
    low, high = -10 * noise, shift + 10 * noise
    for _ in range(200):
        mid = (low + high) / 2
        cdf = (1 - fraction) * normal.cdf(mid) + fraction * normal.cdf(mid - shift)
        low, high = (mid, high) if cdf < 0.5 else (low, mid)
    return (low + high) / 2


def conditional_mean_report(fits: list[Fit]) -> Report:
    task = fits[0].cfg["task"]
    frac = round(task["outlier_fraction"] * task["samples"]) / task["samples"]
    mean_gap = frac * task["outlier_shift"]
    median_gap = _mixture_median(task["noise"], frac, task["outlier_shift"])
    rows = []
    for f in fits:
        w, b = _line_fit(f)
        residual = f.data.y[:, 0] - f.predict(f.data.x)[:, 0]
        near = float(np.mean(np.abs(residual) < 2 * task["noise"]))
        rows.append([f.label, w, b - task["intercept"], near])
    r = {row[0]: row for row in rows}
    findings = [
        f"Every input has two possible targets: {1 - frac:.0%} on the line y = "
        f"{task['slope']:g} x + {task['intercept']:g}, {frac:.0%} on the line "
        f"{task['outlier_shift']:g} above it. The conditional mean lies {mean_gap:.3g} above "
        f"the lower line, the conditional median {median_gap:.3g} above it.",
        f"quadratic fits the mean: its line ends {r['quadratic'][2]:.3g} above the lower line, "
        f"in the gap between the two, where only {r['quadratic'][3]:.0%} of the targets lie "
        f"within 2 noise widths of it.",
        f"mae fits the median: {r['mae'][2]:.3g} above the lower line, inside the lower mode "
        f"({r['mae'][3]:.0%} of the targets within 2 noise widths).",
    ]
    return Report("conditional_mean", "MSE predicts the conditional mean, MAE the median",
                  ["loss", "slope", "height above the lower mode",
                   "fraction of targets within 2 noise widths"], rows, findings, fits)


# --- note 004: smoothness at the kink -----------------------------------------------------

SMOOTH_LOSSES = ("mae", "huber", "log_cosh")
SMOOTH_PROBES = (0.0, 0.5, 0.99, 1.01, 2.0, 4.0)
_H = 1e-4


def curvature(loss, r):
    """d^2 L / dr^2 by central differences of the gradient (0 targets, so a = r); NaN where
    the gradient jumps (mae at 0), since there is no curvature there: a difference across
    the jump grows as 1 / h instead of settling as h shrinks."""
    r = np.asarray(r, dtype=np.float64)
    zero = np.zeros_like(r)

    def difference(h):
        return (loss.grad(r + h, zero) - loss.grad(r - h, zero)) / (2 * h)
    fine, coarse = difference(_H), difference(10 * _H)
    return np.where(np.isclose(fine, coarse, rtol=1e-3, atol=1e-6), fine, np.nan)


def _newton_limit() -> float:
    """|r| above which log-cosh's own Newton step r - tanh(r) cosh(r)^2 = r - sinh(2r) / 2
    lands further from 0 than it started: sinh(2r) = 4r."""
    low, high = 0.5, 2.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if np.sinh(2 * mid) < 4 * mid else (low, mid)
    return (low + high) / 2


def smoothness_report(_fits=None) -> Report:
    rows = []
    for name in SMOOTH_LOSSES:
        loss = losses.get(name)
        r = np.array(SMOOTH_PROBES)
        g, h = loss.grad(r, np.zeros_like(r)), curvature(loss, r)
        rows += [[name, float(ri), float(gi), None if np.isnan(hi) else float(hi)]
                 for ri, gi, hi in zip(r, g, h)]
    limit = _newton_limit()
    findings = [
        "mae's gradient jumps from -1 to 1 at r = 0, where it has no curvature (-), and its "
        "curvature is 0 everywhere else; "
        "huber's gradient is continuous but its curvature drops from 1 to 0 at |r| = delta = 1 "
        "(the kink); log_cosh's gradient tanh r bends smoothly and its curvature "
        "1 / cosh^2 r is positive everywhere.",
        "So only log_cosh has a Hessian a second-order method can use at every residual.",
        f"No Newton step is drawn: for mae, and for huber beyond delta, it divides by 0, and "
        f"log_cosh's own Newton step r - sinh(2r) / 2 overshoots for |r| > {limit:.3g}, so a "
        f"picture of it would show divergence, not the benefit of smoothness.",
    ]
    return Report("smoothness", "Gradient and curvature at the kink: mae, huber, log_cosh",
                  ["loss", "residual r", "gradient dL/dr", "curvature d2L/dr2"], rows, findings)
