"""The finished MLP sweep's files, assembled from the chunk files in order: config.yaml,
sweep.csv or sweep.parquet (a row per network), summary.json and the figures. As for a neuron sweep
(``lossexp.sweep.output``), the run directory is built beside its destination, marked as
lossexp's and swapped in whole, and memory does not grow with the number of networks."""

from __future__ import annotations

from pathlib import Path

from lossexp.sweep.mlp_chunk import COLUMNS, MAY_BE_MISSING, milestone_name
from lossexp.sweep.mlp_plan import MlpPlan
from lossexp.sweep.mlp_summary import mlp_sweep_summary
from lossexp.sweep.mlp_tally import MlpChunkTally, MlpSeriesTally
from lossexp.sweep.output import assemble
from lossexp.sweep.store import ChunkStore


def write_mlp_outputs(plan: MlpPlan, store: ChunkStore, run_dir: Path, *, plots: bool) -> dict:
    """The MLP sweep's files (see ``lossexp.sweep.output.assemble``)."""
    def draw(summary, tallies, directory):
        from lossexp.sweep.mlp_figures import plot_mlp_sweep

        plot_mlp_sweep(summary, tallies, directory)

    return assemble(plan, store, run_dir, columns=COLUMNS, missing=MAY_BE_MISSING,
                    chunk_tally=MlpChunkTally,
                    tallies=[MlpSeriesTally(plan.epochs) for _ in plan.series],
                    summarize=lambda t: mlp_sweep_summary(plan, t, milestone_name(plan.classification)),
                    draw=draw if plots else None)
