"""Tasks: the data a model is trained on, as arrays x (N, n_in) and y (N, n_out).

Each task kind is registered with the schema of its parameters, its input/output sizes
(known before any data is built) and a ``make`` function that builds the data from the
validated parameters and a seeded ``numpy.random.Generator``. Kinds live in submodules by
family; ``TASKS`` merges their registries.
"""

from __future__ import annotations

# Imported now, not lazily on first use mid-run, where a Ctrl-C could land inside the
# compiled module's initialisation and be lost.
from numpy.random import default_rng

from lossexp import schema as s
from lossexp.tasks import basic, classification, regression, tabular
from lossexp.tasks.base import Data, TaskKind

TASKS: dict[str, TaskKind] = {**basic.TASKS, **classification.TASKS, **regression.TASKS,
                              **tabular.TASKS}

__all__ = ["TASKS", "Data", "TaskKind", "make_data", "task_schemas", "task_shape"]


def _params(task_cfg: dict) -> dict:
    return {k: v for k, v in task_cfg.items() if k != "kind"}


def task_schemas() -> dict[str, s.Section]:
    return {kind: s.Section(t.fields) for kind, t in TASKS.items()}


def make_data(task_cfg: dict, seed: int) -> Data:
    return TASKS[task_cfg["kind"]].make(_params(task_cfg), default_rng(seed))


def task_shape(task_cfg: dict) -> tuple[int, int]:
    return TASKS[task_cfg["kind"]].shape(_params(task_cfg))
