"""Same config and seed -> byte-identical CSV and JSON, within and across processes."""

import subprocess
import sys
from pathlib import Path

import pytest

from lossexp.config import load_config
from lossexp.run.experiment import run_experiment
from lossexp.run.save import save_run

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
FILES = ("metrics.csv", "summary.json")


@pytest.mark.parametrize("name", ["mse_unlucky", "ce_unlucky_same_lr"])
def test_two_runs_write_identical_bytes(tmp_path, name):
    cfg = load_config(CONFIGS / f"{name}.yaml")
    first = save_run(run_experiment(cfg), tmp_path / "a", plots=False)
    second = save_run(run_experiment(cfg), tmp_path / "b", plots=False)
    for file in FILES:
        assert (first / file).read_bytes() == (second / file).read_bytes()


def test_a_separate_process_writes_identical_bytes(tmp_path):
    cfg = load_config(CONFIGS / "mse_unlucky.yaml")
    here = save_run(run_experiment(cfg), tmp_path / "here", plots=False)
    subprocess.run([sys.executable, "-m", "lossexp", "run", str(CONFIGS / "mse_unlucky.yaml"),
                    "--outputs", str(tmp_path / "there"), "--quiet", "--no-plots"], check=True)
    for file in FILES:
        assert (here / file).read_bytes() == (tmp_path / "there" / "mse_unlucky" / file).read_bytes()


def test_metrics_read_back_exactly(tmp_path):
    """Floats are written with round-trip precision: reading the CSV gives the same values."""
    import csv

    result = run_experiment(load_config(CONFIGS / "mse_lucky.yaml"))
    run_dir = save_run(result, tmp_path, plots=False)
    with open(run_dir / "metrics.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 301
    assert [float(r["loss"]) for r in rows] == result.metrics["loss"].tolist()
    assert [int(r["epoch"]) for r in rows] == list(range(301))
