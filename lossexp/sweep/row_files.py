"""A sweep's rows, a row per start or network: sweep.csv, or sweep.parquet for big sweeps.

Workers format a chunk's rows of sweep.csv as text. ``sweep.rows_format: parquet`` writes
sweep.parquet instead: the same columns, typed (float64, int64, bool; the series as a
dictionary of its labels), a milestone never reached as null where the CSV leaves its cell
empty. Workers pack each chunk's columns as .npy records (``npy_records``), not as text;
the main process writes them with pyarrow, an optional dependency (``pip install
'lossexp[parquet]'``), imported only here.

The file is cut into row groups of ``ROW_GROUP`` rows whatever the chunks were, so its
bytes do not depend on the executor, the worker count or the chunk size (for one pyarrow
version, which the file names).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossexp.sweep import npy_records
from lossexp.train.outcome import NEVER

ROW_GROUP = 65536


def pyarrow_installed() -> bool:
    """Whether pyarrow can be found, without importing it (that takes a tenth of a second)."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def chunk_rows(rows_format: str, columns, text) -> bytes:
    """A chunk's rows as its chunk file keeps them: the typed columns ``columns()`` packed
    for Parquet, else its CSV rows ``text()`` encoded (only the one asked for is made)."""
    if rows_format == "parquet":
        return npy_records.pack(columns().values())
    return text().encode("utf-8")


def open_rows(directory: Path, rows_format: str, columns, labels, missing):
    """The writer of a sweep's rows in ``directory``, a context manager with ``add(series,
    data)`` for each chunk's packed rows in row order. ``columns``: the file's columns,
    "series" first; ``labels``: the series' labels; ``missing``: the columns whose missing
    values are empty cells in the CSV, null in Parquet."""
    if rows_format == "parquet":
        return ParquetRows(Path(directory) / "sweep.parquet", columns[1:], labels, missing)
    return CsvRows(Path(directory) / "sweep.csv", columns)


class CsvRows:
    """sweep.csv: the header, then each chunk's rows as its worker formatted them."""

    def __init__(self, path: Path, columns):
        self._file = open(path, "wb")  # noqa: SIM115 - closed by __exit__
        self._file.write((",".join(columns) + "\n").encode("utf-8"))

    def add(self, series: int, data: bytes) -> None:
        self._file.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()


class ParquetRows:
    """sweep.parquet written a row group at a time, chunk after chunk in row order.

    ``columns``: the names after "series", as the chunks pack them; ``labels``: the series'
    labels, the dictionary of the series column; ``nullable``: the columns where a missing
    value (NEVER in an integer column, NaN in a float one) is written as null.
    """

    def __init__(self, path: Path, columns, labels, nullable):
        import pyarrow as pa

        self._pa = pa
        self.columns, self.nullable = tuple(columns), frozenset(nullable)
        self.labels = pa.array(list(labels), type=pa.string())
        self.path = Path(path)
        self._writer = None
        self._pending: list = []
        self._rows = 0

    def add(self, series: int, data: bytes) -> None:
        """The packed rows of one chunk of series number ``series``."""
        pa = self._pa
        columns = npy_records.unpack(data, self.columns)
        n = len(next(iter(columns.values()))) if columns else 0
        arrays = {"series": pa.DictionaryArray.from_arrays(
            pa.array(np.full(n, series, dtype=np.int32)), self.labels)}
        for name, values in columns.items():
            arrays[name] = pa.array(values, mask=self._missing(name, values))
        self._pending.append(pa.table(arrays))
        self._rows += n
        self._write_groups(final=False)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc) -> None:
        """Write the last rows (a sweep has at least one, so the file then exists); after
        an error, only close the file, which is in a directory about to be discarded."""
        if exc_type is None:
            self._write_groups(final=True)
        if self._writer is not None:
            self._writer.close()

    def _missing(self, name: str, values: np.ndarray):
        if name not in self.nullable:
            return None
        return np.isnan(values) if values.dtype.kind == "f" else values == NEVER

    def _write_groups(self, *, final: bool) -> None:
        """Every whole row group pending (and, when ``final``, the rest)."""
        whole = self._rows if final else self._rows - self._rows % ROW_GROUP
        if whole == 0:
            return
        pa = self._pa
        table = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
        for lo in range(0, whole, ROW_GROUP):
            # One contiguous table per group: the pages written then depend on the rows
            # alone, not on where the chunks happened to end.
            group = table.slice(lo, min(ROW_GROUP, whole - lo)).combine_chunks()
            if self._writer is None:
                self._open(group.schema)
            self._writer.write_table(group, row_group_size=ROW_GROUP)
        rest = table.slice(whole)
        self._pending, self._rows = ([rest] if rest.num_rows else []), rest.num_rows

    def _open(self, schema) -> None:
        import pyarrow.parquet as pq

        # Dictionary pages for the series only: on a million random floats they cost more
        # than twice the time of the rest of the writing, and the file comes out larger.
        self._writer = pq.ParquetWriter(self.path, schema, use_dictionary=["series"])
