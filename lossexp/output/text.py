"""Plain-text formatting shared by tables, reports and printed commands (no rich, no numpy)."""

from __future__ import annotations

import math
import shlex


def cell(value, *, none: str = "—", digits: int = 4) -> str:
    """A value as a table cell: `digits` significant digits, yes/no, ``none`` for nothing.

    NaN and infinities count as nothing: they are what a diverged run leaves.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return none
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value + 0.0:.{digits}g}"  # + 0.0 turns -0.0 into 0
    return str(value)


def exact(value: float) -> str:
    """The shortest text that reads back as ``value`` ("1" for 1.0, "0.15"), for labels
    that must tell apart any two settings."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def markdown_table(header: list[str], rows: list[list[str]], *, numeric: bool = False) -> str:
    """A GitHub-flavoured markdown table of already formatted cells.

    With ``numeric`` every column but the first is right-aligned.
    """
    def row(cells):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    rule = ["---"] + (["---:"] if numeric else ["---"]) * (len(header) - 1)
    return "\n".join([row(header), row(rule), *map(row, rows)]) + "\n"


def shell_command(*words) -> str:
    """Words joined into a command line a POSIX shell reads back as the same words."""
    return shlex.join(str(w) for w in words)
