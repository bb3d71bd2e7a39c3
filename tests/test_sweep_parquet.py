"""sweep.rows_format: parquet: sweep.parquet holds exactly what sweep.csv holds, typed; its
bytes do not depend on executor, worker count or chunk size; resume; a clear error without
pyarrow."""

import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from test_sweep_mlp import MLP
from test_sweep_support import GRID, interrupted_sweep, write_config

from lossexp.errors import ConfigError
from lossexp.sweep import load_sweep_config, row_files, run_sweep

SERIES = {**GRID, "lrs": [0.15, 40.0]}
# An identity neuron at lr 5 diverges (the quadratic's curvature is 2: lr > 1 overshoots
# more every epoch): its losses overflow to inf.
DIVERGING = {"grid": GRID["grid"], "lrs": [0.1, 5.0]}
IDENTITY = {"kind": "neuron", "activation": "identity", "init": {"w": 0.0, "b": 0.0}}


def read_csv(path):
    head, *lines = path.read_text().splitlines()
    return head.split(","), [line.split(",") for line in lines]


def cell(value):
    """A Parquet value as sweep.csv writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def same_rows(csv_path, parquet_path):
    """Every cell of sweep.parquet, written as sweep.csv writes it, is that file's cell."""
    head, rows = read_csv(csv_path)
    table = pq.read_table(parquet_path)
    assert table.column_names == head
    columns = table.to_pydict()
    assert [[cell(columns[name][i]) for name in head] for i in range(table.num_rows)] == rows
    return table


def sweeps(tmp_path, config_path, **kwargs):
    cfg = load_sweep_config(config_path)
    csv = run_sweep(cfg, tmp_path / "csv", **kwargs).run_dir
    cfg = load_sweep_config(config_path, ["sweep.rows_format=parquet"])
    return csv, run_sweep(cfg, tmp_path / "parquet", **kwargs).run_dir


def test_a_neuron_sweeps_parquet_file_holds_its_csv_rows_typed(tmp_path):
    csv, parquet = sweeps(tmp_path, write_config(tmp_path, SERIES))
    assert not (parquet / "sweep.csv").exists()
    same_rows(csv / "sweep.csv", parquet / "sweep.parquet")
    csv, parquet = sweeps(tmp_path / "d", write_config(tmp_path, DIVERGING, model=IDENTITY))
    table = same_rows(csv / "sweep.csv", parquet / "sweep.parquet")
    assert str(table.schema.field("series").type) == "dictionary<values=string, indices=int32, ordered=0>"
    assert table.schema.field("epochs_to_target").type == "int64"
    assert table.schema.field("diverged").type == "bool"
    # A null count (never reached), and a loss that is no number but a value (inf).
    assert table.column("epochs_to_target").null_count > 0
    assert np.isinf(table.column("final_loss").to_numpy()).any()
    assert table.column("diverged").to_numpy().any()
    assert (parquet / "summary.json").read_bytes() == (csv / "summary.json").read_bytes()


def test_an_mlp_sweeps_parquet_file_holds_its_csv_rows(tmp_path):
    def mlp_config(name, **changes):
        data = {"name": name, **MLP, **changes, "sweep": {"seeds": 5, "scales": [1.0, 3.0]}}
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    csv, parquet = sweeps(tmp_path, mlp_config("blobs"))
    table = same_rows(csv / "sweep.csv", parquet / "sweep.parquet")
    assert table.column("initial_accuracy").null_count == 0
    # A regression has no accuracy: null, where the CSV leaves the cell empty.
    regression = {"task": {"kind": "regression", "samples": 12, "noise": 0.1},
                  "model": {**MLP["model"], "layers": [1, 6, 1], "output_activation": "identity"}}
    csv, parquet = sweeps(tmp_path / "r", mlp_config("reg", **regression))
    table = same_rows(csv / "sweep.csv", parquet / "sweep.parquet")
    assert table.column("initial_accuracy").null_count == table.num_rows


def test_the_parquet_bytes_do_not_depend_on_executor_workers_or_chunk_size(tmp_path, monkeypatch):
    monkeypatch.setattr(row_files, "ROW_GROUP", 16)  # row groups cut across chunks
    cfg = load_sweep_config(write_config(tmp_path, SERIES), ["sweep.rows_format=parquet"])
    files = []
    for i, how in enumerate([{"executor": "threads", "workers": 1, "chunk_size": 7},
                             {"executor": "processes", "workers": 2, "chunk_size": 50},
                             {}]):
        files.append((run_sweep(cfg, tmp_path / str(i), **how).run_dir / "sweep.parquet").read_bytes())
    assert files[0] == files[1] == files[2]
    meta = pq.ParquetFile(tmp_path / "0" / "sw" / "sweep.parquet").metadata
    assert meta.num_rows == 2 * 2 * 35
    assert [meta.row_group(k).num_rows for k in range(meta.num_row_groups)] == [16] * 8 + [12]


def test_an_interrupted_parquet_sweep_resumes_to_the_same_file(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, SERIES), ["sweep.rows_format=parquet"])
    whole = (run_sweep(cfg, tmp_path / "whole").run_dir / "sweep.parquet").read_bytes()
    run_dir = interrupted_sweep(tmp_path, monkeypatch, cfg, after=3)
    assert not (run_dir / "sweep.parquet").exists()
    resumed = run_sweep(cfg, tmp_path / "out", resume=True)
    assert resumed.reused == 3
    assert (resumed.run_dir / "sweep.parquet").read_bytes() == whole


def test_without_pyarrow_a_parquet_sweep_is_a_config_error_naming_the_line(tmp_path, monkeypatch):
    path = write_config(tmp_path, {**GRID, "rows_format": "parquet"})
    monkeypatch.setattr(row_files, "pyarrow_installed", lambda: False)
    with pytest.raises(ConfigError) as err:
        load_sweep_config(path)
    assert f"{path}:" in str(err.value) and "sweep.rows_format" in str(err.value)
    assert "pip install 'lossexp[parquet]'" in str(err.value)
    # Even with rows: false, which --rows would override after the config is read.
    with pytest.raises(ConfigError):
        load_sweep_config(path, ["sweep.rows=false"])


def test_without_pyarrow_the_command_exits_2_with_one_line_and_writes_nothing(tmp_path):
    path = write_config(tmp_path, {**GRID, "rows_format": "parquet"})
    hide = ("import sys; sys.modules['pyarrow'] = None; sys.argv = ['lossexp'] + sys.argv[1:]; "
            "from lossexp.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", hide, "sweep", str(path), "--outputs",
                           str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "sweep.rows_format" in done.stderr and f"{path.name}:" in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_format_is_csv_unless_set_and_nothing_else(tmp_path):
    assert load_sweep_config(write_config(tmp_path, GRID))["sweep"]["rows_format"] == "csv"
    with pytest.raises(ConfigError) as err:
        load_sweep_config(write_config(tmp_path, {**GRID, "rows_format": "parquett"}))
    assert "must be one of csv, parquet" in str(err.value) and "did you mean" in str(err.value)
