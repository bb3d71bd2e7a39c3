"""Deterministic CSV and JSON: the same numbers always give the same bytes.

Floats are written with Python's shortest round-trip repr, so a CSV read back gives the
exact float64 values; non-finite values are 'nan'/'inf' in CSV and null in JSON.
"""

from __future__ import annotations

import json
import math

import numpy as np

try:  # repr(float) for whole arrays, compiled (an optional part of the build, like the kernel)
    from lossexp.output._float_repr import reprs as _float_reprs
except ImportError:
    _float_reprs = None


def format_value(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is None:
        return ""
    return repr(float(value))


def format_column(values) -> list[str]:
    """Each value as ``format_value`` writes it, a whole column at once.

    Formatting by dtype with ``map`` rather than value by value makes the millions of rows
    of a big sweep several times faster to write, and floats three times faster again where
    the compiled ``_float_repr`` is built; the bytes are the same.
    """
    arr = np.asarray(values)
    if arr.dtype == np.bool_:
        return np.where(arr, "true", "false").tolist()
    if arr.dtype.kind in "iu":
        return list(map(str, arr.tolist()))
    if arr.dtype.kind == "f":
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        return _float_reprs(arr) if _float_reprs else list(map(repr, arr.tolist()))
    return [format_value(v) for v in arr.tolist()]


def csv_rows(columns: list[list[str]]) -> str:
    """Lines of already formatted cells, one row per index, each ending in a newline."""
    text = "\n".join(map(",".join, zip(*columns)))
    return text + "\n" if text or (columns and len(columns[0])) else ""


def csv_text(columns: dict[str, np.ndarray] | dict[str, list]) -> str:
    """A CSV file: a header of the column names, then one row per index."""
    return ",".join(columns) + "\n" + csv_rows([format_column(v) for v in columns.values()])


def csv_blocks(columns: dict[str, np.ndarray], rows=None, block: int = 65536):
    """``csv_text`` of the rows ``rows`` (default: all), as text blocks of ``block`` rows,
    so that a long table is never formatted whole in memory; joined, the same bytes."""
    yield ",".join(columns) + "\n"
    count = len(next(iter(columns.values()))) if columns else 0
    rows = np.arange(count) if rows is None else np.asarray(rows)
    for start in range(0, len(rows), block):
        picked = rows[start:start + block]
        yield csv_rows([format_column(np.asarray(v)[picked]) for v in columns.values()])


def plain(value):
    """``value`` as JSON writes it: NumPy numbers and arrays as Python ones, non-finite
    floats as None, recursively through dicts, lists and tuples."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def json_text(data) -> str:
    return json.dumps(plain(data), indent=2, allow_nan=False) + "\n"
