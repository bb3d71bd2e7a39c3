"""The finished sweep's files, assembled from the chunk files in order.

sweep.csv (or sweep.parquet) is streamed chunk by chunk and the summaries are integer
totals, so memory does not grow with the number of starts. The run directory is built
beside its destination and swapped in whole (``lossexp.output.atomic``): readers see the
previous results or the new ones, and the chunks folder beside it is deleted (by the
driver) only once the new files are all in place.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from lossexp import config
from lossexp.output import atomic, serialize
from lossexp.output.rundir import result_directory, versions
from lossexp.sweep.plan import Plan
from lossexp.sweep.row_files import open_rows
from lossexp.sweep.rows import COLUMNS, COUNTS
from lossexp.sweep.store import ChunkStore
from lossexp.sweep.summary import sweep_summary
from lossexp.sweep.tally import ChunkTally, SeriesTally


def assemble(plan, store: ChunkStore, run_dir: Path, *, columns, missing, chunk_tally,
             tallies: list, summarize, draw) -> dict:
    """Write config.yaml, the rows (sweep.csv or sweep.parquet, unless the config says rows:
    false; ``columns`` and ``missing`` as ``open_rows`` takes them), summary.json and, when
    ``draw`` is given, the figures; return the summary. Each chunk's file is read with
    ``chunk_tally.from_bytes`` and added to the ``tallies`` of its series; ``summarize``
    makes the summary of those, ``draw(summary, tallies, directory)`` the figures."""
    sweep = plan.config["sweep"]
    with result_directory(run_dir, "sweep") as tmp:
        atomic.write_text(tmp / "config.yaml", config.dump({**plan.config, "versions": versions()}))
        with contextlib.ExitStack() as stack:
            rows = None
            if sweep["rows"]:
                rows = stack.enter_context(open_rows(tmp, sweep["rows_format"], columns,
                                                     [s.label for s in plan.series], missing))
            for index in range(plan.total_chunks):
                tally = chunk_tally.from_bytes(store.load(index))
                series = plan.chunk(index).series
                if rows is not None:
                    rows.add(series, tally.rows)
                tallies[series].add(tally)
        summary = summarize(tallies)
        atomic.write_text(tmp / "summary.json", serialize.json_text(summary))
        if draw is not None:
            draw(summary, tallies, tmp)
    return summary


def write_outputs(plan: Plan, store: ChunkStore, run_dir: Path, *, plots: bool) -> dict:
    """The neuron sweep's files (see ``assemble``)."""
    def draw(summary, tallies, directory):
        from lossexp.sweep.figures import plot_sweep

        plot_sweep(plan, tallies, directory)

    tallies = [SeriesTally(plan.epochs, plan.starts.cell_shape, plan.z0_edges.size - 1)
               for _ in plan.series]
    return assemble(plan, store, run_dir, columns=COLUMNS, missing=COUNTS, chunk_tally=ChunkTally,
                    tallies=tallies,
                    summarize=lambda t: sweep_summary(plan.config, plan.series, t),
                    draw=draw if plots else None)
