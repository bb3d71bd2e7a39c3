"""An MLP sweep cut into chunks: which seeds of which series each chunk trains.

The series are every (loss, init scale, learning rate) of ``sweep.losses`` x
``sweep.scales`` x ``sweep.lrs``, losses outermost, each a run config. Chunk k of series s
trains seeds ``from + k * chunk_size`` up to the next chunk's first; chunks are numbered
series by series, in the order their rows appear in sweep.csv. ``MlpPlan`` offers what the
driver asks of a neuron sweep's ``Plan``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lossexp.output.text import exact
from lossexp.sweep.plan import Chunk
from lossexp.sweep.series import Series, _loss_label

# Networks per chunk, chosen by timing: 1024 networks of 2-16-1 on 100 samples, trained in
# chunks of 32, 64, 128, 256, 512 and 1024 took 9.5, 9.0, 8.9, 9.5, 11.2 and 12.2 us per
# network-epoch (one core, best of 3, freed memory kept: sweep.memory.keep_freed_memory);
# with the compiled sigmoid and layer steps, 512 networks in chunks of 64, 128, 256 and
# 512 took 4.8, 4.5, 5.0 and 6.1 us: past a few hundred networks the (R, N, 16) arrays
# (1.6 MiB each for 128 networks) no longer fit the cache.
DEFAULT_MLP_CHUNK_SIZE = 128


def mlp_series_of(cfg: dict) -> list[Series]:
    """Every (loss, scale, lr); a list left out stands for the config's own value. Labels
    hold no commas, so they can sit in a CSV cell as they are."""
    sweep = cfg["sweep"]
    init = cfg["model"]["init"]
    losses = sweep["losses"] or [cfg["loss"]]
    scales = sweep["scales"] or [init["scale"]]
    lrs = sweep["lrs"] or [cfg["train"]["lr"]]
    out = []
    for loss in losses:
        for scale in scales:
            for lr in lrs:
                run_cfg = copy.deepcopy({k: v for k, v in cfg.items() if k != "sweep"})
                run_cfg["loss"] = copy.deepcopy(loss)
                run_cfg["model"]["init"]["scale"] = scale
                run_cfg["train"]["lr"] = lr
                words = [_loss_label(loss)] + ([] if scale is None
                                               else [f"scale={exact(scale)}"])
                label = " ".join([*words, f"lr={exact(lr)}"]).replace(",", ";")
                out.append(Series(label, run_cfg))
    return out


def scale_of(series: Series) -> float | None:
    return series.config["model"]["init"]["scale"]


@dataclass
class MlpPlan:
    """Everything a worker needs to train any chunk of an MLP sweep: plain data."""

    config: dict
    chunk_size: int = DEFAULT_MLP_CHUNK_SIZE
    kernel: bool = False  # no compiled path for MLPs: the engine trains every chunk

    @cached_property
    def series(self) -> list[Series]:
        return mlp_series_of(self.config)

    @cached_property
    def classification(self) -> bool:
        from lossexp.tasks import make_data

        return make_data(self.config["task"], self.config["train"]["seed"]).classification

    @property
    def first_seed(self) -> int:
        return self.config["sweep"]["seeds"]["from"]

    @property
    def count(self) -> int:
        return self.config["sweep"]["seeds"]["count"]

    def seeds(self, chunk: Chunk) -> np.ndarray:
        return self.first_seed + np.arange(chunk.lo, chunk.hi)

    @property
    def epochs(self) -> int:
        return self.config["train"]["epochs"]

    @property
    def longer_than(self) -> int:
        given = self.config["sweep"]["longer_than"]
        return self.epochs // 10 if given is None else given

    @cached_property
    def chunks_per_series(self) -> int:
        return -(-self.count // self.chunk_size)

    def chunk(self, index: int) -> Chunk:
        series, k = divmod(index, self.chunks_per_series)
        lo = k * self.chunk_size
        return Chunk(index, series, lo, min(lo + self.chunk_size, self.count))

    @property
    def total_chunks(self) -> int:
        return len(self.series) * self.chunks_per_series

    def neuron_epochs(self, chunk: Chunk) -> int:
        """Networks trained times epochs: the unit of this sweep's progress."""
        return chunk.size * self.epochs

    def describe(self, chunk: Chunk) -> str:
        seeds = self.seeds(chunk)
        return (f"series {self.series[chunk.series].label!r}, seeds "
                f"{seeds[0]}..{seeds[-1]}")
