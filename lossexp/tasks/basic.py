"""The classic toy task: one sample, input 1, target 0."""

import numpy as np

from lossexp import schema as s
from lossexp.tasks.base import Data, TaskKind


def _one_to_zero(p, rng):
    return Data(np.array([[p["x"]]]), np.array([[p["y"]]]))


TASKS: dict[str, TaskKind] = {
    "one_to_zero": TaskKind(
        fields={"x": s.Number(default=1.0, doc="the single input"),
                "y": s.Number(default=0.0, doc="the target output")},
        make=_one_to_zero, shape=lambda p: (1, 1),
        doc="one sample: input x (default 1) to target y (default 0)"),
}
