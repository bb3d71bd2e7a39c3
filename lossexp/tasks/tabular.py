"""The csv task: a user's table, with chosen input and target columns.

The file is comma-separated text with a header row naming the columns. In a config, a
relative ``path`` is taken from the config file's directory (from the current directory
when a --set gives it), and a missing file is a ConfigError naming the config's line and
``task.path``. Only the chosen columns are read as numbers, so other columns (names,
dates) may hold anything. Every problem inside the file is a ConfigError naming the file
and, where it has one, the line and the column, but never quotes the file's content. The
file must lie in the config's directory or below it, or in a ``--data-dir``.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from lossexp import schema as s
from lossexp.errors import ConfigError
from lossexp.tasks.base import Data, TaskKind


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) for every non-blank row, the header first."""
    where = str(path)
    if not path.exists():
        raise ConfigError(where, "task.path", "no such file")
    if path.is_dir():
        raise ConfigError(where, "task.path", "is a directory, not a CSV file")
    if not path.is_file():
        raise ConfigError(where, "task.path", "is not a regular file")
    try:
        # utf-8-sig: a byte-order mark, which spreadsheets write, is not part of the header.
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            return [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except UnicodeDecodeError as exc:
        raise ConfigError(where, "", f"not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise ConfigError(where, "", f"not valid CSV: {exc}") from None
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read: {exc.strerror}") from None


def _column_index(header: list[str], wanted: list[str], key: str, where: str) -> list[int]:
    # No message quotes the file: the path may name a file the user never meant to show
    # (a config handed to them), so only counts and the user's own column names appear.
    names = [h.strip() for h in header]
    for name in wanted:
        if name not in names:
            raise ConfigError(where, key, f"no column {name!r} in the header row "
                              f"({len(names)} columns)")
        if names.count(name) > 1:
            raise ConfigError(where, key, f"column {name!r} appears {names.count(name)} times "
                              "in the header")
    return [names.index(name) for name in wanted]


def _number(cell: str, column: str, where: str) -> float:
    text = cell.strip()
    if not text:
        raise ConfigError(where, f"column {column!r}", "empty cell")
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(where, f"column {column!r}", "not a number") from None
    if not math.isfinite(value):
        raise ConfigError(where, f"column {column!r}", "not a finite number")
    return value


def read_table(path, inputs: list[str], targets: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The chosen columns of a CSV file: float64 x (N, len(inputs)) and y (N, len(targets))."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise ConfigError(str(path), "", "empty file; expected a header row naming the columns")
    header_line, header = rows[0]
    header_where = f"{path}:{header_line}"
    both = sorted(set(inputs) & set(targets))
    if both:
        raise ConfigError(header_where, "task.targets", f"column {both[0]!r} is also an input")
    x_cols = _column_index(header, inputs, "task.inputs", header_where)
    y_cols = _column_index(header, targets, "task.targets", header_where)
    if len(rows) == 1:
        raise ConfigError(str(path), "", "no data rows after the header")
    x, y = [], []
    for line, row in rows[1:]:
        where = f"{path}:{line}"
        if len(row) != len(header):
            raise ConfigError(where, "", f"has {len(row)} fields, the header has {len(header)}")
        x.append([_number(row[i], name, where) for i, name in zip(x_cols, inputs)])
        y.append([_number(row[i], name, where) for i, name in zip(y_cols, targets)])
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def _csv(p, rng):
    x, y = read_table(p["path"], p["inputs"], p["targets"])
    return Data(x, y, classification=p["classification"])


TASKS: dict[str, TaskKind] = {
    "csv": TaskKind(
        fields={"path": s.File(doc="the CSV file (header row first), relative to the "
                                   "config file's directory"),
                "inputs": s.ListOf(s.Text(), min_len=1, doc="input column names"),
                "targets": s.ListOf(s.Text(), min_len=1, doc="target column names"),
                "classification": s.Boolean(default=False,
                                            doc="targets are 0/1 labels or one-hot rows: "
                                                "record accuracy")},
        make=_csv, shape=lambda p: (len(p["inputs"]), len(p["targets"])),
        doc="a user's CSV file: chosen input and target columns"),
}
