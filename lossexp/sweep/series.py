"""The series of a sweep: one run config per (loss, learning rate) pair it compares."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lossexp.output.text import exact


@dataclass(frozen=True)
class Series:
    """One curve of the comparison: a label and the run config each of its starts trains."""

    label: str
    config: dict

    @property
    def lr(self) -> float:
        return self.config["train"]["lr"]


def _loss_label(loss: dict) -> str:
    """The loss name, followed by the parameters that differ from their defaults."""
    from lossexp.library.losses import LOSSES

    specs = LOSSES[loss["name"]].params
    params = [f"{k}={v}" for k, v in loss.items() if k != "name" and v != specs[k].default]
    return " ".join([loss["name"], *params])


def series_of(cfg: dict) -> list[Series]:
    """Every (loss, lr) of ``sweep.losses`` x ``sweep.lrs``, losses outermost.

    A list left out stands for the config's own loss or lr. Labels hold no commas, so they
    can sit in a CSV cell as they are.
    """
    sweep = cfg["sweep"]
    losses = sweep["losses"] or [cfg["loss"]]
    lrs = sweep["lrs"] or [cfg["train"]["lr"]]
    out = []
    for loss in losses:
        for lr in lrs:
            run_cfg = copy.deepcopy({k: v for k, v in cfg.items() if k != "sweep"})
            run_cfg["loss"] = copy.deepcopy(loss)
            run_cfg["train"]["lr"] = lr
            out.append(Series(f"{_loss_label(loss)} lr={exact(lr)}".replace(",", ";"), run_cfg))
    return out
