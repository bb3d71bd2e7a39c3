"""Steps per second of full-batch gradient descent on a 2-16-16-1 sigmoid MLP, 64 samples.

Times lossexp's engine (``engine.train`` with no recorders: forward, backward and update
every step; the engine computes the loss only when a recorder reads it, so here never)
against a minimal hand-written NumPy loop doing the same three things with 2-D arrays, in
the same process, interleaved, best of ``--repeat`` rounds each (the machine is shared
and noisy: only the ratio means much).

A second hand-written loop uses lossexp's overflow-free formulas (sigmoid from
exp(-|z|), the slope recomputed from z in the backward pass, as lossexp.library.activations
does). The minimal loop's naive 1 / (1 + exp(-z)) overflows with a warning for z < -709;
the gap between the two loops is the price of those numerics, the rest is the engine's.

    python benchmarks/mlp_bench.py [--steps 5000] [--repeat 5] [--profile]

Targets (issue 4): >= 20,000 steps/s, and >= 0.85x the hand-written loop. If torch is
importable, the ratio against a torch eager loop is printed too (torch is never required).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as the CLI does: tiny matrices, one thread

import numpy as np  # noqa: E402

from lossexp.library import activations  # noqa: E402

from lossexp.library import losses
from lossexp.train.engine import Network, Params, train  # noqa: E402

LAYERS = [2, 16, 16, 1]
SAMPLES = 64
LR = 0.5
TARGET_STEPS_PER_S = 20_000
TARGET_RATIO = 0.85


def problem(seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:])]
    biases = [rng.standard_normal(n_out) for n_out in LAYERS[1:]]
    x = rng.standard_normal((SAMPLES, LAYERS[0]))
    y = (x[:, :1] * x[:, 1:] > 0).astype(np.float64)
    return weights, biases, x, y


def engine_run(steps: int) -> float:
    weights, biases, x, y = problem()
    params = Params([w[None].copy() for w in weights], [b[None].copy() for b in biases])
    sigmoid = activations.get("sigmoid")
    network = Network([sigmoid] * 3, losses.get("quadratic"))
    start = time.perf_counter()
    train(network, params, x, y, lr=LR, epochs=steps)
    return time.perf_counter() - start


def _naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _slope_from_output(z, a):
    return a * (1.0 - a)


def _stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _slope_from_z(z, a):
    e = np.exp(-np.abs(z))
    s = 1.0 / (1.0 + e)
    return (e * s) * s


def hand_run(steps: int, sigmoid, slope) -> float:
    """A hand-written loop: forward, backward, update; 2-D arrays, no runs axis."""
    weights, biases, x, y = problem()
    W1, W2, W3 = weights
    b1, b2, b3 = biases
    n = len(x)
    start = time.perf_counter()
    for _ in range(steps + 1):
        z1 = x @ W1.T + b1
        h1 = sigmoid(z1)
        z2 = h1 @ W2.T + b2
        h2 = sigmoid(z2)
        z3 = h2 @ W3.T + b3
        a = sigmoid(z3)
        r = a - y
        d3 = r * slope(z3, a) / n
        d2 = (d3 @ W3) * slope(z2, h2)
        d1 = (d2 @ W2) * slope(z1, h1)
        W3 -= LR * (d3.T @ h2)
        b3 -= LR * d3.sum(axis=0)
        W2 -= LR * (d2.T @ h1)
        b2 -= LR * d2.sum(axis=0)
        W1 -= LR * (d1.T @ x)
        b1 -= LR * d1.sum(axis=0)
    return time.perf_counter() - start


def numpy_run(steps: int) -> float:
    """The minimal loop: naive sigmoid, slope a (1 - a) from the stored outputs."""
    return hand_run(steps, _naive_sigmoid, _slope_from_output)


def stable_numpy_run(steps: int) -> float:
    """The minimal loop with lossexp's overflow-free sigmoid, slope recomputed from z."""
    return hand_run(steps, _stable_sigmoid, _slope_from_z)


def torch_run(steps: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    weights, biases, x, y = problem()
    params = [torch.tensor(p, requires_grad=True) for pair in zip(weights, biases) for p in pair]
    xt, yt = torch.tensor(x), torch.tensor(y)
    start = time.perf_counter()
    for _ in range(steps + 1):
        h = xt
        for w, b in zip(params[::2], params[1::2]):
            h = torch.sigmoid(h @ w.T + b)
        cost = 0.5 * ((h - yt) ** 2).sum(dim=1).mean()
        grads = torch.autograd.grad(cost, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= LR * g
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true",
                        help="also print where the engine's time goes (cProfile)")
    args = parser.parse_args()
    runners = {"lossexp engine": engine_run, "hand-written numpy": numpy_run,
               "hand, stable formulas": stable_numpy_run}
    if torch_run(10) is not None:
        runners["torch eager"] = torch_run
    best = {name: float("inf") for name in runners}
    for name, run in runners.items():  # warm-up
        run(args.steps // 10)
    for _ in range(args.repeat):
        for name, run in runners.items():
            best[name] = min(best[name], run(args.steps))
    rate = {name: args.steps / seconds for name, seconds in best.items()}
    print(f"2-16-16-1 sigmoid MLP, {SAMPLES} samples, full-batch GD, {args.steps} steps, "
          f"best of {args.repeat}")
    for name, value in rate.items():
        print(f"  {name:22s} {value:10,.0f} steps/s  ({1e6 / value:6.1f} us/step)")
    engine, plain = rate["lossexp engine"], rate["hand-written numpy"]
    print(f"  engine / numpy        {engine / plain:10.2f}x   (target >= {TARGET_RATIO}x)")
    print(f"  engine / stable       {engine / rate['hand, stable formulas']:10.2f}x   "
          "(the engine's own overhead)")
    if "torch eager" in rate:
        print(f"  engine / torch        {engine / rate['torch eager']:10.2f}x")
    ok = engine >= TARGET_STEPS_PER_S and engine / plain >= TARGET_RATIO
    verdict = "met" if ok else "NOT met"
    print(f"  target {TARGET_STEPS_PER_S:,} steps/s and {TARGET_RATIO}x: {verdict}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(engine_run, args.steps)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
