"""Whole-process timing of `lossexp run` and `lossexp --help`, against a plain script.

The baseline is a minimal NumPy + matplotlib script that trains the same neuron and saves
one plot, timed in the same session (the machine is shared and noisy, so only ratios
against a baseline measured alongside mean anything). Each command runs ``--repeat`` times
interleaved; the median is reported.

    python benchmarks/run_bench.py [--repeat 7]

Targets (issue 2): run <= 0.7 s and <= 1.35x the plain script; --help <= 120 ms.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import compile_bytecode

ROOT = Path(__file__).resolve().parent.parent

PLAIN_SCRIPT = r"""
import sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

w, b, lr, epochs = 2.0, 2.0, 0.15, 300
losses = np.empty(epochs + 1)
for t in range(epochs + 1):
    a = 1.0 / (1.0 + np.exp(-(w + b)))
    losses[t] = 0.5 * a * a
    delta = a * a * (1.0 - a)
    w, b = w - lr * delta, b - lr * delta
fig, ax = plt.subplots()
ax.plot(losses)
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
fig.savefig(sys.argv[1] + "/loss.png")
"""


def lossexp_command() -> list[str]:
    """The lossexp script of this interpreter's environment (not another one on PATH)."""
    beside = Path(sys.executable).with_name("lossexp")
    exe = str(beside) if beside.exists() else shutil.which("lossexp")
    return [exe] if exe else [sys.executable, "-m", "lossexp"]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    lossexp = lossexp_command()
    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "plain script (numpy + matplotlib, one plot)": [sys.executable, "-c", PLAIN_SCRIPT, tmp],
            "lossexp run configs/mse_unlucky.yaml": lossexp + [
                "run", str(ROOT / "configs" / "mse_unlucky.yaml"), "--outputs", tmp, "--quiet"],
            "lossexp --help": lossexp + ["--help"],
        }
        for cmd in commands.values():  # warm the file cache once
            timed(cmd)
        samples = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, cmd in commands.items():
                samples[name].append(timed(cmd))
    medians = {name: statistics.median(v) for name, v in samples.items()}
    for name, value in medians.items():
        print(f"{name:48s} median {value * 1000:7.1f} ms  (min {min(samples[name]) * 1000:.1f})")
    plain, run = medians[list(commands)[0]], medians[list(commands)[1]]
    help_ms = medians["lossexp --help"] * 1000
    print(f"run / plain script ratio: {run / plain:.2f}x   (target <= 1.35x)")
    print(f"run wall time: {run:.3f} s   (target <= 0.7 s)")
    print(f"--help: {help_ms:.0f} ms   (target <= 120 ms)")


if __name__ == "__main__":
    main()
