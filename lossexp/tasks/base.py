"""What every task kind is: its data arrays and its registration record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Data:
    x: np.ndarray  # (N, n_in)
    y: np.ndarray  # (N, n_out)
    classification: bool = False

    @property
    def samples(self) -> int:
        return self.x.shape[0]


@dataclass(frozen=True)
class TaskKind:
    fields: dict
    make: callable  # (params: dict, rng: np.random.Generator) -> Data
    shape: callable  # (params) -> (n_in, n_out), known before any data is built
    doc: str = ""
