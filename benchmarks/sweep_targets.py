"""Issue 13's sweep targets, each measured and printed beside its target (sweep_bench.py
runs them; every ratio is against a baseline timed in the same run, nothing is asserted).

  - the default executor against the best of threads and processes, rows and no rows;
  - the whole `lossexp sweep --no-rows` process, 1e6 starts x 300 epochs, and with its rows
    as sweep.csv and as sweep.parquet;
  - rows of sweep.csv formatted per second, on one core;
  - a Dask LocalCluster against local processes, same workers;
  - scaling from 1 worker to all the cores; where there are fewer than 16, that the main
    process does O(chunks), not O(starts), interpreter work (a profile of its calls);
  - memory across all processes, 1e7 starts with rows, at several worker counts.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bytecode import compile_bytecode

HERE = Path(__file__).resolve().parent
CORES = len(os.sched_getaffinity(0))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run_sweep_seconds(cfg: dict, **kwargs) -> float:
    from lossexp.sweep import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep(cfg, Path(tmp), **kwargs)
        return time.perf_counter() - t0


def without_rows(cfg: dict) -> dict:
    return {**cfg, "sweep": {**cfg["sweep"], "rows": False}}


def _import_and_wait(module: str) -> None:
    import importlib

    importlib.import_module(module)
    time.sleep(0.5)  # so that every worker gets one


def warm_up(pool, workers: int) -> None:
    """Start every worker and load the training code in it: not sweep time, and a Dask
    worker, unlike a local one, imports it only with its first task."""
    for warm in [pool.submit(_import_and_wait, "lossexp.sweep.driver") for _ in range(workers)]:
        warm.result()


def executor_choice(cfg: dict, workers: int, repeats: int = 3) -> None:
    """run_sweep end to end with each local executor, medians of ``repeats`` interleaved."""
    work = cfg["sweep"]["random"]["count"] * cfg["train"]["epochs"]
    for label, case in (("no rows", without_rows(cfg)), ("rows", cfg)):
        times = {kind: [] for kind in ("local", "threads", "processes")}
        for _ in range(repeats):
            for kind in times:
                times[kind].append(run_sweep_seconds(case, executor=kind, workers=workers))
        med = {kind: float(np.median(t)) for kind, t in times.items()}
        best = min(med["threads"], med["processes"])
        shown = ", ".join(f"{k} {v:.2f} s ({work / v / 1e6:.0f} M/s)" for k, v in med.items())
        print(f"  executor, {label}, {workers} workers: {shown}; local / best "
              f"{med['local'] / best:.2f}x  (target <= 1.25: {verdict(med['local'] <= 1.25 * best)})")


def whole_config(starts: int, epochs: int) -> str:
    return (f"name: whole\ntask: {{kind: one_to_zero}}\nmodel: {{kind: neuron, activation: "
            f"sigmoid, init: {{w: 0.0, b: 0.0}}}}\nloss: quadratic\ntrain: {{lr: 0.15, epochs: "
            f"{epochs}}}\ntarget: {{tolerance: 0.1, plateau_fraction: 0.1}}\nsweep:\n  random: "
            f"{{count: {starts}, seed: 0}}\n")


def whole_process(starts: int, epochs: int, repeats: int = 3) -> None:
    """`lossexp sweep <config> --no-rows` as a user runs it: interpreter, imports, pool,
    training, summary (and figures, in the first line)."""
    compile_bytecode()
    text = whole_config(starts, epochs)
    lossexp = [sys.executable, "-m", "lossexp"]
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "whole.yaml"
        config.write_text(text)
        for flags in (["--no-rows"], ["--no-rows", "--no-plots"]):
            seconds, cpu = [], []
            for _ in range(repeats):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run([*lossexp, "sweep", str(config), "--outputs", str(Path(tmp) / "o"),
                                "-q", *flags], check=True)
                seconds.append(time.perf_counter() - t0)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            rate = starts * epochs / np.median(seconds) / 1e6
            # On a shared machine the wall clock counts the other jobs too; the CPU time
            # of the command and its workers says what the cores would give it alone.
            alone = starts * epochs / (np.median(cpu) / CORES) / 1e6
            print(f"  whole `lossexp sweep {' '.join(flags)}`, {starts} x {epochs}: median "
                  f"{np.median(seconds):.2f} s (min {min(seconds):.2f}) = {rate:.0f} M "
                  f"neuron-epochs/s; {np.median(cpu):.2f} CPU s, so at most {alone:.0f} M/s "
                  f"on {CORES} idle cores  (target >= 800: {verdict(rate >= 800)})")


def rows_formats(starts: int, epochs: int, repeats: int = 3) -> None:
    """The whole `lossexp sweep --no-plots` with its rows as sweep.csv and as sweep.parquet
    (where pyarrow is installed)."""
    import importlib.util

    compile_bytecode()
    formats = ["csv"] + (["parquet"] if importlib.util.find_spec("pyarrow") else [])
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "whole.yaml"
        config.write_text(whole_config(starts, epochs))
        seconds = {f: [] for f in formats}
        for _ in range(repeats):
            for f in formats:  # interleaved: both see the same load
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "lossexp", "sweep", str(config), "-q",
                                "--no-plots", "--outputs", str(Path(tmp) / f), "--set",
                                f"sweep.rows_format={f}"], check=True)
                seconds[f].append(time.perf_counter() - t0)
        shown = ", ".join(f"sweep.{f} {np.median(v):.2f} s "
                          f"({(Path(tmp) / f / 'whole' / f'sweep.{f}').stat().st_size / 1e6:.0f} MB)"
                          for f, v in seconds.items())
    print(f"  whole `lossexp sweep --no-plots` with rows, {starts} x {epochs}: {shown}"
          + ("" if "parquet" in formats else " (no pyarrow: no Parquet)"))


def rows_per_second(plan, chunks: int = 8) -> None:
    """The rows of sweep.csv formatted from trained chunks, in this one thread."""
    from lossexp.sweep.chunk import train_starts
    from lossexp.sweep.rows import rows_text

    done = [train_starts(plan, plan.chunk(i)) for i in range(chunks)]
    label = plan.series[0].label
    t0 = time.perf_counter()
    size = sum(len(rows_text(label, d.w0, d.b0, d.z0, d.outcome).encode()) for d in done)
    seconds = time.perf_counter() - t0
    rows = sum(d.w0.size for d in done)
    rate = rows / seconds / 1e6
    print(f"  rows of sweep.csv, one core: {rate:.2f} M rows/s ({rows} rows, "
          f"{size / rows:.0f} bytes each)  (target >= 1: {verdict(rate >= 1)})")


def dask_against_processes(cfg: dict, workers: int) -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("  dask: not installed (pip install 'lossexp[dask]')")
        return
    from lossexp.sweep.driver import compute_chunks
    from lossexp.sweep.executors import open_pool
    from lossexp.sweep.kinds import plan_of

    class NoStore:
        def save(self, index, data):
            pass

    seconds = {}
    for kind in ("processes", "dask"):
        plan = plan_of(without_rows(cfg), dask=kind == "dask")  # as run_sweep cuts it
        with open_pool(kind, workers) as pool:  # start-up is not sweep time
            warm_up(pool, workers)
            t0 = time.perf_counter()
            compute_chunks(pool, plan, list(range(plan.total_chunks)), NoStore())
            seconds[kind] = time.perf_counter() - t0
    ratio = seconds["processes"] / seconds["dask"]
    print(f"  dask LocalCluster, {workers} workers: {seconds['dask']:.2f} s, local processes "
          f"{seconds['processes']:.2f} s: dask at {100 * ratio:.0f}% of processes  "
          f"(target >= 70%: {verdict(ratio >= 0.7)})")


def scaling(cfg: dict) -> None:
    """1 worker against every core, processes, warm pools; and the main process's work."""
    from lossexp.sweep.driver import compute_chunks
    from lossexp.sweep.executors import open_pool
    from lossexp.sweep.kinds import plan_of

    class NoStore:
        def save(self, index, data):
            pass

    plan = plan_of(without_rows(cfg))
    work = plan.starts.count * plan.epochs
    rates = {}
    for workers in sorted({1, CORES}):
        with open_pool("processes", workers) as pool:
            warm_up(pool, workers)
            t0 = time.perf_counter()
            compute_chunks(pool, plan, list(range(plan.total_chunks)), NoStore())
            rates[workers] = work / (time.perf_counter() - t0)
    speedup = rates[CORES] / rates[1]
    print(f"  scaling, processes: 1 worker {rates[1] / 1e6:.0f}, {CORES} workers "
          f"{rates[CORES] / 1e6:.0f} M neuron-epochs/s: {speedup:.2f}x, "
          f"{100 * speedup / CORES:.0f}% parallel efficiency  (target on 16 cores: >= 11x, "
          f">= 70%{'' if CORES >= 16 else f'; this machine has {CORES} cores'})")
    main_process_calls(cfg)


