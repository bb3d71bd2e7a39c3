"""The rows of sweep.csv, one chunk at a time, formatted as every lossexp CSV is
(``lossexp.output.serialize``)."""

from __future__ import annotations

import numpy as np

from lossexp.output.serialize import csv_rows, format_column
from lossexp.train.outcome import NEVER

COLUMNS = ("series", "w0", "b0", "z0", "epochs_to_target", "final_loss", "final_output",
           "plateau_epochs", "half_way_epochs", "approach_epochs", "diverged")
HEADER = ",".join(COLUMNS) + "\n"


def rows_text(label: str, w0, b0, z0, outcome: dict) -> str:
    """The CSV rows (no header) of one chunk's starts; a milestone never reached has an
    empty cell, as a missing value does everywhere in lossexp's CSVs."""
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
