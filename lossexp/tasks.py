"""Tasks: the data a model is trained on, as arrays x (N, n_in) and y (N, n_out).

Each task kind is registered with the schema of its parameters and a ``make`` function
that builds the data from the validated parameters and a seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossexp import schema as s


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


def _one_to_zero(p, rng):
    return Data(np.array([[p["x"]]]), np.array([[p["y"]]]))


TASKS: dict[str, TaskKind] = {
    "one_to_zero": TaskKind(
        fields={"x": s.Number(default=1.0, doc="the single input"),
                "y": s.Number(default=0.0, doc="the target output")},
        make=_one_to_zero, shape=lambda p: (1, 1),
        doc="one sample: input x (default 1) to target y (default 0)"),
}


def task_schemas() -> dict[str, s.Section]:
    return {kind: s.Section(t.fields) for kind, t in TASKS.items()}


def make_data(task_cfg: dict, seed: int) -> Data:
    kind = TASKS[task_cfg["kind"]]
    params = {k: v for k, v in task_cfg.items() if k != "kind"}
    return kind.make(params, np.random.default_rng(seed))


def task_shape(task_cfg: dict) -> tuple[int, int]:
    params = {k: v for k, v in task_cfg.items() if k != "kind"}
    return TASKS[task_cfg["kind"]].shape(params)
