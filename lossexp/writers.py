"""Deterministic CSV and JSON: the same numbers always give the same bytes.

Floats are written with Python's shortest round-trip repr, so a CSV read back gives the
exact float64 values; non-finite values are 'nan'/'inf' in CSV and null in JSON.
"""

from __future__ import annotations

import json
import math

import numpy as np


def format_value(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is None:
        return ""
    return repr(float(value))


def csv_text(columns: dict[str, np.ndarray] | dict[str, list]) -> str:
    names = list(columns)
    cols = [np.asarray(columns[n]).tolist() for n in names]
    lines = [",".join(names)]
    for row in zip(*cols):
        lines.append(",".join(format_value(v) for v in row))
    return "\n".join(lines) + "\n"


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def json_text(data) -> str:
    return json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n"
