"""Whole-process timing of `lossexp run --report --animate` against a plain `lossexp run`.

Both run in the same session, interleaved, ``--repeat`` times; the medians, their ratio
and the sizes of what --report and --animate wrote are printed. With ``--before SRC``
(a source tree of lossexp from before the report code, e.g. made by
``git archive <commit> | tar -x -C SRC``) a plain run of that tree is timed alongside, to
show that a run without the new flags is no slower than before.

    python benchmarks/report_bench.py [--repeat 7] [--before SRC]

Target (issue 16): run --report --animate under 3 s on the project's 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_bench import ROOT, lossexp_command

CONFIG = str(ROOT / "configs" / "mse_unlucky.yaml")


def timed(cmd: list[str], env=None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - start


def gif_seconds(path: Path) -> tuple[int, float]:
    from PIL import Image

    with Image.open(path) as gif:
        total = 0
        for i in range(gif.n_frames):
            gif.seek(i)
            total += gif.info["duration"]
        return gif.n_frames, total / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--before", type=Path, help="source tree of lossexp before issue 16")
    args = parser.parse_args()
    lossexp = lossexp_command()
    with tempfile.TemporaryDirectory() as tmp:
        plain_out, full_out, before_out = (Path(tmp) / d for d in ("plain", "full", "before"))
        commands = {
            "lossexp run (no flags)": (lossexp + ["run", CONFIG, "--outputs", str(plain_out),
                                                  "--quiet"], None),
            "lossexp run --report --animate": (lossexp + [
                "run", CONFIG, "--outputs", str(full_out), "--quiet", "--report", "--animate"],
                None),
        }
        if args.before:
            # Both through python -m, so that only the source tree differs.
            env = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
            module = [sys.executable, "-m", "lossexp", "run", CONFIG, "--quiet", "--outputs"]
            commands["now: python -m lossexp run"] = (module + [str(before_out / "now")], None)
            commands["before issue 16: python -m lossexp run"] = (
                module + [str(before_out / "then")], env)
        for cmd, env in commands.values():  # warm the file cache once
            timed(cmd, env)
        samples = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, (cmd, env) in commands.items():
                samples[name].append(timed(cmd, env))
        run_dir = full_out / "mse_unlucky"
        report, gif = run_dir / "report.html", run_dir / "animation.gif"
        frames, seconds = gif_seconds(gif)
        sizes = (f"report.html {report.stat().st_size / 1e3:.0f} kB, animation.gif "
                 f"{gif.stat().st_size / 1e3:.0f} kB ({frames} frames, plays {seconds:.1f} s)")
    medians = {name: statistics.median(v) for name, v in samples.items()}
    for name, value in medians.items():
        print(f"{name:44s} median {value:6.3f} s  (min {min(samples[name]):.3f} s)")
    plain, full = medians["lossexp run (no flags)"], medians["lossexp run --report --animate"]
    print(f"--report --animate / plain run: {full / plain:.2f}x; {full:.2f} s "
          f"(target < 3 s)")
    if args.before:
        now, before = (medians[f"{when}: python -m lossexp run"]
                       for when in ("now", "before issue 16"))
        print(f"plain run now / before issue 16: {now / before:.2f}x")
    print(sizes)


if __name__ == "__main__":
    main()
