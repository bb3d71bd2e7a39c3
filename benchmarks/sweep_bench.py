"""How fast is a sweep? 1e6 random starts x 300 epochs, float64, a summary per start.

Times, in one process:
  1. straightforward: the whole sweep as one NumPy array of a million neurons, written out
     plainly below (no chunking, new temporaries every operation, one core);
  2. sweep: lossexp's sweep path (chunks of 16384 starts spread over the cores, each
     trained with the OutcomeTracker recording, every start's outcome returned), in worker
     threads and in worker processes, twice: with the compiled kernel that sweeps use by
     default (lossexp.train.neuron_kernel), and forced onto the NumPy engine that `run` uses;
  3. both on one core, to separate chunking from parallelism;
  4. lossexp.sweep.run_sweep end to end (every file but the figures), with sweep.csv and
     without it (rows: false), for reference;
and, in a subprocess, the peak memory of run_sweep over 1e7 starts. run_sweep and the
memory run use the default executor (lossexp.sweep.executors.DEFAULT_EXECUTOR).

Run:  python benchmarks/sweep_bench.py [--starts 1000000] [--memory-starts 10000000]
Targets (issue 5): >= 800 M neuron-epochs/s and >= 5x the straightforward version;
<= 500 MB peak for 1e7 starts. The script prints the figures and compares; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

EPOCHS, LR, TOLERANCE, PLATEAU_FRACTION = 300, 0.15, 0.1, 0.1


def sweep_config(starts: int, epochs: int = EPOCHS) -> dict:
    from lossexp.config import resolve
    from lossexp.sweep.spec import sweep_section

    data = {
        "name": "bench", "plots": False,
        "task": {"kind": "one_to_zero"},
        "model": {"kind": "neuron", "activation": "sigmoid", "init": {"w": 0.0, "b": 0.0}},
        "loss": "quadratic",
        "train": {"lr": LR, "epochs": epochs},
        "target": {"tolerance": TOLERANCE, "plateau_fraction": PLATEAU_FRACTION},
        "sweep": {"random": {"count": starts, "seed": 0}},
    }
    return resolve(data, {}, "<bench>", default_name="bench", extra={"sweep": sweep_section()})


def straightforward(w, b, *, x=1.0, y=0.0, lr=LR, epochs=EPOCHS, tol=TOLERANCE,
                    fraction=PLATEAU_FRACTION):
    """The same sweep as one whole-array NumPy computation: sigmoid neuron, C = (a - y)^2 / 2."""
    w, b = w.copy(), b.copy()
    n = w.size
    epochs_to_target, plateau, half_way = np.full(n, -1), np.full(n, -1), np.full(n, -1)
    diverged = np.zeros(n, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(epochs + 1):
            z = w * x + b
            a = 1.0 / (1.0 + np.exp(-z))
            loss = 0.5 * (a - y) ** 2
            delta = (a - y) * a * (1.0 - a)
            grad_w, grad_b = delta * x, delta
            r = np.abs(a - y)
            if t == 0:
                plateau_bound, half_bound = r - fraction * (r - tol), r - 0.5 * (r - tol)
            for first, bound in ((epochs_to_target, tol), (plateau, plateau_bound),
                                 (half_way, half_bound)):
                first[(r < bound) & (first == -1)] = t
            diverged |= ~np.isfinite(loss)
            if t < epochs:
                w = w - lr * grad_w
                b = b - lr * grad_b
    return {"epochs_to_target": epochs_to_target, "final_loss": loss, "final_output": a,
            "plateau_epochs": plateau, "half_way_epochs": half_way, "diverged": diverged}


def summaries_of_chunk(plan, index):
    """One chunk through the sweep's training path; its per-start outcome arrays."""
    from lossexp.sweep.chunk import train_starts

    return train_starts(plan, plan.chunk(index)).outcome


def sweep_outcomes(plan, pool) -> dict:
    """Every chunk on ``pool`` (a lossexp.sweep.executors pool), outcomes gathered in order."""
    futures = [pool.submit(summaries_of_chunk, plan, i) for i in range(plan.total_chunks)]
    parts = [f.result() for f in futures]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def rate(neuron_epochs: float, seconds: float) -> str:
    return f"{neuron_epochs / seconds / 1e6:8.1f} M neuron-epochs/s  ({seconds:6.2f} s)"


