"""The installed tool, not only the checkout: shipped configs by name, `configs`, `init`,
the editor schema, and the CI outputs of `check` (JUnit XML, JSON) and of list/explain.

The wheel itself (built, installed into a fresh venv, used from an empty directory) is
tested by tests/test_wheel.py.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import CONFIGS, REPO

from lossexp.config import json_schema, shipped
from lossexp.sweep.spec import sweep_section

SHIPPED = sorted(CONFIGS.glob("*.yaml"))


# --- shipped configs ------------------------------------------------------------------------

def test_the_shipped_configs_are_the_repositorys_configs():
    # an editable install maps lossexp.configs onto configs/; a wheel or sdist copies them
    assert shipped.names() == [p.stem for p in SHIPPED]
    for path in SHIPPED:
        assert shipped.path_of(path.stem).read_bytes() == path.read_bytes()
    baselines = sorted((REPO / "tests" / "baselines").glob("*.json"))
    assert sorted(p.name for p in shipped.baselines_directory().glob("*.json")) == [
        p.name for p in baselines]


def test_a_bare_name_runs_the_shipped_config_from_any_directory(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("run", "mse_lucky", "--no-plots", "--set", "train.epochs=20")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outputs" / "mse_lucky" / "summary.json").is_file()


def test_only_a_bare_name_means_a_shipped_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shipped.resolve("mse_lucky") == shipped.directory() / "mse_lucky.yaml"
    # a file name means a file: never the shipped config in its place, silently
    assert shipped.resolve("mse_lucky.yaml") == Path("mse_lucky.yaml")
    assert shipped.resolve("sub/mse_lucky.yaml") == Path("sub/mse_lucky.yaml")
    (tmp_path / "mse_lucky.yaml").write_text("mine")
    assert shipped.resolve("mse_lucky.yaml") == Path("mse_lucky.yaml")


def test_a_missing_file_named_like_a_shipped_config_says_how_to_run_that(cli, tmp_path,
                                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)  # away from a checkout: no configs/ here
    for given in ("configs/mse_lucky.yaml", "mse_lucky.yaml"):
        result = cli("run", given)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        assert (f"{given}: no such file; the shipped config of that name runs as `mse_lucky`"
                in result.stderr), result.stderr
    assert not (tmp_path / "outputs").exists()


def test_a_bare_name_beside_a_file_of_that_name_says_which_it_ran(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mse_lucky.yaml").write_text("name: mine\n")
    result = cli("run", "mse_lucky", "--no-plots", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ("note: mse_lucky is the shipped config; to run your "
                             "mse_lucky.yaml here, give its file name\n")
    assert (tmp_path / "outputs" / "mse_lucky").is_dir()


def test_an_unknown_bare_name_is_one_line_with_close_matches(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("run", "mse_lucy")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "no shipped config of that name (did you mean 'mse_lucky'" in result.stderr
    assert "lossexp configs" in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_configs_lists_every_shipped_config_with_its_purpose(cli):
    result = cli("configs")
    assert result.exit_code == 0, result.output
    for path in SHIPPED:
        assert path.stem in result.stdout
    assert "The unlucky start: z = w + b = 4 is deep in the sigmoid's flat tail." in result.stdout
    listed = json.loads(cli("configs", "--json").stdout)
    assert [e["name"] for e in listed] == [p.stem for p in SHIPPED]
    kinds = {e["name"]: e["kind"] for e in listed}
    assert kinds["sweep_grid"] == "sweep" and kinds["mse_unlucky"] == "run"
    assert all(e["purpose"] and "yaml-language-server" not in e["purpose"] for e in listed)
    # The JSON keeps each purpose whole, as a sentence; the listing cuts the long ones.
    assert all(e["purpose"].endswith((".", "!", "?")) for e in listed)
    assert any(len(e["purpose"]) > 120 for e in listed)


def test_init_copies_the_configs_and_the_schema_and_refuses_to_overwrite(cli, tmp_path):
    target = tmp_path / "mine"
    result = cli("init", target)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.glob("*.yaml")) == [p.name for p in SHIPPED]
    assert (target / "mse_unlucky.yaml").read_bytes() == (CONFIGS / "mse_unlucky.yaml").read_bytes()
    assert json.loads((target / json_schema.FILE_NAME).read_text()) == json_schema.config_schema(sweep_section())
    (target / "mse_unlucky.yaml").write_text("edited")
    again = cli("init", target)
    assert again.exit_code == 2 and "--force" in again.stderr
    assert (target / "mse_unlucky.yaml").read_text() == "edited"
    assert cli("init", target, "--force").exit_code == 0
    assert (target / "mse_unlucky.yaml").read_bytes() == (CONFIGS / "mse_unlucky.yaml").read_bytes()
    # A schema of the user's of that name counts as a clash too: nothing written.
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / json_schema.FILE_NAME).write_text('{"my": "own schema"}')
    refused = cli("init", theirs)
    assert refused.exit_code == 2 and json_schema.FILE_NAME in refused.stderr
    assert [p.name for p in theirs.iterdir()] == [json_schema.FILE_NAME]


def test_a_copied_config_runs(cli, tmp_path):
    cli("init", tmp_path / "mine")
    result = cli("run", tmp_path / "mine" / "ce_lucky.yaml", "--no-plots", "--outputs",
                 tmp_path / "out", "--set", "train.epochs=5")
    assert result.exit_code == 0, result.output


def test_demos_find_their_configs_without_a_checkout(tmp_path, monkeypatch):
    from lossexp.demos import catalogue

    monkeypatch.chdir(tmp_path)
    assert catalogue.shipped_configs() == shipped.directory()
    report = catalogue.run_demo("signed_error")
    assert report.rows
    # the commands it prints run the shipped config by name, from anywhere
    assert report.commands[0].startswith("lossexp run naive_rule --set ")


# --- the editor schema ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator():
    schema = json_schema.config_schema(sweep_section())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def config_data(name: str) -> dict:
    return yaml.safe_load((CONFIGS / f"{name}.yaml").read_text(encoding="utf-8"))


def messages(validator, data) -> str:
    return " | ".join(e.message for e in validator.iter_errors(data))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_config_is_valid_and_carries_the_modeline(validator, path):
    text = path.read_text(encoding="utf-8")
    assert messages(validator, yaml.safe_load(text)) == ""
    # On the last line, so that every line number an error names stays as it was.
    assert text.splitlines()[-1] == json_schema.MODELINE


def test_the_schema_rejects_a_misspelled_key(validator):
    data = config_data("mse_unlucky")
    data["train"]["lrr"] = data["train"].pop("lr")
    assert "'lrr' was unexpected" in messages(validator, data)
    data = config_data("mse_unlucky")
    data["trian"] = data.pop("train")
    assert "'trian'" in messages(validator, data)
    data = config_data("mse_unlucky")
    data["model"]["init"]["ww"] = 1.0
    assert "'ww' was unexpected" in messages(validator, data)


@pytest.mark.parametrize("loss", [{"name": "quadratc"}, "quadratc"])
def test_the_schema_rejects_a_misspelled_loss_name(validator, loss):
    data = config_data("mse_unlucky")
    data["loss"] = loss
    assert not validator.is_valid(data)
    data["loss"] = loss if isinstance(loss, str) else {"name": "quadratic"}
    data["loss"] = "quadratic" if isinstance(loss, str) else data["loss"]
    assert validator.is_valid(data)


def test_the_schema_knows_types_ranges_enums_and_descriptions(validator):
    schema = json_schema.config_schema(sweep_section())
    train = schema["properties"]["train"]["properties"]
    assert train["lr"] == {"type": "number", "exclusiveMinimum": 0, "description": "learning rate"}
    assert train["reduction"]["enum"] == ["mean", "sum"]
    loss_names = schema["properties"]["loss"]["anyOf"][0]["enum"]
    assert {"quadratic", "cross_entropy", "huber"} <= set(loss_names)
    assert schema["properties"]["task"]["properties"]["kind"]["enum"]
    assert all(schema["properties"][key].get("description") for key in
               ("task", "model", "loss", "train", "target", "sweep"))
    for bad in ({"lr": -1.0}, {"lr": "fast"}, {"epochs": 1.5}, {"reduction": "avg"}):
        data = config_data("mse_unlucky")
        data["train"].update(bad)
        assert not validator.is_valid(data), bad
    # a run directory's config.yaml (with versions:) and YAML anchors (x-...) are fine
    data = {**config_data("mse_unlucky"), "versions": {"lossexp": "0"}, "x-init": {"w": 1}}
    assert validator.is_valid(data)


def test_the_committed_schema_file_is_what_lossexp_schema_prints(cli):
    printed = cli("schema").stdout
    assert json.loads(printed) == json_schema.config_schema(sweep_section())
    assert (CONFIGS / json_schema.FILE_NAME).read_text(encoding="utf-8") == printed, (
        "configs/lossexp.schema.json is out of date: regenerate it with "
        "`lossexp schema > configs/lossexp.schema.json`")


# --- CI outputs -------------------------------------------------------------------------------

def broken_baseline(directory, name="mse_lucky"):
    """A copy of the shipped baseline of ``name`` whose final loss is off by far."""
    data = json.loads((REPO / "tests" / "baselines" / f"{name}.json").read_text())
    data["features"]["final_loss"] *= 3
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.json").write_text(json.dumps(data))
    return directory


def test_check_writes_junit_xml_one_case_per_config(cli, tmp_path):
    directory = broken_baseline(tmp_path / "baselines")
    for name in ("ce_lucky",):
        (directory / f"{name}.json").write_bytes((REPO / "tests" / "baselines" / f"{name}.json").read_bytes())
    report = tmp_path / "reports" / "check.xml"
    report.parent.mkdir()
    result = cli("check", "mse_lucky", "ce_lucky", "sweep_grid", "--dir", directory,
                 "--junit", report)
    assert result.exit_code == 1
    root = ET.parse(report).getroot()
    suite = root.find("testsuite")
    assert suite.get("name") == "lossexp check"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"mse_lucky", "ce_lucky", "sweep_grid"}
    failure = cases["mse_lucky"].find("failure")
    assert "final_loss" in failure.get("message")
    assert "final_loss" in failure.text and "expected" in failure.text
    assert cases["ce_lucky"].find("failure") is None and cases["ce_lucky"].find("skipped") is None
    assert cases["sweep_grid"].find("skipped") is not None
    assert cases["mse_lucky"].get("file").endswith("mse_lucky.yaml")


def test_check_json_is_machine_readable_and_alone_on_stdout(cli, tmp_path):
    directory = broken_baseline(tmp_path / "baselines")
    result = cli("check", "mse_lucky", "ce_lucky", "--dir", directory, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["passed"] is False
    by_name = {c["name"]: c for c in data["configs"]}
    assert by_name["mse_lucky"]["status"] == "failed"
    fields = {f["field"] for f in by_name["mse_lucky"]["failures"]}
    assert "final_loss" in fields
    assert by_name["ce_lucky"]["status"] == "missing"  # not under CI: a warning on stderr
    assert "no baseline" in result.stderr


def test_check_json_passes_and_a_missing_baseline_fails_under_ci(cli, tmp_path, monkeypatch):
    ok = cli("check", CONFIGS / "mse_lucky.yaml", "--json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["configs"][0]["status"] == "passed"
    monkeypatch.setenv("CI", "true")
    report = tmp_path / "r.xml"
    missing = cli("check", "mse_lucky", "--dir", tmp_path / "none", "--junit", report)
    assert missing.exit_code == 1
    failure = ET.parse(report).getroot().find("testsuite/testcase/failure")
    assert failure.get("type") == "MissingBaseline" and "lossexp baseline" in failure.get("message")


def test_check_without_dir_uses_the_shipped_baselines_outside_a_checkout(cli, tmp_path,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("check", "mse_unlucky", "--json")
    assert result.exit_code == 0, result.output
    entry = json.loads(result.stdout)["configs"][0]
    assert entry["status"] == "passed"
    assert entry["baseline"] == str(shipped.baselines_directory() / "mse_unlucky.json")


def test_list_and_explain_json(cli):
    listed = json.loads(cli("list", "--json").stdout)
    assert {"quadratic", "cross_entropy"} <= {row["name"] for row in listed["losses"]}
    assert "sigmoid" in {row["name"] for row in listed["activations"]}
    explained = json.loads(cli("explain", "quadratic", "sigmoid", "--json").stdout)
    assert explained["vanishing"] == "sigma(z) (1 - sigma(z))"
    assert explained["example"]["delta"][0] == pytest.approx(0.01734502107, rel=1e-9)
    bad = cli("explain", "quadratc", "sigmoid", "--json")
    assert bad.exit_code == 2 and bad.stdout == ""


def test_version_says_whether_the_kernel_is_present(cli):
    from lossexp import __version__
    from lossexp.train import neuron_kernel

    text = cli("--version").stdout
    assert text.startswith(f"lossexp {__version__} ")
    assert ("kernel: present" in text) is neuron_kernel.available()


# --- shell completion ---------------------------------------------------------------------------

def complete(words: str, tmp_path) -> list[str]:
    import os
    import subprocess
    import sys

    env = {**os.environ, "_LOSSEXP_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}
    done = subprocess.run([sys.executable, "-m", "lossexp"], check=False, env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_completion_is_on_and_completes_commands_and_config_names(cli, tmp_path):
    assert "--install-completion" in cli("--help").stdout
    assert complete("lossexp sch", tmp_path) == ["schema"]
    (tmp_path / "mse_mine.yaml").write_text("")
    assert complete("lossexp run mse", tmp_path) == ["mse_mine.yaml", "mse_lucky", "mse_unlucky"]
    assert "sweep_grid" in complete("lossexp sweep sweep_", tmp_path)


def test_a_junit_file_that_cannot_be_written_is_refused_before_any_check(cli, tmp_path,
                                                                         monkeypatch):
    from lossexp.curves import baselines

    monkeypatch.setattr(baselines, "measure", lambda cfg: pytest.fail("a check ran"))
    for where, problem in ((tmp_path / "nodir" / "x.xml", "no directory"),
                           (tmp_path, "is a directory")):
        result = cli("check", "mse_lucky", "--junit", where)
        assert result.exit_code == 2 and problem in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_without_shipped_configs_a_name_is_just_a_name(monkeypatch, tmp_path):
    """From a source tree (the sdist's, as tests/check_sdist.sh runs them) there is no
    lossexp.configs package: looking a name up must say "none", not fail."""
    def absent():
        raise ModuleNotFoundError("No module named 'lossexp.configs'")

    monkeypatch.setattr(shipped, "directory", absent)
    assert shipped.path_of("mse_lucky") is None
    assert shipped.name_of(tmp_path / "sweep_random.yaml") is None
    assert shipped.resolve("sub/mse_lucky.yaml") == Path("sub/mse_lucky.yaml")
    assert shipped.names() == [] and shipped.did_you_mean("mse_lucky") == ""
