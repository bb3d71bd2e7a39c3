"""Streaming per-series totals: what summary.json and the figures need, in O(epochs) memory.

A chunk's outcomes are reduced at once to integer counts: a histogram of epochs to target,
one of plateau lengths, per-heatmap-cell counts and sums, plus the few sampled loss curves.
Integer sums do not depend on the order they are added in, so a sweep merged from chunks
finished in any order, by any executor, gives the same totals bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from lossexp.sweep import npy_records
from lossexp.sweep.starts import OUTSIDE
from lossexp.train.outcome import NEVER


class Packed:
    """Mixin for a dataclass of arrays (and one ``rows: bytes``), sent between processes and
    kept as a chunk file: each field a .npy record, in the order of the fields."""

    def to_bytes(self) -> bytes:
        return npy_records.pack(np.frombuffer(getattr(self, f.name), dtype=np.uint8)
                                if f.name == "rows" else np.asarray(getattr(self, f.name))
                                for f in fields(self))

    @classmethod
    def from_bytes(cls, data: bytes):
        values = npy_records.unpack(data, [f.name for f in fields(cls)])
        # An int field comes back as an int: saved from a Python int it is a 0-d record
        # (older chunk files hold an array of one, and are read too).
        ints = {f.name for f in fields(cls) if f.type in (int, "int")}
        values = {k: int(v.reshape(())) if k in ints else v for k, v in values.items()}
        values["rows"] = values["rows"].tobytes()
        return cls(**values)


@dataclass
class ChunkTally(Packed):
    """The reduced outcomes of one chunk, and its rows of sweep.csv as text."""

    rows: bytes
    epochs_to_target: np.ndarray  # (E + 2,): starts first on target at epoch t; last: never
    plateau_epochs: np.ndarray  # (E + 2,): learners whose plateau lasted t epochs; last: never left
    diverged: int
    heat_cells: np.ndarray  # flat heatmap cells the chunk touched ...
    heat_count: np.ndarray  # ... how many of its starts fell in each,
    heat_reached: np.ndarray  # how many of them reached the target,
    heat_epochs: np.ndarray  # and the sum of their epochs to target
    z0: np.ndarray  # (Z0_FIELDS, bins): per z0 bin, the sums named in Z0_FIELDS
    curve_starts: np.ndarray  # start index of each sampled loss curve
    curve_losses: np.ndarray  # (curves, points): the thinned curves


# Per bin of z0: starts; those that reached the target and their summed epochs to it;
# those that left a plateau (plateau_epochs > 0) and their summed plateau epochs; those that
# never left one (and did not diverge); those on target from epoch 0; those that diverged.
Z0_FIELDS = ("starts", "reached", "target_epochs", "plateaued", "plateau_epochs", "stuck",
             "on_target_at_start", "diverged")


def z0_sums(bins: np.ndarray, n_bins: int, outcome: dict) -> np.ndarray:
    """(Z0_FIELDS, n_bins) integer sums of the starts' outcomes by bin of z0."""
    target, plateau = outcome["epochs_to_target"], outcome["plateau_epochs"]
    diverged = outcome["diverged"]
    reached, plateaued = target != NEVER, (plateau > 0) & ~diverged
    # Bin n_bins collects the starts OUTSIDE every bin, and is dropped. Each sum weighs every
    # start (by 0 or 1 to count): NumPy branches on each element of a boolean index, and
    # these conditions are unpredictable. bincount adds the weights in float64, exact here:
    # every sum is an integer far below 2**53.
    bins = np.where(bins == OUTSIDE, n_bins, bins)

    def total(weights=None):
        return np.bincount(bins, weights, minlength=n_bins + 1)[:n_bins]

    return np.stack([total(), total(reached), total(target * reached), total(plateaued),
                     total(plateau * plateaued), total((plateau == NEVER) & ~diverged),
                     total(target == 0), total(diverged)]).astype(np.int64)


def histogram(first_epochs: np.ndarray, epochs: int, leave_out=None) -> np.ndarray:
    """(E + 2,) counts of each epoch 0 .. E, and last, of NEVER; the runs where
    ``leave_out`` is True are not counted."""
    # NEVER (-1) moves to E + 1 by arithmetic: a where() would branch on every start; a
    # run left out moves to E + 2, past the end, and is cut off.
    index = first_epochs + (first_epochs == NEVER) * (epochs + 2)
    if leave_out is None:
        return np.bincount(index, minlength=epochs + 2)
    index += leave_out * (epochs + 2 - index)
    return np.bincount(index, minlength=epochs + 3)[: epochs + 2]


