"""Run every shipped config, demo, sweep, comparison and check into one directory, or compare two.

A refactoring must not change any number lossexp prints or writes. Run this before and after:

    python benchmarks/all_outputs.py write /tmp/before      # on the old commit
    python benchmarks/all_outputs.py write /tmp/after       # on the new one
    python benchmarks/all_outputs.py diff /tmp/before /tmp/after

`diff` lists every file that is missing on one side or whose bytes differ, and exits 1 if any
is. The terminal output of each command is saved too (as <step>.out), so printed numbers are
compared as well as written ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


def is_sweep(config: Path) -> bool:
    return any(line.startswith("sweep:") for line in config.read_text().splitlines())


def lossexp(out: Path, step: str, *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "lossexp", *args], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    (out / f"{step}.out").write_text(f"exit {done.returncode}\n{done.stdout}{done.stderr}")


def write(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=False)
    results = out / "outputs"
    for config in CONFIGS:
        command = "sweep" if is_sweep(config) else "run"
        lossexp(out, f"{command}_{config.stem}", command, str(config), "--outputs", str(results))
    demos = subprocess.run([sys.executable, "-m", "lossexp", "demo"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    for name in [line.split()[0] for line in demos.splitlines() if line.strip()]:
        lossexp(out, f"demo_{name}", "demo", name, "--outputs", str(results))
    runs = [str(results / name) for name in ("mse_lucky", "mse_unlucky", "ce_unlucky_same_lr")]
    lossexp(out, "compare", "compare", *runs, "--out", str(results / "compare"))
    plain = [str(c) for c in CONFIGS if not is_sweep(c)]
    lossexp(out, "baseline", "baseline", *plain, "--dir", str(out / "baselines"))
    lossexp(out, "check", "check", *plain, "--dir", str(out / "baselines"))
    lossexp(out, "check_shipped", "check", *plain)


def files(root: Path) -> dict[str, bytes]:
    """Each file's bytes, with the directory's own path (which commands print) made neutral."""
    here = str(root.resolve()).encode()
    return {str(p.relative_to(root)): p.read_bytes().replace(here, b"<DIR>")
            for p in sorted(root.rglob("*")) if p.is_file()}


def diff(before: Path, after: Path) -> int:
    old, new = files(before), files(after)
    bad = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
    for name in bad:
        state = "only before" if name not in new else "only after" if name not in old else "differs"
        print(f"{state}: {name}")
    print(f"{len(old.keys() & new.keys()) - len([n for n in bad if n in old and n in new])} "
          f"files identical, {len(bad)} not")
    return 1 if bad else 0


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["write", out]:
            write(Path(out).resolve())
        case ["diff", before, after]:
            sys.exit(diff(Path(before), Path(after)))
        case _:
            sys.exit(__doc__)
