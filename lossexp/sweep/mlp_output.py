"""The finished MLP sweep's files, assembled from the chunk files in order: config.yaml,
sweep.csv (a row per network), summary.json and the figures. As for a neuron sweep
(``lossexp.sweep.output``), the run directory is built beside its destination and swapped
in whole, and memory does not grow with the number of networks."""

from __future__ import annotations

import contextlib
from pathlib import Path

from lossexp import config
from lossexp.output import atomic, serialize
from lossexp.output.rundir import versions
from lossexp.sweep.mlp_chunk import HEADER, milestone_name
from lossexp.sweep.mlp_plan import MlpPlan
from lossexp.sweep.mlp_summary import mlp_sweep_summary
from lossexp.sweep.mlp_tally import MlpChunkTally, MlpSeriesTally
from lossexp.sweep.store import ChunkStore


def write_mlp_outputs(plan: MlpPlan, store: ChunkStore, run_dir: Path, *, plots: bool) -> dict:
    """Write the sweep's files; return the summary."""
    tallies = [MlpSeriesTally(plan.epochs) for _ in plan.series]
    with atomic.building_directory(run_dir) as tmp:
        atomic.write_text(tmp / "config.yaml", config.dump({**plan.config, "versions": versions()}))
        with contextlib.ExitStack() as stack:
            csv = None
            if plan.config["sweep"]["rows"]:
                csv = stack.enter_context(open(tmp / "sweep.csv", "wb"))
                csv.write(HEADER.encode("utf-8"))
            for index in range(plan.total_chunks):
                tally = MlpChunkTally.from_bytes(store.load(index))
                if csv is not None:
                    csv.write(tally.rows)
                tallies[plan.chunk(index).series].add(tally)
        summary = mlp_sweep_summary(plan, tallies, milestone_name(plan.classification))
        atomic.write_text(tmp / "summary.json", serialize.json_text(summary))
        if plots:
            from lossexp.sweep.mlp_figures import plot_mlp_sweep

            plot_mlp_sweep(summary, tallies, tmp)
    return summary
