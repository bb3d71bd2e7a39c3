"""The rows of sweep.csv, formatted a column at a time.

The bytes are exactly those ``lossexp.writers.csv_text`` writes for the same values (the
tests hold the two together); formatting whole columns with ``map`` rather than value by
value makes the millions of rows of a big sweep several times faster to write.
"""

from __future__ import annotations

import numpy as np

from lossexp.outcome import NEVER
from lossexp.writers import format_value

COLUMNS = ("series", "w0", "b0", "z0", "epochs_to_target", "final_loss", "final_output",
           "plateau_epochs", "diverged")
HEADER = ",".join(COLUMNS) + "\n"


def column_strings(values) -> list[str]:
    """Each value as ``writers.format_value`` writes it."""
    arr = np.asarray(values)
    if arr.dtype == np.bool_:
        return np.where(arr, "true", "false").tolist()
    if arr.dtype.kind in "iu":
        return list(map(str, arr.tolist()))
    if arr.dtype.kind == "f":
        return list(map(repr, arr.astype(np.float64).tolist()))
    return [format_value(v) for v in arr.tolist()]


def rows_text(label: str, w0, b0, z0, outcome: dict) -> str:
    """The CSV rows (no header) of one chunk's starts; a start never on target has an empty
    epochs_to_target cell, as a missing value does everywhere in lossexp's CSVs."""
    ett = [("" if v == NEVER else str(v)) for v in outcome["epochs_to_target"].tolist()]
    columns = [[label] * len(ett), column_strings(w0), column_strings(b0), column_strings(z0),
               ett, column_strings(outcome["final_loss"]),
               column_strings(outcome["final_output"]),
               column_strings(outcome["plateau_epochs"]), column_strings(outcome["diverged"])]
    return "".join(map("{}\n".format, map(",".join, zip(*columns))))
