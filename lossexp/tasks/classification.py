"""Classification tasks: XOR, and Gaussian blobs with k classes.

Targets are 0/1: one label column for a two-class task, or one one-hot column per class
(for a softmax output with categorical cross-entropy).
"""

from __future__ import annotations

import numpy as np

from lossexp import schema as s
from lossexp.tasks.base import Data, TaskKind

_XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _xor(p, rng):
    """The unit square's four corners, ``repeats`` times, inputs jittered by N(0, noise^2)."""
    x = np.tile(_XOR_INPUTS, (p["repeats"], 1))
    y = (x[:, :1] != x[:, 1:]).astype(np.float64)
    if p["noise"] > 0:
        x = x + p["noise"] * rng.standard_normal(x.shape)
    return Data(x, y, classification=True)


def blob_centres(classes: int, dims: int, radius: float) -> np.ndarray:
    """Class k's centre: angle 2 pi k / classes on a circle of ``radius`` in the first two axes."""
    angle = 2.0 * np.pi * np.arange(classes) / classes
    centres = np.zeros((classes, dims))
    centres[:, 0], centres[:, 1] = radius * np.cos(angle), radius * np.sin(angle)
    return centres


def _blobs(p, rng):
    """``per_class`` points around each centre with N(0, spread^2) per axis, class by class."""
    k, n = p["classes"], p["per_class"]
    labels = np.repeat(np.arange(k), n)
    centres = blob_centres(k, p["dims"], p["radius"])[labels]
    x = centres + p["spread"] * rng.standard_normal((k * n, p["dims"]))
    # Without one-hot, the label is the class's parity: with 2 classes the plain two-class
    # task; with 4, neighbouring blobs on the circle alternate, a noisy XOR.
    y = np.eye(k)[labels] if p["one_hot"] else (labels[:, None] % 2).astype(np.float64)
    return Data(x, y, classification=True)


TASKS: dict[str, TaskKind] = {
    "xor": TaskKind(
        fields={"repeats": s.Number(default=1, integer=True, ge=1,
                                    doc="copies of the four corners"),
                "noise": s.Number(default=0.0, ge=0, doc="std of Gaussian jitter on inputs")},
        make=_xor, shape=lambda p: (2, 1),
        doc="XOR of two binary inputs: target 1 when exactly one input is 1"),
    "blobs": TaskKind(
        fields={"classes": s.Number(default=3, integer=True, ge=2, doc="number of classes k"),
                "per_class": s.Number(default=50, integer=True, ge=1, doc="samples per class"),
                "dims": s.Number(default=2, integer=True, ge=2, doc="input dimensions"),
                "radius": s.Number(default=3.0, ge=0, doc="distance of each centre from 0"),
                "spread": s.Number(default=1.0, ge=0, doc="std of each blob per axis"),
                "one_hot": s.Boolean(default=True, doc="one column per class; false: one "
                                                       "0/1 column, the class index mod 2")},
        make=_blobs,
        shape=lambda p: (p["dims"], p["classes"] if p["one_hot"] else 1),
        doc="k Gaussian blobs on a circle; one-hot targets for softmax"),
}