def measure_speed(starts: int, workers: int) -> None:
    from lossexp.sweep import run_sweep
    from lossexp.sweep.executors import DEFAULT_EXECUTOR, open_pool
    from lossexp.sweep.plan import Plan

    cfg = sweep_config(starts)
    plan = Plan(cfg)
    w, b = plan.starts.values(0, starts)
    work = starts * EPOCHS
    print(f"{starts} random starts (w, b ~ N(0, 1)) x {EPOCHS} epochs, float64, quadratic cost, "
          f"{workers} workers, chunks of {plan.chunk_size}")

    t0 = time.perf_counter()
    plain = straightforward(w, b)
    t_plain = time.perf_counter() - t0
    print(f"  {'straightforward whole-array NumPy':35s}: {rate(work, t_plain)}")

    from lossexp.train import neuron_kernel

    if not neuron_kernel.available():
        print("  (the compiled kernel is not built: both sweep lines below use the engine)")
    best, outcomes = {}, {}
    for path, kernel in (("kernel", True), ("engine", False)):
        plan = Plan(cfg, kernel=kernel)
        seconds = {}
        for kind in ("threads", "processes"):
            with open_pool(kind, workers) as pool:
                # Start every worker first (one busy task each): start-up is not sweep time.
                for warm in [pool.submit(time.sleep, 1.0) for _ in range(workers)]:
                    warm.result()
                t0 = time.perf_counter()
                outcomes[path] = sweep_outcomes(plan, pool)
                seconds[kind] = time.perf_counter() - t0
            print(f"  {f'sweep, {path}, {workers} {kind}':35s}: {rate(work, seconds[kind])}")
        with open_pool("threads", 1) as pool:
            t0 = time.perf_counter()
            sweep_outcomes(plan, pool)
            t_one = time.perf_counter() - t0
        print(f"  {f'sweep, {path}, 1 core':35s}: {rate(work, t_one)}")
        best[path] = min(seconds.values())
    t_sweep, ours = best["kernel"], outcomes["kernel"]
    same_bits = all(np.array_equal(ours[k].view(np.uint8), outcomes["engine"][k].view(np.uint8))
                    for k in ours)
    print(f"  kernel / engine speed ratio: {best['engine'] / t_sweep:.2f}x; "
          f"every outcome bit for bit the same: {same_bits}")

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep(cfg, Path(tmp), workers=workers)
        t_files = time.perf_counter() - t0
        size = (Path(tmp) / "bench" / "sweep.csv").stat().st_size
    print(f"  {'run_sweep with files (no figures)':35s}: {rate(work, t_files)}  "
          f"[{DEFAULT_EXECUTOR}, sweep.csv {size / 1e6:.0f} MB, worker start-up included]")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep({**cfg, "sweep": {**cfg["sweep"], "rows": False}}, Path(tmp), workers=workers)
        t_lean = time.perf_counter() - t0
    print(f"  {'run_sweep, rows: false (no csv)':35s}: {rate(work, t_lean)}  "
          f"[summary.json only, worker start-up included]")

    same = np.mean(ours["epochs_to_target"] == plain["epochs_to_target"])
    close = np.allclose(ours["final_loss"], plain["final_loss"], rtol=1e-9, atol=1e-300)
    print(f"  agreement with the straightforward version: epochs to target equal for "
          f"{100 * same:.4f}% of starts; final losses within 1e-9: {close}")
    ratio = t_plain / t_sweep
    print(f"  sweep / straightforward speed ratio: {ratio:.2f}x   (target >= 5x: "
          f"{'met' if ratio >= 5 else 'NOT met'})")
    print(f"  sweep throughput {work / t_sweep / 1e6:.0f} M neuron-epochs/s   (target >= 800: "
          f"{'met' if work / t_sweep >= 800e6 else 'NOT met'})")


MEMORY_CHILD = """
import resource, sys, tempfile, threading, time
from pathlib import Path
sys.path.insert(0, {here!r})
from sweep_bench import sweep_config
import lossexp.sweep.output as output
from lossexp.sweep import run_sweep

phase, peak = ["training"], {{"training": 0, "writing files": 0}}
def sample():  # resident set size of this process, by phase, every 20 ms
    while True:
        rss = int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
        peak[phase[0]] = max(peak[phase[0]], rss)
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
write_outputs = output.write_outputs
def writing(*args, **kwargs):
    phase[0] = "writing files"
    return write_outputs(*args, **kwargs)
output.write_outputs = writing
with tempfile.TemporaryDirectory() as tmp:
    run_sweep(sweep_config({starts}, {epochs}), Path(tmp), workers={workers})
    csv = (Path(tmp) / "bench" / "sweep.csv").stat().st_size
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(me, kids, csv, peak["training"] // 1024, peak["writing files"] // 1024)
"""


def measure_memory(starts: int, epochs: int, workers: int) -> None:
    from lossexp.sweep.executors import DEFAULT_EXECUTOR

    code = MEMORY_CHILD.format(here=str(Path(__file__).resolve().parent), starts=starts,
                               epochs=epochs, workers=workers)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    parent_kb, worker_kb, csv, training_kb, writing_kb = (int(v) for v in out.stdout.split())
    # Worker threads live in the main process; worker processes each hold their own memory.
    total_mb = (parent_kb + (workers * worker_kb if worker_kb else 0)) / 1024
    print(f"{starts} starts x {epochs} epochs through run_sweep ({workers} workers, "
          f"{DEFAULT_EXECUTOR}, {seconds:.0f} s, sweep.csv {csv / 1e9:.2f} GB):")
    workers_text = f", largest worker process {worker_kb / 1024:.0f} MB" if worker_kb else ""
    print(f"  peak RSS: main process {parent_kb / 1024:.0f} MB{workers_text}; all processes "
          f"together at most {total_mb:.0f} MB "
          f"(target <= 500: {'met' if total_mb <= 500 else 'NOT met'})")
    print(f"  main process, sampled every 20 ms: {training_kb / 1024:.0f} MB while training, "
          f"{writing_kb / 1024:.0f} MB while writing the files")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--memory-starts", type=int, default=10_000_000,
                        help="starts for the peak-memory run (0: skip it)")
    parser.add_argument("--memory-epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    # Memory first: Linux carries a process's peak RSS over into the children it forks, so
    # the subprocess must start before this process has held the big arrays below.
    if args.memory_starts:
        measure_memory(args.memory_starts, args.memory_epochs, args.workers)
    measure_speed(args.starts, args.workers)


if __name__ == "__main__":
    main()
