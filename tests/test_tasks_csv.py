"""The csv task through the CLI: good files train, bad ones are one line and exit code 2."""

import textwrap

import numpy as np
import pytest
from typer.testing import CliRunner

from lossexp.cli import app
from lossexp.tasks import make_data

GOOD = """\
name,x1,x2,label
a,0.0,0.0,0
b,0.0,1.0,1
c,1.0,0.0,1
d,1.0,1.0,0
"""


def config(tmp_path, csv_text: str | None, **task) -> str:
    data = tmp_path / "data.csv"
    if csv_text is not None:
        data.write_text(csv_text)
    task = {"inputs": ["x1", "x2"], "targets": ["label"], **task}
    cfg = tmp_path / "run.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        name: tab
        task: {{kind: csv, path: "{data}", inputs: {task['inputs']}, targets: {task['targets']},
               classification: true}}
        model: {{kind: mlp, layers: [2, 3, 1], output_activation: sigmoid}}
        loss: {{name: cross_entropy}}
        train: {{lr: 1.0, epochs: 5}}
        plots: false
        """))
    return str(cfg)


def run(tmp_path, cfg):
    outputs = tmp_path / "outputs"
    result = CliRunner().invoke(app, ["run", cfg, "--outputs", str(outputs), "--quiet"])
    return result, outputs


def test_a_good_file_is_read_exactly_and_trains(tmp_path):
    cfg = config(tmp_path, GOOD)
    result, outputs = run(tmp_path, cfg)
    assert result.exit_code == 0, result.output
    metrics = (outputs / "tab" / "metrics.csv").read_text().splitlines()
    assert metrics[0].split(",")[:4] == ["epoch", "loss", "output", "accuracy"]
    data = make_data({"kind": "csv", "path": str(tmp_path / "data.csv"), "inputs": ["x2", "x1"],
                      "targets": ["label"], "classification": False}, 0)
    assert data.x.tolist() == [[0, 0], [1, 0], [0, 1], [1, 1]]
    assert data.y.tolist() == [[0], [1], [1], [0]]
    assert data.x.dtype == np.float64 and not data.classification


@pytest.mark.parametrize("text, task, message", [
    ("", {}, "data.csv: empty file; expected a header row naming the columns"),
    ("x1,x2,label\n", {}, "data.csv: no data rows after the header"),
    # No message quotes the file (its header, a cell): only the user's own column names.
    (GOOD, {"inputs": ["x1", "x3"]},
     "data.csv:1: task.inputs: no column 'x3' in the header row (4 columns)"),
    (GOOD, {"targets": ["lable"]},
     "data.csv:1: task.targets: no column 'lable' in the header row (4 columns)"),
    (GOOD.replace("1.0,0.0,1", "1.0,zero,1"), {}, "data.csv:4: column 'x2': not a number"),
    (GOOD.replace("0.0,1.0,1", "0.0,NaN,1"), {}, "data.csv:3: column 'x2': not a finite number"),
    (GOOD.replace("1.0,1.0,0", "1.0,1.0,inf"), {},
     "data.csv:5: column 'label': not a finite number"),
    (GOOD.replace("0.0,0.0,0", "0.0,,0"), {}, "data.csv:2: column 'x2': empty cell"),
    (GOOD.replace("b,0.0,1.0,1", "b,0.0,1.0"), {}, "data.csv:3: has 3 fields, the header has 4"),
    (GOOD, {"targets": ["x2"]}, "data.csv:1: task.targets: column 'x2' is also an input"),
    (b"x1,x2,label\n\xff,0,0\n", {}, "data.csv: not UTF-8 text"),
])
def test_a_bad_file_is_one_line_exit_2_and_nothing_written(tmp_path, text, task, message):
    if isinstance(text, bytes):
        (tmp_path / "data.csv").write_bytes(text)
        text = None
    result, outputs = run(tmp_path, config(tmp_path, text, **task))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {tmp_path / 'data.csv'}")
    assert message.replace("data.csv", str(tmp_path / "data.csv")) in lines[0]
    assert not outputs.exists()


def test_a_csv_that_does_not_fit_the_model_is_a_config_error(tmp_path):
    cfg = config(tmp_path, GOOD, inputs=["x1"])
    result, outputs = run(tmp_path, cfg)
    assert result.exit_code == 2
    assert ("model.layers.0: the input layer has 2 units but task 'csv' gives 1 input"
            in result.stderr)
    assert not outputs.exists()


# --- where task.path is taken from ---------------------------------------------------------

RELATIVE = """\
name: tab
task: {kind: csv, path: PATH, inputs: [x1, x2], targets: [label], classification: true}
model: {kind: mlp, layers: [2, 3, 1], output_activation: sigmoid}
loss: cross_entropy
train: {lr: 1.0, epochs: 5}
plots: false
"""


def refused(cfg, outputs, *args) -> str:
    result = CliRunner().invoke(app, ["run", str(cfg), "--outputs", str(outputs), *args])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and not outputs.exists()
    return lines[0]


def test_a_relative_path_is_taken_from_the_config_s_directory(tmp_path, monkeypatch):
    (tmp_path / "project" / "data").mkdir(parents=True)
    (tmp_path / "project" / "data" / "table.csv").write_text(GOOD)
    cfg = tmp_path / "project" / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", "data/table.csv"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result, outputs = run(tmp_path, str(cfg))
    assert result.exit_code == 0, result.stderr
    saved = (outputs / "tab" / "config.yaml").read_text()
    assert f"path: {tmp_path / 'project' / 'data' / 'table.csv'}" in saved
    # The saved config names the file absolutely, so it runs again from anywhere.
    # Its data lies outside the run directory: --data-dir lets it be read from there.
    again = CliRunner().invoke(app, ["run", str(outputs / "tab" / "config.yaml"), "--outputs",
                                     str(tmp_path / "again"), "--quiet", "--data-dir",
                                     str(tmp_path / "project")])
    assert again.exit_code == 0, again.stderr
    assert ((tmp_path / "again" / "tab" / "metrics.csv").read_bytes()
            == (outputs / "tab" / "metrics.csv").read_bytes())


def test_a_missing_file_names_the_config_line_and_key(tmp_path, monkeypatch):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", "data.cvs"))
    (tmp_path / "data.csv").write_text(GOOD)
    monkeypatch.chdir("/")
    line = refused(cfg, tmp_path / "outputs")
    assert line == (f"error: {cfg}:2: task.path: no such file: {tmp_path / 'data.cvs'} "
                    "(did you mean 'data.csv'?)")


def test_a_path_given_by_set_is_taken_from_the_current_directory(tmp_path, monkeypatch):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "table.csv").write_text(GOOD)
    cfg = tmp_path / "project" / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", "table.csv"))
    monkeypatch.chdir(tmp_path)
    line = refused(cfg, tmp_path / "outputs", "--set", "task.path=table.csv")
    assert line == (f"error: --set task.path=table.csv: task.path: no such file: "
                    f"{tmp_path / 'table.csv'}")
    result = CliRunner().invoke(app, ["run", str(cfg), "--outputs", str(tmp_path / "outputs"),
                                      "--quiet", "--set", "task.path=project/table.csv"])
    assert result.exit_code == 0, result.stderr


def test_a_directory_is_not_a_csv_file(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", "."))
    line = refused(cfg, tmp_path / "outputs")
    assert line == f"error: {cfg}:2: task.path: {tmp_path} is a directory, not a file"


# --- what a config may read ------------------------------------------------------------------

SECRET = "root:x:0:0:root:/root:/bin/bash\n"


@pytest.mark.parametrize("where", ["../secret/passwd", "ABS", "link.csv"])
def test_a_data_file_outside_the_config_s_directory_is_refused_unread(tmp_path, where):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "passwd").write_text(SECRET)
    project = tmp_path / "project"
    project.mkdir()
    (project / "link.csv").symlink_to(tmp_path / "secret" / "passwd")
    cfg = project / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", where.replace("ABS", str(tmp_path / "secret" / "passwd"))))
    line = refused(cfg, tmp_path / "outputs")
    assert line.startswith(f"error: {cfg}:2: task.path: ")
    assert f"is outside the config's directory {project}" in line and "--data-dir" in line
    assert "root:" not in line


def test_data_dir_allows_another_directory_and_errors_never_quote_the_file(tmp_path):
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "passwd").write_text(SECRET)
    cfg = tmp_path / "project" / "run.yaml"
    cfg.parent.mkdir()
    cfg.write_text(RELATIVE.replace("PATH", "../secret/passwd"))
    line = refused(cfg, tmp_path / "outputs", "--data-dir", str(tmp_path / "secret"))
    assert line == (f"error: {tmp_path / 'secret' / 'passwd'}:1: task.inputs: no column 'x1' "
                    "in the header row (1 columns)")


def test_a_device_is_not_a_regular_file(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", "/dev/zero"))
    line = refused(cfg, tmp_path / "outputs", "--data-dir", "/dev")
    assert line == f"error: {cfg}:2: task.path: /dev/zero is not a regular file"


def test_a_byte_order_mark_as_spreadsheets_write_is_accepted(tmp_path):
    data = tmp_path / "data.csv"
    data.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    cfg = tmp_path / "run.yaml"
    cfg.write_text(RELATIVE.replace("PATH", "data.csv"))
    result, outputs = run(tmp_path, str(cfg))
    assert result.exit_code == 0, result.stderr
    data = make_data({"kind": "csv", "path": str(data), "inputs": ["x1", "x2"],
                      "targets": ["label"], "classification": False}, 0)
    assert data.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
