"""Mini-batches: the engine's ``batches(epoch)`` for a batch size and a seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def minibatches(samples: int, batch_size: int | None, seed: int) -> Callable[[int], list] | None:
    """The engine's ``batches(epoch)``: a fresh shuffle of the samples every epoch, cut into
    batches of ``batch_size`` (the last may be smaller); None (full batch) when one batch
    would hold every sample.

    The shuffles come from one ``numpy.random.Generator`` seeded by ``seed``, one
    ``permutation`` per epoch in order, so a seed always gives the same batches.
    """
    if batch_size is None or batch_size >= samples:
        return None
    rng = np.random.default_rng(seed)

    def batches(epoch: int) -> list[np.ndarray]:
        order = rng.permutation(samples)
        return [order[i:i + batch_size] for i in range(0, samples, batch_size)]

    return batches
