"""The two kinds of sweep behind one driver: a neuron's starts (``Plan``) or an MLP's seeds
(``MlpPlan``). Each function picks the kind's own code from the plan it is given."""

from __future__ import annotations

from pathlib import Path

from lossexp.sweep.mlp_plan import DEFAULT_MLP_CHUNK_SIZE, MlpPlan
from lossexp.sweep.plan import DEFAULT_CHUNK_SIZE, Chunk, Plan


def plan_of(cfg: dict, chunk_size: int | None = None, *, dask: bool = False) -> Plan | MlpPlan:
    """The plan of a validated sweep config; ``chunk_size`` None: the kind's default.

    A neuron sweep's default is four times larger on Dask, whose scheduler spends about a
    millisecond on every task, and wherever each chunk is one call of the compiled kernel
    with no rows to keep (``free_of_the_interpreter_lock``): a chunk's own set-up, tally
    and file then come a quarter as often, and a kernel chunk of 65536 starts trains as
    fast as one of 16384 (1e6 starts x 300 epochs, no rows, 2 cores: the whole command
    0.39-0.40 s against 0.42-0.45 s, 0.40-0.43 s with 131072). With rows, chunks stay
    small: each holds its rows of sweep.csv in memory until it is written.
    """
    if cfg["sweep"].get("seeds") is not None:
        return MlpPlan(cfg, chunk_size or DEFAULT_MLP_CHUNK_SIZE)
    if chunk_size is not None:
        return Plan(cfg, chunk_size)
    from lossexp.sweep.chunk import free_of_the_interpreter_lock

    plan = Plan(cfg, DEFAULT_CHUNK_SIZE)
    if dask or free_of_the_interpreter_lock(plan):
        return Plan(cfg, 4 * DEFAULT_CHUNK_SIZE)
    return plan


def train_any_chunk(plan: Plan | MlpPlan, chunk: Chunk):
    """Train a chunk of either kind and return its tally (with ``to_bytes``)."""
    if isinstance(plan, MlpPlan):
        from lossexp.sweep.mlp_chunk import train_mlp_chunk

        return train_mlp_chunk(plan, chunk)
    from lossexp.sweep.chunk import train_chunk

    return train_chunk(plan, chunk)


def write_any_outputs(plan: Plan | MlpPlan, store, run_dir: Path, *, plots: bool) -> dict:
    if isinstance(plan, MlpPlan):
        from lossexp.sweep.mlp_output import write_mlp_outputs

        return write_mlp_outputs(plan, store, run_dir, plots=plots)
    from lossexp.sweep.output import write_outputs

    return write_outputs(plan, store, run_dir, plots=plots)