def main_process_calls(cfg: dict, chunks: int = 64) -> None:
    """The main process's Python function calls for the same number of chunks of 10x as
    many starts: equal counts mean its interpreter work is O(chunks), not O(starts)."""
    import cProfile
    import pstats

    from lossexp.sweep.driver import compute_chunks
    from lossexp.sweep.executors import open_pool
    from lossexp.sweep.kinds import plan_of

    class NoStore:
        def save(self, index, data):
            pass

    counts = {}
    for chunk_size in (1024, 10240):
        plan = plan_of(without_rows({**cfg, "sweep": {**cfg["sweep"], "random": {
            **cfg["sweep"]["random"], "count": chunks * chunk_size}}}), chunk_size)
        with open_pool("processes", CORES) as pool:
            warm_up(pool, CORES)
            profile = cProfile.Profile()
            cpu = time.process_time()  # this process's threads, the pool's own included
            profile.enable()
            compute_chunks(pool, plan, list(range(plan.total_chunks)), NoStore())
            profile.disable()
            cpu = time.process_time() - cpu
        stats = pstats.Stats(profile)
        counts[chunk_size] = (sum(v[1] for v in stats.stats.values()), cpu)
    (small, (c1, t1)), (big, (c2, t2)) = counts.items()
    print(f"  main process, {chunks} chunks of {small} and of {big} starts (processes): "
          f"{c1} and {c2} Python calls, {c1 / chunks:.0f} and {c2 / chunks:.0f} a chunk "
          f"(ratio {c2 / c1:.2f} for 10x the starts: O(chunks)); its CPU time "
          f"{1e3 * t1 / chunks:.2f} and {1e3 * t2 / chunks:.2f} ms a chunk, profiler included")


