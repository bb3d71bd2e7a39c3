"""Running a sweep: the chunks still missing, on the chosen executor, then the files.

``run_sweep`` is the library entry point behind ``lossexp sweep``; it prints nothing and
reports progress through callbacks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from lossexp.errors import LossexpError, stop_if_requested
from lossexp.output.rundir import check_outputs_root, earlier_result, run_directory, versions
from lossexp.sweep.chunk import free_of_the_interpreter_lock
from lossexp.sweep.executors import DEFAULT_EXECUTOR, check_executor, open_pool
from lossexp.sweep.kinds import plan_of, write_any_outputs
from lossexp.sweep.kinds import train_any_chunk as train_chunk
from lossexp.sweep.mlp_plan import MlpPlan
from lossexp.sweep.plan import Chunk, Plan
from lossexp.sweep.store import ChunkStore

# Settings that change no number in any chunk, so a resumed sweep may differ in them.
_COSMETIC = ("description", "plots")


@dataclass
class ChunkFailure:
    chunk: Chunk
    starts: str  # which starts the chunk held, for the report
    error: str

    def __str__(self) -> str:
        return f"chunk {self.chunk.index} ({self.starts}) failed: {self.error}"


class SweepIncomplete(Exception):
    """Some chunks failed; the others finished and are kept for --resume."""

    def __init__(self, run_dir: Path, failures: list[ChunkFailure], total: int,
                 chunks_dir: Path | None = None):
        self.run_dir, self.failures, self.total = run_dir, failures, total
        self.chunks_dir = chunks_dir or ChunkStore(run_dir).dir
        self.kept = len(failures) < total  # else every chunk failed and none is kept
        where = (f"the other chunks are kept in {self.chunks_dir}" if self.kept
                 else "nothing was kept")
        super().__init__(f"{len(failures)} of {total} chunks failed; {where}")


@dataclass
class SweepResult:
    run_dir: Path
    summary: dict
    computed: int  # chunks trained by this call
    reused: int  # chunks found finished by an earlier, interrupted call
    replaced: bool = False  # whether the files replaced an earlier result of lossexp's


def describe_starts(plan: Plan | MlpPlan, chunk: Chunk) -> str:
    if isinstance(plan, MlpPlan):
        return plan.describe(chunk)
    w, b = plan.starts.values(chunk.lo, chunk.hi)
    return (f"series {plan.series[chunk.series].label!r}, starts {chunk.lo}..{chunk.hi - 1}: "
            f"w0 in [{w.min():.6g}, {w.max():.6g}], b0 in [{b.min():.6g}, {b.max():.6g}]")


def manifest_of(plan: Plan) -> dict:
    cfg = {k: v for k, v in plan.config.items() if k not in _COSMETIC}
    return {"config": cfg, "chunk_size": plan.chunk_size, "chunks": plan.total_chunks,
            "versions": versions()}


def chunk_file(plan: Plan, chunk: Chunk) -> bytes:
    """Train a chunk and pack its tally as the store keeps it, in the worker: the main
    process only writes the bytes, so its share of each chunk stays small (it serves
    every worker)."""
    return train_chunk(plan, chunk).to_bytes()


def compute_chunks(pool, plan: Plan, todo: list[int], store: ChunkStore,
                   on_chunk: Callable[[Chunk, int], None] | None = None) -> list[ChunkFailure]:
    """Train chunks ``todo`` on ``pool``, saving each as it finishes; return the failures.

    At most two chunks per worker are in flight; chunks found finished together are saved
    in index order. On any exception (Ctrl-C included) the chunks not yet started are
    cancelled; the finished ones are already on disk.
    """
    window = 2 * pool.workers
    queue, pending, failures = iter(todo), {}, []
    try:
        while True:
            for index in islice(queue, window - len(pending)):
                pending[pool.submit(chunk_file, plan, plan.chunk(index))] = index
            if not pending:
                return failures
            for future in sorted(pool.wait_any(list(pending)), key=pending.get):
                chunk = plan.chunk(pending.pop(future))
                try:
                    data = future.result()
                except Exception as exc:  # noqa: BLE001 - reported with the chunk's starts
                    failures.append(ChunkFailure(chunk, describe_starts(plan, chunk),
                                                 f"{type(exc).__name__}: {exc}"))
                    continue
                store.save(chunk.index, data)
                stop_if_requested()  # a stop signal whose exception a finaliser swallowed
                if on_chunk:
                    on_chunk(chunk, plan.neuron_epochs(chunk))
    except BaseException:
        pool.cancel(list(pending))
        raise


def run_sweep(cfg: dict, outputs: Path, *, executor: str = DEFAULT_EXECUTOR,
              workers: int | None = None, scheduler: str | None = None, client=None,
              chunk_size: int | None = None, resume: bool = False,
              connect_timeout: float | None = None,
              on_start: Callable[[Plan, frozenset[int]], None] | None = None,
              on_chunk: Callable[[Chunk, int], None] | None = None) -> SweepResult:
    """Train every start of the sweep config ``cfg`` and write its run directory.

    ``executor`` is "local" (the default: worker processes, one per core, or threads where
    they do as well, see executors.local_kind), "threads", "processes" or "dask"
    (``scheduler``: the address of an existing cluster, or ``client``: a connected
    distributed.Client; neither starts a LocalCluster). With ``resume``, chunks finished
    by an earlier call are kept. ``connect_timeout``: seconds to wait for the scheduler
    (default: Dask's distributed.comm.timeouts.connect, 30 s).
    The files are the same whatever the executor, worker count and chunk size. Before any
    training, ``on_start`` receives the plan and the indices of the chunks already finished;
    ``on_chunk`` then receives each chunk as it finishes and its neuron-epochs. Raises
    SweepIncomplete when chunks fail (after the others have finished).
    """
    check_executor(executor)
    if (scheduler or client) and executor != "dask":
        raise LossexpError("--scheduler needs --executor dask (a scheduler or a client is "
                           f"only used by the dask executor, not {executor!r})")
    if connect_timeout is not None and executor != "dask":
        raise LossexpError("--connect-timeout needs --executor dask (it is how long to wait "
                           "for a Dask scheduler)")
    if chunk_size is not None and chunk_size < 1:
        raise LossexpError(f"the chunk size must be at least 1, got {chunk_size}")
    run_dir = run_directory(outputs, cfg["name"])
    check_outputs_root(outputs)
    replaced = earlier_result(run_dir, "sweep")  # refuses what lossexp did not write
    store = ChunkStore(run_dir)
    if chunk_size is None:
        recorded = store.recorded_manifest() if resume else None
        chunk_size = (recorded or {}).get("chunk_size")  # None: the kind's default
    plan = plan_of(cfg, chunk_size, dask=executor == "dask")
    manifest = manifest_of(plan)
    done = store.check(manifest, resume=resume)
    todo = [i for i in range(plan.total_chunks) if i not in done]
    if on_start:
        on_start(plan, frozenset(done))
    failures = []
    try:
        if todo:
            with open_pool(executor, workers, scheduler, client,
                           threads_suffice=isinstance(plan, Plan)
                           and free_of_the_interpreter_lock(plan),
                           timeout=connect_timeout) as pool:
                # Only now: an executor that cannot start (no dask, no scheduler) writes
                # nothing. From here the store holds the directory's lock.
                store.record(manifest)
                failures = compute_chunks(pool, plan, todo, store, on_chunk)
        if failures:
            raise SweepIncomplete(run_dir, failures, plan.total_chunks, store.dir)
        store.release_before_moving()
        summary = write_any_outputs(plan, store, run_dir, plots=cfg["plots"])
        store.discard()
    except BaseException:
        store.discard_if_nothing_kept()
        raise
    finally:
        store.release()
    return SweepResult(run_dir, summary, len(todo), plan.total_chunks - len(todo), replaced)
