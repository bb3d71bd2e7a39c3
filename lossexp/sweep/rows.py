"""The rows of sweep.csv, one chunk at a time, formatted as every lossexp CSV is
(``lossexp.output.serialize``), or packed as typed columns for sweep.parquet
(``lossexp.sweep.row_files``)."""

from __future__ import annotations

import numpy as np

from lossexp.output.serialize import csv_rows, format_column
from lossexp.train.outcome import NEVER

COLUMNS = ("series", "w0", "b0", "z0", "epochs_to_target", "final_loss", "final_output",
           "plateau_epochs", "half_way_epochs", "approach_epochs", "diverged")
HEADER = ",".join(COLUMNS) + "\n"
# Epoch counts: a milestone never reached (NEVER) is an empty cell, or null in Parquet.
COUNTS = ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs")


ROWS_AT_ONCE = 4096  # a slice's cells as strings take ~2 MB, not a whole chunk's ~8 MB


def row_columns(w0, b0, z0, outcome: dict) -> dict[str, np.ndarray]:
    """The columns of a chunk's rows after "series", typed, in the order of COLUMNS."""
    given = {"w0": w0, "b0": b0, "z0": z0}
    return {name: np.asarray(given[name] if name in given else outcome[name])
            for name in COLUMNS[1:]}


def rows_text(label: str, w0, b0, z0, outcome: dict) -> str:
    """The CSV rows (no header) of one chunk's starts; a milestone never reached has an
    empty cell, as a missing value does everywhere in lossexp's CSVs."""
    if len(w0) > ROWS_AT_ONCE:
        parts = []
        for lo in range(0, len(w0), ROWS_AT_ONCE):
            part = slice(lo, lo + ROWS_AT_ONCE)
            parts.append(rows_text(label, w0[part], b0[part], z0[part],
                                   {k: v[part] for k, v in outcome.items()}))
        return "".join(parts)

    def epochs(name: str) -> list[str]:
        counts = np.asarray(outcome[name])
        top = int(counts.max(initial=NEVER))
        if top > 4 * counts.size:  # a long training: format each count instead
            return ["" if v == NEVER else str(v) for v in counts.tolist()]
        # Each count's text looked up, NEVER (-1) being the last: no Python loop per row.
        texts = np.array([*map(str, range(top + 1)), ""], dtype=object)
        return texts[counts].tolist()

    ett = epochs("epochs_to_target")
    columns = [[label] * len(ett), format_column(w0), format_column(b0), format_column(z0),
               ett, format_column(outcome["final_loss"]),
               format_column(outcome["final_output"]), epochs("plateau_epochs"),
               epochs("half_way_epochs"), epochs("approach_epochs"),
               format_column(outcome["diverged"])]
    return csv_rows(columns)
