"""Reading back what lossexp wrote: text, JSON objects and metrics.csv, each failure a
one-line LossexpError naming the file (config.yaml: ``config.read_resolved_config``)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from lossexp.errors import LossexpError


def read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LossexpError(f"{path}: cannot read: {exc}") from None


def read_json(path: Path) -> dict:
    """A JSON object (summary.json, .lossexp.json, a baseline)."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise LossexpError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise LossexpError(f"{path}: expected a JSON object")
    return data


def read_metrics(path: Path) -> dict[str, np.ndarray]:
    """metrics.csv as column -> float64 array (an empty cell reads as nan); a file whose
    last line is cut short is refused, not read."""
    text = read_text(path)
    if text and not text.endswith("\n"):
        raise LossexpError(f"{path}: its last line is cut short: the file is incomplete")
    rows = list(csv.reader(text.splitlines()))
    if len(rows) < 2 or "loss" not in rows[0] or "epoch" not in rows[0]:
        raise LossexpError(f"{path}: expected a header with 'epoch' and 'loss', and rows")
    header, values = rows[0], []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise LossexpError(f"{path}:{line}: {len(row)} cells for {len(header)} columns")
        try:
            values.append([float(cell) if cell else math.nan for cell in row])
        except ValueError:
            raise LossexpError(f"{path}:{line}: a cell is not a number") from None
    table = np.array(values, dtype=np.float64)
    return {name: table[:, i] for i, name in enumerate(header)}
