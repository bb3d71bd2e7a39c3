"""Streaming per-series totals of an MLP sweep, in O(epochs) memory.

A chunk's networks are reduced at once to integer counts: a histogram of epochs to the
milestone (95 % accuracy, or the target), one of plateau lengths, and counts of networks
stuck, diverged, and on a plateau longer than the sentence's length. Integer sums do not
depend on the order they are added in, so chunks merged in any order, from any executor,
give the same totals bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossexp.sweep.tally import Packed, histogram, plateau_histogram
from lossexp.train.outcome import NEVER


@dataclass
class MlpChunkTally(Packed):
    """The reduced outcomes of one chunk of networks, and its rows of sweep.csv as text."""

    rows: bytes
    milestone: np.ndarray  # (E + 2,): networks first at the milestone at epoch t; last: never
    plateau_epochs: np.ndarray  # (E + 2,): plateaus of t epochs; last: never left (not diverged)
    counts: np.ndarray  # (len(COUNTS),) integer counts named by COUNTS


# Networks: all; stuck at the end; diverged; on a plateau longer than the sentence's length
# (never leaving it included); starting already at the milestone.
COUNTS = ("networks", "stuck", "diverged", "plateau_longer", "at_milestone_from_start")


def tally_mlp_chunk(rows: bytes, out: dict, milestone: str, epochs: int,
                    longer_than: int) -> MlpChunkTally:
    """Reduce a chunk's per-network outcomes (``mlp_chunk.train_seeds``)."""
    plateau, first, diverged = out["plateau_epochs"], out[milestone], out["diverged"]
    longer = ((plateau == NEVER) | (plateau > longer_than)) & ~diverged
    counts = (first.size, out["stuck"].sum(), diverged.sum(), longer.sum(), (first == 0).sum())
    return MlpChunkTally(rows, histogram(first, epochs).astype(np.int64),
                         plateau_histogram(out, epochs, learners_only=False),
                         np.array(counts, dtype=np.int64))


class MlpSeriesTally:
    """The running totals of one series, chunk tallies added in any order."""

    def __init__(self, epochs: int):
        self.epochs = epochs
        self.milestone = np.zeros(epochs + 2, dtype=np.int64)
        self.plateau_epochs = np.zeros(epochs + 2, dtype=np.int64)
        self.counts = np.zeros(len(COUNTS), dtype=np.int64)

    def add(self, chunk: MlpChunkTally) -> None:
        self.milestone += chunk.milestone
        self.plateau_epochs += chunk.plateau_epochs
        self.counts += chunk.counts

    def count(self, name: str) -> int:
        return int(self.counts[COUNTS.index(name)])
