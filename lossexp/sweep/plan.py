"""A sweep cut into chunks: which starts of which series each chunk trains.

Chunk k of series s trains starts ``k * chunk_size`` up to the next chunk's first start;
chunks are numbered series by series, in the order their rows appear in sweep.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lossexp.sweep.series import Series, series_of
from lossexp.sweep.starts import starts_of, z0_edges

# Starts per chunk, chosen by timing, not from a cache size: one float64 array of 16384
# starts is 128 KiB, so the engine's per-chunk arrays together exceed a typical L2 cache.
DEFAULT_CHUNK_SIZE = 16384


@dataclass(frozen=True)
class Chunk:
    index: int
    series: int
    lo: int  # first start
    hi: int  # one past the last start

    @property
    def size(self) -> int:
        return self.hi - self.lo


@dataclass
class Plan:
    """Everything a worker needs to train any chunk: plain data, cheap to send."""

    config: dict
    chunk_size: int = DEFAULT_CHUNK_SIZE
    # Train with the compiled fast path where it applies (lossexp.train.neuron_kernel); False
    # forces the engine, for comparisons: the results are the same bits either way.
    kernel: bool = True

    @cached_property
    def series(self) -> list[Series]:
        return series_of(self.config)

    @cached_property
    def starts(self):
        return starts_of(self.config["sweep"])

    @cached_property
    def task_x(self) -> np.ndarray:
        """The task's inputs, one row per sample (the same for every series)."""
        from lossexp.tasks import make_data

        return make_data(self.config["task"], self.config["train"]["seed"]).x

    @property
    def one_sample(self) -> bool:
        """With one sample the outcome depends on (w0, b0) only through z0 = w0 x + b0."""
        return self.task_x.shape[0] == 1

    @cached_property
    def z0_edges(self) -> np.ndarray:
        return z0_edges(self.starts.z0_range(float(self.task_x[0, 0])))

    @property
    def epochs(self) -> int:
        return self.config["train"]["epochs"]

    @cached_property
    def chunks_per_series(self) -> int:
        return -(-self.starts.count // self.chunk_size)

    def chunk(self, index: int) -> Chunk:
        series, k = divmod(index, self.chunks_per_series)
        lo = k * self.chunk_size
        return Chunk(index, series, lo, min(lo + self.chunk_size, self.starts.count))

    @property
    def total_chunks(self) -> int:
        return len(self.series) * self.chunks_per_series

    def neuron_epochs(self, chunk: Chunk) -> int:
        """Neurons trained times epochs: the unit of a sweep's throughput."""
        return chunk.size * self.epochs
