"""Sweeps over initialisations: the same engine as ``lossexp run``, a million starts at once.

``load_sweep_config`` reads a run config plus its ``sweep:`` section; ``run_sweep`` trains
every start, chunk by chunk, on local threads or processes or a Dask cluster, and writes
sweep.csv, summary.json and the figures.
"""

from lossexp.sweep.driver import ChunkFailure, SweepIncomplete, SweepResult, run_sweep
from lossexp.sweep.spec import load_sweep_config

__all__ = ["ChunkFailure", "SweepIncomplete", "SweepResult", "load_sweep_config", "run_sweep"]
