"""Training one chunk of a sweep: the same engine and outcome tracker as ``lossexp run``.

A chunk is one batch of R starts for one series; the engine trains all of them together
and the tracker streams their outcomes in O(R) memory. The result is reduced at once to
CSV rows and integer counts (``ChunkTally``), so nothing of size R x epochs is ever kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossexp.sweep.memory import keep_freed_memory
from lossexp.sweep.plan import Chunk, Plan
from lossexp.sweep.row_files import chunk_rows
from lossexp.sweep.rows import row_columns, rows_text
from lossexp.sweep.starts import z0_bins
from lossexp.sweep.tally import ChunkTally, tally_chunk
from lossexp.tasks import make_data
from lossexp.train import neuron_kernel
from lossexp.train.batches import minibatches
from lossexp.train.engine import Step, train
from lossexp.train.features import thin_epochs
from lossexp.train.model import build_model, neuron_params
from lossexp.train.outcome import OutcomeTracker

CURVE_POINTS = 201  # a sampled loss curve keeps at most this many epochs


class FirstPreactivation:
    """Records z at the output on the first sample, at epoch 0 (the start's z0)."""

    def __init__(self):
        self.z0 = None

    def __call__(self, step: Step) -> None:
        if step.epoch == 0:
            self.z0 = step.zs[-1][:, 0, 0].copy()


class CurveSampler:
    """Keeps the losses of ``count`` runs at a thinned set of epochs."""

    def __init__(self, count: int, epochs: int):
        self.epochs = thinned_epochs(epochs)
        self._row = {int(e): i for i, e in enumerate(self.epochs)}
        self.losses = np.empty((count, self.epochs.size))

    def keep(self, epoch: int, losses: np.ndarray) -> None:
        row = self._row.get(epoch)
        if row is not None:
            # Every NaN the same NaN: NumPy may give one sign or the other, by batch size.
            self.losses[:, row] = np.where(np.isnan(losses), np.nan, losses)


def thinned_epochs(epochs: int) -> np.ndarray:
    return np.array(thin_epochs(epochs, CURVE_POINTS))


def sampled_starts(count: int, curves: int) -> np.ndarray:
    """The starts whose loss curves are kept: ``curves`` of them, evenly spread."""
    n = min(curves, count)
    return np.arange(n) * count // max(n, 1)


@dataclass
class TrainedChunk:
    """Per-start results of a chunk: its starts, z0 and outcomes, and any sampled curves."""

    w0: np.ndarray
    b0: np.ndarray
    z0: np.ndarray
    outcome: dict[str, np.ndarray]  # OutcomeTracker.as_dict()
    curve_starts: np.ndarray
    curve_losses: np.ndarray


def _training_setup(cfg: dict):
    """A series' data, network and mini-batches, and how the kernel trains it (None: the
    kernel cannot, and the engine does)."""
    tr = cfg["train"]
    data = make_data(cfg["task"], tr["seed"])
    network, _, _ = build_model(cfg)
    batches = minibatches(data.samples, tr["batch_size"], tr["seed"])
    return data, network, batches, neuron_kernel.kernel_loss(network, data.x, data.y, batches)


def trains_on_the_kernel(cfg: dict) -> bool:
    return _training_setup(cfg)[3] is not None


def free_of_the_interpreter_lock(plan: Plan) -> bool:
    """Whether chunks spend most of their time in code that releases Python's interpreter
    lock: every series trains in the compiled kernel (one call a chunk, all its epochs),
    and no rows of sweep.csv are formatted (none are kept, or they go to sweep.parquet,
    packed as columns). (1e6 starts x 300 epochs, no rows, 2 cores, whole command: threads
    0.48 s to processes' 0.68 s in chunks of 16384 starts, 0.62 s to 0.85 s in chunks of
    4096, 1.44 s to 1.50 s in chunks of 1024.)"""
    sweep = plan.config["sweep"]
    return (plan.kernel and (not sweep["rows"] or sweep["rows_format"] == "parquet")
            and all(trains_on_the_kernel(s.config) for s in plan.series))


def train_starts(plan: Plan, chunk: Chunk) -> TrainedChunk:
    """Train the chunk's starts as ``lossexp run`` trains one start: with the engine or,
    where it applies and ``plan.kernel`` allows, its bitwise-equal compiled fast path."""
    keep_freed_memory()
    series = plan.series[chunk.series]
    cfg, tr, target = series.config, series.config["train"], series.config["target"]
    w0, b0 = plan.starts.values(chunk.lo, chunk.hi)
    data, network, batches, how = _training_setup(cfg)
    if not plan.kernel:
        how = None
    params = neuron_params(w0, b0)
    outcome = OutcomeTracker(network, data.y, tolerance=target["tolerance"],
                             plateau_fraction=target["plateau_fraction"])
    first = FirstPreactivation()
    picked = sampled_starts(plan.starts.count, plan.config["sweep"]["curves"])
    picked = picked[(picked >= chunk.lo) & (picked < chunk.hi)]
    curves = CurveSampler(picked.size, tr["epochs"]) if picked.size else None
    runs = picked - chunk.lo  # the sampled starts' rows in the chunk
    if how is not None:
        watch = None
        if curves is not None:
            watch = neuron_kernel.Watch(runs, frozenset(curves.epochs.tolist()),
                                        lambda step: curves.keep(step.epoch, step.loss))
        neuron_kernel.train(network, params, data.x, data.y, lr=tr["lr"], epochs=tr["epochs"],
                            tracker=outcome, how=how, recorders=[first], watch=watch)
    else:
        recorders = [outcome, first]
        if curves is not None:
            recorders.append(lambda step: curves.keep(step.epoch, step.loss[runs]))
        train(network, params, data.x, data.y, lr=tr["lr"], epochs=tr["epochs"],
              recorders=recorders, batches=batches)
    return TrainedChunk(w0, b0, first.z0, outcome.as_dict(), picked,
                        curves.losses if curves is not None else np.empty((0, 0)))


def train_chunk(plan: Plan, chunk: Chunk) -> ChunkTally:
    """Train the chunk's starts and reduce their outcomes; runs in any worker."""
    done = train_starts(plan, chunk)
    sweep, rows = plan.config["sweep"], b""
    if sweep["rows"]:
        rows = chunk_rows(sweep["rows_format"],
                          lambda: row_columns(done.w0, done.b0, done.z0, done.outcome),
                          lambda: rows_text(plan.series[chunk.series].label, done.w0, done.b0,
                                            done.z0, done.outcome))
    # The heatmap and the plot against z0 are drawn one or the other (sweep/figures.py).
    one_sample = plan.one_sample
    cells = None if one_sample else plan.starts.cells(chunk.lo, chunk.hi, done.w0, done.b0)
    bins = z0_bins(done.z0, plan.z0_edges) if one_sample else None
    return tally_chunk(rows, done.outcome, cells, plan.epochs,
                       done.curve_starts, done.curve_losses, bins, plan.z0_edges.size - 1)
