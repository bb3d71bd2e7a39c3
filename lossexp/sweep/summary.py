"""summary.json of a sweep, and the notes' sentence filled in from it.

Starts already on target at epoch 0 had nothing to learn: they are counted apart
(``on_target_at_start``), and everything below is over the starts that had to learn.
Percentiles of epochs to target are taken over all of those, the ones that never reached
the target counting as slower than the whole budget: the q-th percentile is
the first epoch by which at least q% of starts were on target (the "inverted CDF"
definition, so always an epoch that occurred), or null when more than (100 - q)% never got
there. The sentence reads "usually" as 90% of starts and "some" as the slowest 1%:

    usually reaches the target in under N epochs, but some starts take more than M

with N the smallest whole number such that at least 90% of starts reach the target in
fewer than N epochs, and M the largest such that at least 1% of starts take more than M.
"""

from __future__ import annotations

import numpy as np

from lossexp.sweep.series import Series
from lossexp.sweep.tally import SeriesTally

USUALLY_PERCENT = 90
SOME_PERCENT = 1
LEGEND = f"usually: {USUALLY_PERCENT}% of starts; some: the slowest {SOME_PERCENT}%"


def percentile(hist: np.ndarray, percent: int) -> int | None:
    """The first epoch by which ``percent``% of starts were on target, or None.

    ``hist[t]`` counts the starts first on target at epoch t; its last entry, those never.
    """
    total = hist.sum()
    if total == 0:
        return None  # no starts, no percentile
    hits = np.flatnonzero(np.cumsum(hist[:-1]) * 100 >= percent * total)
    return int(hits[0]) if hits.size else None


def sentence_numbers(hist: np.ndarray) -> tuple[int | None, int | None]:
    """(N, M) of the sentence; N is None when fewer than 90% ever reach the target, M is
    None when more than 99% are on target at epoch 0."""
    n_usual = percentile(hist, USUALLY_PERCENT)
    total = hist.sum()
    if total == 0:
        return None, None
    slower_than = total - np.cumsum(hist[:-1])  # starts taking more than t epochs
    m_some = int(np.count_nonzero(slower_than * 100 >= SOME_PERCENT * total)) - 1
    return (None if n_usual is None else n_usual + 1), (None if m_some < 0 else m_some)


def sentence(hist: np.ndarray, epochs: int) -> str:
    """The notes' claim, filled in (or amended where the data contradict it)."""
    total, never = int(hist.sum()), int(hist[-1])
    if total == 0:
        return "starts on target at epoch 0 from everywhere: there is nothing to learn"
    n_usual, m_some = sentence_numbers(hist)
    if n_usual is None:
        share = 100 * (total - never) / total
        return (f"does not usually reach the target: only {share:.3g}% of the starts that had "
                f"to learn do within the {epochs}-epoch budget")
    if m_some is None:
        return (f"usually reaches the target in under {n_usual} epochs, and over "
                f"{100 - SOME_PERCENT}% of starts are on target from epoch 0")
    if m_some <= n_usual:  # no tail to speak of: "more than N" would read as a contradiction
        return (f"usually reaches the target in under {n_usual} epochs, and over "
                f"{100 - SOME_PERCENT}% of starts need no more than {m_some + 1}")
    text = f"usually reaches the target in under {n_usual} epochs, but some starts take more than {m_some}"
    if never and m_some == epochs:
        text += f" (the whole budget: {never} of {total} never reach it)"
    return text


def _distribution(hist: np.ndarray, percents=(50, 90, 99)) -> dict:
    names = {50: "median", 90: "p90", 99: "p99"}
    out = {names[p]: percentile(hist, p) for p in percents}
    on_target = np.flatnonzero(hist[:-1])
    out["max"] = int(on_target[-1]) if on_target.size and hist[-1] == 0 else None
    return out


def learners(hist: np.ndarray) -> np.ndarray:
    """The histogram of epochs to target without the starts on target at epoch 0."""
    return np.concatenate([[0], hist[1:]])


def series_summary(series: Series, tally: SeriesTally) -> dict:
    on_target = int(tally.epochs_to_target[0])
    hist, epochs = learners(tally.epochs_to_target), tally.epochs
    reached = tally.starts - on_target - tally.never
    n_usual, m_some = sentence_numbers(hist)
    mean = float(np.dot(np.arange(epochs + 1), hist[:-1]) / reached) if reached else None
    plateau = _distribution(tally.plateau_epochs, (50, 90))  # learners that did not diverge
    return {
        "series": series.label,
        "loss": series.config["loss"],
        "lr": series.lr,
        "starts": tally.starts,
        "on_target_at_start": on_target,
        "had_to_learn": tally.starts - on_target,
        "reached": reached,
        "never_reached": tally.never,
        "diverged": tally.diverged,
        "epochs_to_target": {**_distribution(hist), "mean_of_reached": mean},
        "plateau_epochs": plateau,
        "usually_under": n_usual,
        "some_more_than": m_some,
        "sentence": sentence(hist, epochs) + (f" ({tally.diverged} of {tally.starts} starts "
                                              f"diverged)" if tally.diverged else ""),
    }


def sweep_summary(cfg: dict, series: list[Series], tallies: list[SeriesTally]) -> dict:
    sweep = cfg["sweep"]
    starts = {"grid": sweep["grid"]} if sweep["grid"] is not None else {"random": sweep["random"]}
    return {
        "name": cfg["name"],
        "epochs": cfg["train"]["epochs"],
        "tolerance": cfg["target"]["tolerance"],
        **starts,
        "percentiles": "over the starts of a series that had to learn (not on target at "
                       "epoch 0), those never on target counted as slower than the budget "
                       "(null: beyond it)",
        "sentence": LEGEND,
        "series": [series_summary(s, t) for s, t in zip(series, tallies)],
    }
