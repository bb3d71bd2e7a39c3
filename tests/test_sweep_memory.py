"""Workers keep the memory their arrays free (lossexp.sweep.memory): counted in page faults,
in a process started as Dask starts its workers, with MALLOC_TRIM_THRESHOLD_ set."""

import json
import os
import subprocess
import sys

import pytest

CHILD = """
import json, resource, sys
sys.path.insert(0, {tests!r})
import numpy as np
from test_sweep_support import GRID, write_config
from pathlib import Path
from lossexp.sweep import chunk, load_sweep_config
from lossexp.sweep.plan import Plan
if sys.argv[1] == "off":
    chunk.keep_freed_memory = lambda: None
# No rows: CSV rows are formatted in Python objects, whose 1 MiB arenas the interpreter
# maps and unmaps itself (about 8 a chunk), out of reach of any malloc setting.
grid = {{**GRID, "grid": {{"w": {{"from": -6.0, "to": 6.0, "steps": 256}},
                          "b": {{"from": -6.0, "to": 6.0, "steps": 256}}}}, "rows": False}}
plan = Plan(load_sweep_config(write_config(Path(sys.argv[2]), grid)), chunk_size=32768)
chunk.train_chunk(plan, plan.chunk(0))  # the first allocations fault in any case
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for index in (0, 1, 0, 1):
    chunk.train_chunk(plan, plan.chunk(index))
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc, Linux's counts")
def test_chunks_reuse_their_memory_where_dask_would_have_it_handed_back(tmp_path):
    tests = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    faults = {}
    for mode in ("on", "off"):
        done = subprocess.run([sys.executable, "-c", CHILD.format(tests=tests), mode,
                               str(tmp_path)], capture_output=True, text=True, env=env,
                              check=True, timeout=120)
        faults[mode] = json.loads(done.stdout)
    # 32768 starts: each array is 256 KiB, 64 pages; four chunks of a few dozen arrays.
    assert faults["off"] > 2000
    assert faults["on"] < faults["off"] / 20