def plateau_histogram(outcome: dict, epochs: int, *, learners_only: bool) -> np.ndarray:
    """The plateau epochs of the runs that did not diverge (a run that blew up neither sat
    on a plateau nor left one), and with ``learners_only``, of those not on target from
    epoch 0 (which met every milestone then)."""
    leave_out = outcome["diverged"]
    if learners_only:
        leave_out = leave_out | (outcome["epochs_to_target"] == 0)
    return histogram(outcome["plateau_epochs"], epochs, leave_out).astype(np.int64)


def tally_chunk(rows: bytes, outcome: dict, cells: np.ndarray | None, epochs: int,
                curve_starts, curve_losses, z0_bins: np.ndarray | None,
                n_z0_bins: int) -> ChunkTally:
    """Reduce the outcome arrays of a chunk's starts (as OutcomeTracker.as_dict gives them).
    ``cells`` None: no heatmap is drawn, and its counts stay empty; ``z0_bins`` None: no
    plot against z0 is, and its sums stay zero."""
    ett = outcome["epochs_to_target"]
    return ChunkTally(
        rows=rows, epochs_to_target=histogram(ett, epochs).astype(np.int64),
        plateau_epochs=plateau_histogram(outcome, epochs, learners_only=True),
        diverged=int(outcome["diverged"].sum()),
        **heat_counts(cells if cells is not None else np.empty(0, np.int64), ett),
        z0=(z0_sums(z0_bins, n_z0_bins, outcome) if z0_bins is not None
            else np.zeros((len(Z0_FIELDS), n_z0_bins), dtype=np.int64)),
        curve_starts=np.asarray(curve_starts, dtype=np.int64),
        curve_losses=np.asarray(curve_losses, dtype=np.float64))


def heat_counts(cells: np.ndarray, ett: np.ndarray) -> dict[str, np.ndarray]:
    """ChunkTally's heat_* fields: the cells the starts fell in (OUTSIDE: none), how many
    fell in each, how many of those reached the target, and the sum of their epochs to it."""
    inside = cells >= 0
    cells = cells[inside]  # (a heatmap has at most 200 x 200 cells: counted, not sorted)
    count = np.bincount(cells)
    used = np.flatnonzero(count)
    reached = ett[inside] != NEVER

    def per_cell(weights=None):
        if weights is None:
            return count[used].astype(np.int64)
        # bincount adds in float64, exact here: every sum is an integer far below 2**53.
        return np.bincount(cells, weights, minlength=count.size)[used].astype(np.int64)

    return {"heat_cells": used.astype(np.int64), "heat_count": per_cell(),
            "heat_reached": per_cell(reached), "heat_epochs": per_cell(ett[inside] * reached)}


class SeriesTally:
    """The running totals of one series, chunk tallies added in any order."""

    def __init__(self, epochs: int, cell_shape: tuple[int, int], z0_bins: int):
        self.epochs = epochs
        self.epochs_to_target = np.zeros(epochs + 2, dtype=np.int64)
        self.plateau_epochs = np.zeros(epochs + 2, dtype=np.int64)
        self.diverged = 0
        self.heat_count = np.zeros(cell_shape, dtype=np.int64)
        self.heat_reached = np.zeros(cell_shape, dtype=np.int64)
        self.heat_epochs = np.zeros(cell_shape, dtype=np.int64)
        self.z0 = np.zeros((len(Z0_FIELDS), z0_bins), dtype=np.int64)
        self.curves: dict[int, np.ndarray] = {}

    def add(self, chunk: ChunkTally) -> None:
        self.epochs_to_target += chunk.epochs_to_target
        self.plateau_epochs += chunk.plateau_epochs
        self.diverged += chunk.diverged
        self.z0 += chunk.z0
        for total, part in ((self.heat_count, chunk.heat_count),
                            (self.heat_reached, chunk.heat_reached),
                            (self.heat_epochs, chunk.heat_epochs)):
            total.reshape(-1)[chunk.heat_cells] += part
        # Copies: a chunk read back from its file holds views of all of it, rows included.
        for start, losses in zip(chunk.curve_starts.tolist(), chunk.curve_losses):
            self.curves[start] = losses.copy()

    @property
    def starts(self) -> int:
        return int(self.epochs_to_target.sum())

    @property
    def never(self) -> int:
        return int(self.epochs_to_target[-1])

    def by_z0(self, field: str) -> np.ndarray:
        return self.z0[Z0_FIELDS.index(field)]
