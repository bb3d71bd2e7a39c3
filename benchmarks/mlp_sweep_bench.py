"""How fast is an MLP sweep? 1000 seeds x 1000 epochs of the 2-16-1 sigmoid network on the
100 blobs samples of configs/sweep_mlp_seeds.yaml (quadratic cost, init scale 3), one core.

Times, in one process, on one core (best of ``--repeat`` rounds; the machine is shared):
  1. batched: the sweep's own work, chunk after chunk of the default size
     (lossexp.sweep.mlp_chunk.train_seeds: the engine on the runs axis, with the
     OutcomeTracker and accuracy recording every epoch, every network's outcome returned);
  2. one at a time: the same networks, each trained alone by the engine with the same
     recorders (``--alone N`` of them, default all; fewer are timed and scaled up, and the
     script says so);
  3. hand-written: a plain batched NumPy loop (matmul over the runs axis, forward, backward
     and update, nothing recorded), the same networks and data, in the same chunks and in
     one batch of all the seeds; its final losses are checked against the engine's.

Run:  python benchmarks/mlp_sweep_bench.py [--seeds 1000] [--epochs 1000] [--alone 1000]
                                           [--repeat 3]
Targets (issue 13): batched >= 10x one at a time, and >= 0.8x the hand-written loop (its
time / ours). The script prints the figures and compares; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "sweep_mlp_seeds.yaml"


def plan_for(seeds: int, epochs: int, chunk_size: int | None = None):
    """A one-series plan (quadratic, scale 3); chunks of the sweep's default size."""
    from lossexp.sweep import load_sweep_config
    from lossexp.sweep.kinds import plan_of

    cfg = load_sweep_config(CONFIG, [f"sweep.seeds={seeds}", "sweep.scales=[3.0]",
                                     "sweep.losses=[quadratic]", f"train.epochs={epochs}"])
    return plan_of(cfg, chunk_size)


def batched(plan) -> tuple[float, np.ndarray]:
    from lossexp.sweep.mlp_chunk import train_seeds

    start = time.perf_counter()
    losses = [train_seeds(plan, plan.chunk(i))["final_loss"] for i in range(plan.total_chunks)]
    return time.perf_counter() - start, np.concatenate(losses)


def one_at_a_time(plan, count: int) -> tuple[float, list]:
    """The first ``count`` seeds, each a batch of one, as `lossexp run` would train them."""
    from dataclasses import replace

    from lossexp.sweep.mlp_chunk import train_seeds

    start, losses = time.perf_counter(), []
    for i in range(count):
        out = train_seeds(plan, replace(plan.chunk(0), lo=i, hi=i + 1))
        losses.append(out["final_loss"][0])
    return time.perf_counter() - start, losses


def hand_written(plan, safe: bool = False) -> tuple[float, np.ndarray]:
    """The hand-written loop on each chunk of ``plan``."""
    elapsed, losses = 0.0, []
    for i in range(plan.total_chunks):
        took, loss = hand_written_chunk(plan, plan.chunk(i), safe)
        elapsed += took
        losses.append(loss)
    return elapsed, np.concatenate(losses)


def naive_sigmoid(z):
    """1 / (1 + e^-z) and its slope a (1 - a): overflows (a warning) for z < -709."""
    a = 1.0 / (1.0 + np.exp(-z))
    return a, a * (1.0 - a)


def safe_sigmoid(z):
    """lossexp's overflow-free formulas (lossexp.library.activations.Sigmoid): the exponent
    clipped, and the slope e^-z a^2 without the cancellation of 1 - a."""
    e = np.exp(np.minimum(-z, 700.0))
    a = 1.0 / (1.0 + e)
    return a, e * a * a


