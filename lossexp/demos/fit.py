"""One trained variant of a demo: what its report and figure read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossexp.run.experiment import run_experiment
from lossexp.tasks import Data
from lossexp.train.engine import Network, Params


@dataclass
class Fit:
    """One trained variant: its config, data, final parameters and metrics.csv columns."""

    label: str
    cfg: dict
    data: Data
    network: Network
    params: Params
    metrics: dict[str, np.ndarray]

    def predict(self, x) -> np.ndarray:
        """Run 0's outputs at inputs x (M, n_in): (M, n_out)."""
        _, acts = self.network.forward(self.params, np.asarray(x, dtype=np.float64))
        return acts[-1][0]


def fit(label: str, cfg: dict) -> Fit:
    """Train ``cfg`` exactly as ``lossexp run`` does and keep the fitted model."""
    result = run_experiment(cfg)
    return Fit(label, cfg, result.data, result.network, result.params, result.metrics)