MEMORY_CHILD = """
import sys, tempfile
from pathlib import Path
sys.path.insert(0, {here!r})
from sweep_bench import sweep_config
from lossexp.sweep import run_sweep
with tempfile.TemporaryDirectory() as tmp:
    run_sweep(sweep_config({starts}, {epochs}), Path(tmp), workers={workers})
"""


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in kB; PSS shares each shared page among its users."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def memory(starts: int, epochs: int, workers: int) -> None:
    """Peak memory of every process of a run_sweep with rows, sampled together every 50 ms."""
    code = MEMORY_CHILD.format(here=str(HERE), starts=starts, epochs=epochs, workers=workers)
    t0 = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code])
    peak_rss = peak_pss = processes = 0
    while child.poll() is None:
        pids = _tree(child.pid)
        rss, pss = _memory(pids)
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        processes = max(processes, len(pids))
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    print(f"  memory, {starts} starts x {epochs} epochs with rows, {workers} workers "
          f"({processes} processes, {seconds:.0f} s): peak together {peak_pss / 1024:.0f} MB "
          f"proportional (shared pages split), {peak_rss / 1024:.0f} MB resident counting "
          f"shared pages in each  (target <= 500: {verdict(peak_pss / 1024 <= 500)} by "
          f"proportional, {verdict(peak_rss / 1024 <= 500)} by resident)")
