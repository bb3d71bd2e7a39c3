"""summary.json of an MLP sweep, and its sentences.

Per series: how many networks plateaued (plateau_epochs > 0, or never left the plateau; one
that diverged did neither) and for how long, the distribution of epochs to the milestone
(95 % accuracy for a classifier, the target otherwise; percentiles as in a neuron sweep:
the first epoch by which the share of all networks was there, null beyond the budget), and
how many ended stuck or diverged.
One sentence per (init scale, learning rate) compares the losses:

    with the quadratic cost N % of seeds sit on a plateau longer than M epochs; with
    cross-entropy K %

counting a network that never left its plateau as longer than any M.
"""

from __future__ import annotations

import numpy as np

from lossexp.sweep.mlp_plan import MlpPlan, scale_of
from lossexp.sweep.mlp_tally import MlpSeriesTally
from lossexp.sweep.series import Series
from lossexp.sweep.summary import _distribution, learners

_LOSS_WORDS = {"quadratic": "the quadratic cost", "cross_entropy": "cross-entropy"}


def percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def percent_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}%"


def series_summary(series: Series, tally: MlpSeriesTally, milestone: str) -> dict:
    networks = tally.count("networks")
    never_left = int(tally.plateau_epochs[-1])  # (a network that diverged is not counted)
    plateaued = int(tally.plateau_epochs.sum() - tally.plateau_epochs[0])
    reached = networks - int(tally.milestone[-1])
    longer = tally.count("plateau_longer")
    return {
        "series": series.label,
        "loss": series.config["loss"],
        "init_scale": scale_of(series),
        "lr": series.lr,
        "networks": networks,
        "milestone": milestone,
        "reached": reached,
        "never_reached": networks - reached,
        "at_milestone_from_start": tally.count("at_milestone_from_start"),
        "epochs_to_milestone": _distribution(tally.milestone),
        "plateaued": plateaued,
        "plateaued_percent": percent(plateaued, networks),
        "never_left_plateau": never_left,
        "plateau_epochs_of_plateaued": _distribution(learners(tally.plateau_epochs), (50, 90)),
        "plateau_longer_than_percent": percent(longer, networks),
        "stuck": tally.count("stuck"),
        "stuck_percent": percent(tally.count("stuck"), networks),
        "diverged": tally.count("diverged"),
    }


def _loss_words(row: dict, plain: bool = True) -> str:
    """How the sentence names a series' loss: in words where its name says it all, else as
    the series label does, with the parameters that set it apart."""
    label = row["series"].split(" scale=")[0].split(" lr=")[0]
    return _LOSS_WORDS.get(row["loss"]["name"], label) if plain else label


def sentences(rows: list[dict], longer_than: int) -> list[str]:
    """One sentence per (init scale, lr), the losses in the order of the series."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["init_scale"], row["lr"]), []).append(row)
    out = []
    for (scale, lr), group in groups.items():
        names = [r["loss"]["name"] for r in group]
        plain = len(set(names)) == len(names)  # else two variants of one loss: name them apart
        first, rest = group[0], group[1:]
        text = (f"with {_loss_words(first, plain)} "
                f"{percent_text(first['plateau_longer_than_percent'])}"
                f" of seeds sit on a plateau longer than {longer_than} epochs")
        text += "".join(f"; with {_loss_words(r, plain)} "
                        f"{percent_text(r['plateau_longer_than_percent'])}" for r in rest)
        if len(groups) > 1:
            where = " ".join(([] if scale is None else [f"init scale {scale:g}"]) + [f"lr {lr:g}"])
            text = f"{where}: {text}"
        out.append(text)
    return out


def mlp_sweep_summary(plan: MlpPlan, tallies: list[MlpSeriesTally], milestone: str) -> dict:
    cfg = plan.config
    rows = [series_summary(s, t, milestone) for s, t in zip(plan.series, tallies)]
    return {
        "name": cfg["name"],
        "kind": "mlp",
        "epochs": plan.epochs,
        "seeds": cfg["sweep"]["seeds"],
        "milestone": milestone,
        "longer_than": plan.longer_than,
        "percentiles": "over all networks of a series, those never at the milestone counted "
                       "as slower than the budget (null: beyond it)",
        "sentences": sentences(rows, plan.longer_than),
        "series": rows,
    }


def stuck_by_scale(rows: list[dict]) -> dict[str, tuple[list[float], list[float]]]:
    """Per (loss, lr) label: the init scales and the percent of networks stuck at each."""
    lines: dict[str, tuple[list, list]] = {}
    for row in rows:
        if row["init_scale"] is None:
            continue
        key = f"{_loss_words(row)} lr={row['lr']:g}"
        scales, stuck = lines.setdefault(key, ([], []))
        scales.append(row["init_scale"])
        stuck.append(row["stuck_percent"])
    return {k: (list(np.asarray(s)[np.argsort(s)]), list(np.asarray(v)[np.argsort(s)]))
            for k, (s, v) in lines.items()}
