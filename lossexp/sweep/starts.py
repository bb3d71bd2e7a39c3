"""Where a sweep starts: the (w0, b0) of start i, for a grid or for random draws.

Start i has the same (w0, b0) however the sweep is cut into chunks: a grid start is a
pure function of i, and random starts are drawn in fixed blocks of ``RANDOM_BLOCK``, each
from its own seed sequence ``(seed, block)``, so a chunk regenerates just the blocks it
covers. Each start also falls in a cell of the heatmap: the grid point itself while a grid
axis has at most ``MAX_GRID_CELLS`` steps, neighbouring points pooled beyond that, and a
fixed square of the (w, b) plane for random starts.
"""

from __future__ import annotations

import functools

import numpy as np

RANDOM_BLOCK = 1 << 16
MAX_GRID_CELLS = 200
RANDOM_CELLS = 60
Z0_BINS = 241  # z0 = w0 x + b0 of a one-sample task: one bin per value of a 0.1-step grid
Z0_SPREAD = 4.0  # random starts: the z0 axis covers the mean +- this many standard deviations
OUTSIDE = -1  # the cell of a start outside the heatmap (random starts in a far tail)


class GridStarts:
    """Start i = (w[i // steps_b], b[i % steps_b]) over two evenly spaced axes."""

    def __init__(self, grid: dict):
        self.w_axis = np.linspace(grid["w"]["from"], grid["w"]["to"], grid["w"]["steps"])
        self.b_axis = np.linspace(grid["b"]["from"], grid["b"]["to"], grid["b"]["steps"])
        self.count = self.w_axis.size * self.b_axis.size
        self.cell_shape = (min(self.w_axis.size, MAX_GRID_CELLS),
                           min(self.b_axis.size, MAX_GRID_CELLS))

    def values(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        i = np.arange(lo, hi)
        return self.w_axis[i // self.b_axis.size], self.b_axis[i % self.b_axis.size]

    def cells(self, lo: int, hi: int, w, b) -> np.ndarray:
        """The flat heatmap cell of each start lo .. hi-1."""
        i = np.arange(lo, hi)
        iw, ib = i // self.b_axis.size, i % self.b_axis.size
        cw = iw * self.cell_shape[0] // self.w_axis.size
        cb = ib * self.cell_shape[1] // self.b_axis.size
        return cw * self.cell_shape[1] + cb

    def cell_edges(self) -> tuple[np.ndarray, np.ndarray]:
        return _edges(self.w_axis, self.cell_shape[0]), _edges(self.b_axis, self.cell_shape[1])

    def z0_range(self, x: float) -> tuple[float, float]:
        ends = [w * x + b for w in (self.w_axis[0], self.w_axis[-1])
                for b in (self.b_axis[0], self.b_axis[-1])]
        return min(ends), max(ends)


def _edges(axis: np.ndarray, cells: int) -> np.ndarray:
    """Cell boundaries half a step beyond the first and last grid values."""
    half = (axis[-1] - axis[0]) / (2 * (axis.size - 1)) if axis.size > 1 else 0.5
    return np.linspace(axis[0] - half, axis[-1] + half, cells + 1)


class RandomStarts:
    """``count`` starts with w and b drawn independently from one distribution."""

    def __init__(self, random: dict):
        self.count, self.seed = random["count"], random["seed"]
        self.distribution = dict(random["distribution"])
        self.cell_shape = (RANDOM_CELLS, RANDOM_CELLS)
        dist = self.distribution
        if dist["name"] == "normal":
            self.extent = (dist["mean"] - 3 * dist["std"], dist["mean"] + 3 * dist["std"])
        else:
            self.extent = (dist["low"], dist["high"])

    def _block(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        n = min(RANDOM_BLOCK, self.count - k * RANDOM_BLOCK)
        return _drawn_block(self.seed, k, n, tuple(sorted(self.distribution.items())))

    def values(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        first, last = lo // RANDOM_BLOCK, (hi - 1) // RANDOM_BLOCK
        offset = lo - first * RANDOM_BLOCK
        if first == last:  # read-only views of the one block, not a copy of all of it
            w, b = self._block(first)
            return w[offset:offset + hi - lo], b[offset:offset + hi - lo]
        blocks = [self._block(k) for k in range(first, last + 1)]
        w = np.concatenate([blk[0] for blk in blocks])
        b = np.concatenate([blk[1] for blk in blocks])
        return w[offset:offset + hi - lo], b[offset:offset + hi - lo]

    def cells(self, lo: int, hi: int, w, b) -> np.ndarray:
        low, high = self.extent
        n_w, n_b = self.cell_shape
        cw = np.floor((w - low) / (high - low) * n_w)
        cb = np.floor((b - low) / (high - low) * n_b)
        inside = (cw >= 0) & (cw < n_w) & (cb >= 0) & (cb < n_b)
        flat = np.where(inside, cw * n_b + cb, OUTSIDE)
        return flat.astype(np.int64)

    def cell_edges(self) -> tuple[np.ndarray, np.ndarray]:
        edges = np.linspace(*self.extent, self.cell_shape[0] + 1)
        return edges, edges.copy()

    def z0_range(self, x: float) -> tuple[float, float]:
        dist = self.distribution
        if dist["name"] == "normal":  # z0 = w x + b ~ N(mean (x + 1), std^2 (x^2 + 1))
            mean, std = dist["mean"] * (x + 1), dist["std"] * np.hypot(x, 1.0)
            return mean - Z0_SPREAD * std, mean + Z0_SPREAD * std
        ends = [w * x + b for w in (dist["low"], dist["high"]) for b in (dist["low"], dist["high"])]
        return min(ends), max(ends)


def z0_edges(z_range: tuple[float, float]) -> np.ndarray:
    """``Z0_BINS`` bins over the range, each centred on a point of an even grid of it."""
    lo, hi = z_range
    half = (hi - lo) / (2 * (Z0_BINS - 1)) if hi > lo else 0.5
    return np.linspace(lo - half, hi + half, Z0_BINS + 1)


def z0_bins(z0: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The bin of each z0, OUTSIDE for a z0 beyond the edges (or NaN)."""
    with np.errstate(invalid="ignore"):
        index = np.floor((z0 - edges[0]) / (edges[1] - edges[0]))
        inside = (index >= 0) & (index < edges.size - 1)
    return np.where(inside, index, OUTSIDE).astype(np.int64)


@functools.lru_cache(maxsize=2)
def _drawn_block(seed: int, k: int, n: int, distribution: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Block k of a random sweep's starts; the last two are kept, since a block holds
    several chunks and a worker often trains the next one too (read-only: the callers
    copy what they take)."""
    dist = dict(distribution)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
    w, b = _draw(rng, dist, n), _draw(rng, dist, n)
    w.flags.writeable = b.flags.writeable = False
    return w, b


def _draw(rng: np.random.Generator, dist: dict, n: int) -> np.ndarray:
    if dist["name"] == "normal":
        return rng.normal(dist["mean"], dist["std"], n)
    return rng.uniform(dist["low"], dist["high"], n)


def starts_of(sweep: dict) -> GridStarts | RandomStarts:
    """The starts a validated ``sweep:`` section describes."""
    return GridStarts(sweep["grid"]) if sweep["grid"] is not None else RandomStarts(sweep["random"])