def hand_written_chunk(plan, chunk, safe: bool = False) -> tuple[float, np.ndarray]:
    """Quadratic cost, sigmoid layers, mean over samples: a plain batched loop."""
    from lossexp.sweep.mlp_chunk import seed_params
    from lossexp.tasks import make_data

    cfg = plan.series[0].config
    data = make_data(cfg["task"], cfg["train"]["seed"])
    x, y, lr, n = data.x, data.y, cfg["train"]["lr"], data.x.shape[0]
    p = seed_params(cfg["model"]["init"], cfg["model"]["layers"], plan.seeds(chunk))
    w1, w2 = p.weights
    b1, b2 = p.biases
    sigmoid = safe_sigmoid if safe else naive_sigmoid
    start = time.perf_counter()
    with np.errstate(over="ignore"):
        for _ in range(plan.epochs):
            a1, s1 = sigmoid(np.matmul(x, w1.transpose(0, 2, 1)) + b1[:, None, :])  # (R, N, 16)
            a2, s2 = sigmoid(np.matmul(a1, w2.transpose(0, 2, 1)) + b2[:, None, :])  # (R, N, 1)
            d2 = (a2 - y) * s2 / n
            d1 = np.matmul(d2, w2) * s1
            w2 -= lr * np.matmul(d2.transpose(0, 2, 1), a1)
            b2 -= lr * d2.sum(axis=1)
            w1 -= lr * np.matmul(d1.transpose(0, 2, 1), x)
            b1 -= lr * d1.sum(axis=1)
        elapsed = time.perf_counter() - start
        a1 = sigmoid(np.matmul(x, w1.transpose(0, 2, 1)) + b1[:, None, :])[0]
        a2 = sigmoid(np.matmul(a1, w2.transpose(0, 2, 1)) + b2[:, None, :])[0]
    return elapsed, (0.5 * (a2 - y) ** 2).sum(axis=2).mean(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--alone", type=int, default=None,
                        help="networks timed one at a time (default: all; fewer are scaled up)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = plan_for(args.seeds, args.epochs)
    whole = plan_for(args.seeds, args.epochs, args.seeds)
    alone = min(args.alone or args.seeds, args.seeds)
    net_epochs = args.seeds * args.epochs
    t_batch = t_hand = t_whole = t_safe = np.inf
    for _ in range(args.repeat):  # interleaved, best of each
        took, losses = batched(plan)
        t_batch = min(t_batch, took)
        took, hand_loss = hand_written(plan)
        t_hand = min(t_hand, took)
        t_whole = min(t_whole, hand_written(whole)[0])
        t_safe = min(t_safe, hand_written(plan, safe=True)[0])
    t_alone, alone_loss = one_at_a_time(plan, alone)
    t_alone_all = t_alone * args.seeds / alone
    assert np.array_equal(np.array(alone_loss), losses[:alone])  # the same bits
    agree = np.allclose(hand_loss, losses, rtol=1e-6, atol=1e-12)
    print(f"{args.seeds} seeds x {args.epochs} epochs, 2-16-1 sigmoid on 100 samples, one core")
    print(f"  batched (sweep, chunks of {plan.chunk_size}): {t_batch:7.2f} s  "
          f"{net_epochs / t_batch / 1e6:5.2f} M network-epochs/s")
    scaled = "" if alone == args.seeds else f" ({alone} timed: {t_alone:.2f} s, scaled up)"
    print(f"  one at a time (engine):        {t_alone_all:7.2f} s{scaled}")
    print(f"  hand-written, same chunks:     {t_hand:7.2f} s  (final losses agree with the "
          f"engine's: {agree})")
    print(f"  hand-written, one batch:       {t_whole:7.2f} s")
    print(f"  hand-written, overflow-free:   {t_safe:7.2f} s  (lossexp's sigmoid formulas, same "
          f"chunks)")
    speedup, ratio = t_alone_all / t_batch, min(t_hand, t_whole) / t_batch
    print(f"  batched vs one at a time: {speedup:.1f}x (target >= 10x: "
          f"{'met' if speedup >= 10 else 'NOT met'})")
    print(f"  batched vs the faster minimal hand-written: {ratio:.2f}x (target >= 0.8x: "
          f"{'met' if ratio >= 0.8 else 'NOT met'})")
    print(f"  batched vs the overflow-free hand-written:  {t_safe / t_batch:.2f}x")


if __name__ == "__main__":
    main()
