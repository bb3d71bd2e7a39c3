"""Regenerate every result number in the docs from the commands that produce it.

docs/losses.md holds, under each demo, a block between two markers:

    <!-- numbers: lossexp demo NAME -->
    ...table and findings, written by this script...
    <!-- end numbers -->

This script runs each demo (``lossexp.demos.catalogue.run_demo``, exactly what
``lossexp demo NAME`` runs) and rewrites the block with the demo's table and findings, so the
docs cannot drift from what the command prints. Prose outside the blocks states no results.

    python benchmarks/docs_numbers.py            # rewrite the docs
    python benchmarks/docs_numbers.py --check    # exit 1, naming the stale blocks, if any
    python benchmarks/docs_numbers.py --check outlier_factor smoothness   # only these demos

All demos take about a minute on one core, so CI runs the full check (.ci/run) and the
test suite checks only the fast ones (tests/test_docs_numbers.py).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "losses.md",)
BLOCK = re.compile(r"(<!-- numbers: lossexp demo (\w+) -->\n)(.*?)(<!-- end numbers -->)", re.S)


def generated(name: str) -> str:
    """The block's text for demo ``name``: its table, then its findings as a list."""
    from lossexp.demos import catalogue

    report = catalogue.run_demo(name, ROOT / "configs")
    findings = "".join(f"- {line}\n" for line in report.findings)
    return f"{catalogue.report_table(report)}\n{findings}"


def refreshed(text: str, only: set[str] | None = None) -> tuple[str, list[str]]:
    """``text`` with its blocks regenerated (those of ``only``, when given), and the names of
    the blocks that changed."""
    changed = []

    def block(match):
        name = match.group(2)
        if only is not None and name not in only:
            return match.group(0)
        body = generated(name)
        if body != match.group(3):
            changed.append(name)
        return f"{match.group(1)}{body}{match.group(4)}"

    return BLOCK.sub(block, text), changed


def names_in(text: str) -> list[str]:
    return [m.group(2) for m in BLOCK.finditer(text)]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    only = {a for a in argv if not a.startswith("--")} or None
    stale = []
    for path in DOCS:
        text, changed = refreshed(path.read_text(), only)
        stale += [f"{path.relative_to(ROOT)}: lossexp demo {n}" for n in changed]
        if changed and not check:
            path.write_text(text)
    for line in stale:
        print(("stale " if check else "rewrote ") + line)
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
