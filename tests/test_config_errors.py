"""Bad input ends cleanly: exit code 2, one line `file:line: key: problem`, nothing written.

Every case runs ``lossexp run`` in process on a config derived from NEURON_CONFIG (see
conftest.py for its line numbers) with ``--outputs`` pointing at a directory that does not
exist yet, and checks that it still does not exist afterwards.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
import yaml
from conftest import NEURON_CONFIG as BASE

from lossexp.config import load_config
from lossexp.config.yaml_reader import MAX_CONFIG_BYTES, MAX_DEPTH, MAX_VALUES
from lossexp.errors import ConfigError


def test_the_base_config_runs(cli, write_config, tmp_path):
    result = cli("run", write_config(BASE), "--outputs", tmp_path / "out", "--quiet",
                 "--no-plots")
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "probe" / "metrics.csv").is_file()


def replace(old, new):
    def edit(text):
        assert old in text
        return text.replace(old, new, 1)
    return edit


def append(extra):
    return lambda text: text + extra


def whole(new):
    return lambda text: new


def the_error_line(result, outputs) -> str:
    """The single stderr line of a failed run, after checking the common contract."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not os.path.lexists(outputs), "something was written under the outputs root"
    assert lines[0].startswith("error: ")
    return lines[0][len("error: "):]


def run_bad(cli, config, tmp_path, *args) -> str:
    outputs = tmp_path / "outputs"
    return the_error_line(cli("run", config, "--outputs", outputs, *args), outputs)


LAUGHS = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
                 for p, c in zip("abcdefgh", "bcdefghi"))
BILLION_LAUGHS = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n' + LAUGHS

CASES = [
    # (id, edit of BASE, line, dotted key, the problem as it must appear)
    ("yaml-syntax", replace("epochs: 5}", "epochs: 5"), 9, "", "YAML syntax error: "),
    ("tab-indent", replace("  kind: neuron", "\tkind: neuron"), 4, "", "YAML syntax error: "),
    ("two-documents", append("---\nname: other\n"), 10, "", "YAML syntax error: "),
    ("nul-character", replace("probe", "pro\0be"), 1, "", "character #x0000 is not allowed"),
    ("top-level-list", whole("- name: probe\n- train: {}\n"), 1, "",
     "the top level must be a mapping (name:, task:, model:, ...), got a list"),
    ("top-level-scalar", whole("\n\njust words\n"), 3, "", "the top level must be a mapping"),
    ("unknown-top-key", replace("train:", "trian:"), 8, "trian",
     "unknown key (did you mean 'train'?); allowed here: name, description, task"),
    ("unknown-deep-key", replace("b: 2.0", "bb: 2.0"), 6, "model.init.bb",
     "unknown key (did you mean 'b'?); allowed here: w, b"),
    ("unknown-loss-param", replace("{name: quadratic}", "{name: quadratic, convnetion: half}"),
     7, "loss.convnetion", "unknown key (did you mean 'convention'?)"),
    ("unknown-task-param", replace("one_to_zero}", "one_to_zero, z: 1}"), 2, "task.z",
     "unknown key"),
    ("unknown-target-key", replace("tolerance", "tolerence"), 9, "target.tolerence",
     "unknown key (did you mean 'tolerance'?)"),
    ("duplicate-top-key", append("name: again\n"), 10, "name",
     "duplicate key (first given on line 1)"),
    ("duplicate-nested-key", replace("epochs: 5}", "epochs: 5, lr: 0.2}"), 8, "train.lr",
     "duplicate key (first given on line 8)"),
    ("text-for-number", replace("lr: 0.15", "lr: fast"), 8, "train.lr",
     "must be a number, got 'fast'"),
    ("fraction-for-whole", replace("epochs: 5", "epochs: 2.5"), 8, "train.epochs",
     "must be a whole number, got 2.5"),
    ("bool-for-whole", replace("epochs: 5", "epochs: true"), 8, "train.epochs",
     "must be a whole number, got true"),
    ("yes-for-number", replace("w: 2.0", "w: yes"), 6, "model.init.w", "must be a number, got true"),
    # Numbers are YAML 1.2's: YAML 1.1's underscores, binary and sexagesimal are text.
    ("yaml-1.1-underscores", replace("epochs: 5", "epochs: 1_000"), 8, "train.epochs",
     "must be a whole number, got '1_000'"),
    ("yaml-1.1-binary", replace("epochs: 5", "epochs: 0b11"), 8, "train.epochs",
     "must be a whole number, got '0b11'"),
    ("yaml-1.1-sexagesimal", replace("epochs: 5", "epochs: 1:30"), 8, "train.epochs",
     "must be a whole number, got '1:30'"),
    ("number-for-bool", append("plots: 1\n"), 10, "plots", "must be true or false, got 1"),
    ("number-for-text", replace("name: probe", "name: 123"), 1, "name",
     "must be a string, got 123 (quote it to mean text)"),
    ("norway-problem", append("description: no\n"), 10, "description",
     "must be a string, got false (YAML reads yes/no/on/off/true/false as booleans"),
    ("scalar-for-section", replace("train: {lr: 0.15, epochs: 5}", "train: 5"), 8, "train",
     "must be a mapping, got 5"),
    ("missing-required", replace("lr: 0.15, epochs: 5", "lr: 0.15"), 8, "train.epochs",
     "missing required key"),
    ("nan", replace("lr: 0.15", "lr: .nan"), 8, "train.lr", "must be finite, got nan"),
    ("inf", replace("w: 2.0", "w: .inf"), 6, "model.init.w", "must be finite, got inf"),
    ("minus-inf", replace("b: 2.0", "b: -.Inf"), 6, "model.init.b", "must be finite, got -inf"),
    ("overflowing-float", replace("lr: 0.15", "lr: 1e999"), 8, "train.lr",
     "must be finite, got inf"),
    ("overflowing-int", replace("w: 2.0", "w: " + "9" * 400), 6, "model.init.w",
     "must be finite, got a 400-digit number"),
    ("zero-lr", replace("lr: 0.15", "lr: 0"), 8, "train.lr", "must be > 0, got 0"),
    ("negative-lr", replace("lr: 0.15", "lr: -0.1"), 8, "train.lr", "must be > 0, got -0.1"),
    ("zero-epochs", replace("epochs: 5", "epochs: 0"), 8, "train.epochs", "must be >= 1, got 0"),
    ("negative-epochs", replace("epochs: 5", "epochs: -3"), 8, "train.epochs",
     "must be >= 1, got -3"),
    ("epochs-beyond-memory", replace("epochs: 5", "epochs: 1000000000000"), 8,
     "train.epochs", "1e+12 epochs would need"),
    ("unknown-loss", replace("{name: quadratic}", "{name: quadratc}"), 7, "loss.name",
     "unknown loss 'quadratc' (did you mean 'quadratic'?); known: "),
    ("unknown-loss-shorthand", replace("{name: quadratic}", "quadratc"), 7, "loss.name",
     "unknown loss 'quadratc' (did you mean 'quadratic'?)"),
    ("loss-name-not-text", replace("{name: quadratic}", "{name: 3}"), 7, "loss.name",
     "must be the name of a loss, got 3; known: "),
    ("unknown-activation", replace("sigmoid", "sigmod"), 5, "model.activation.name",
     "unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
    ("unknown-task", replace("one_to_zero", "one_to_zer"), 2, "task.kind",
     "unknown task 'one_to_zer' (did you mean 'one_to_zero'?)"),
    ("unknown-model", replace("kind: neuron", "kind: nueron"), 4, "model.kind",
     "unknown model 'nueron' (did you mean 'neuron'?)"),
    ("param-of-a-loss-without-params", replace("{name: quadratic}", "{name: cross_entropy, x: 1}"),
     7, "loss.x", "unknown key; allowed here: none"),
    ("missing-task-kind", replace("{kind: one_to_zero}", "{x: 1}"), 2, "task.kind",
     "missing required key; one of: "),
    ("task-as-a-bare-name", replace("{kind: one_to_zero}", "one_to_zero"), 2, "task",
     "must be a mapping with a 'kind' key, got 'one_to_zero'; write {kind: one_to_zero}"),
    ("dates-stay-text", replace("sigmoid", "2020-01-01"), 5, "model.activation.name",
     "unknown activation '2020-01-01'"),
    ("null-key", append("~: 1\n"), 10, "", "keys must be names, got null"),
    ("list-key", append("? [a, b]\n: 1\n"), 10, "", "keys must be names, got a list"),
    ("bool-key", replace("  kind: neuron", "  true: neuron"), 4, "model",
     "keys must be names, got true"),
    ("float-key", append("1.5: x\n"), 10, "", "keys must be names, got 1.5"),
    ("billion-laughs", whole(BILLION_LAUGHS), None, None, f"more than {MAX_VALUES} values"),
    ("recursive-alias", whole("a: &a [1, *a]\n"), 1, "a.1",
     "an alias refers to a value that contains it"),
    ("recursive-merge", whole("a: &a {<<: *a}\n"), 1, "a",
     "an alias refers to a value that contains it"),
    ("deep-nesting", whole("a: " + "[" * 200 + "]" * 200 + "\n"), 1, "",
     f"YAML syntax error: nested more than {MAX_DEPTH} levels deep"),
    ("merge-of-a-scalar", whole("x-a: &a 3\n" + BASE.replace("{lr: 0.15, epochs: 5}",
                                                             "{<<: *a, lr: 0.1}")),
     1, "train.<<", "a merge key takes a mapping or a list of mappings"),
    ("unknown-key-in-merged-anchor",
     whole("x-train: &t {lr: 0.15, epochs: 5, seeed: 1}\n"
           + BASE.replace("{lr: 0.15, epochs: 5}", "{<<: *t, lr: 0.2}")),
     1, "train.seeed", "unknown key (did you mean 'seed'?)"),
    ("bad-explicit-float", replace("lr: 0.15", "lr: !!float fast"), 8, "train.lr",
     "'fast' is not a valid !!float"),
    ("bad-explicit-int", replace("epochs: 5", "epochs: !!int 1.5"), 8, "train.epochs",
     "'1.5' is not a valid !!int"),
    ("bad-explicit-bool", append("plots: !!bool maybe\n"), 10, "plots",
     "'maybe' is not a valid !!bool"),
    ("binary-tag", replace("name: probe", "name: !!binary cHJvYmU="), 1, "name",
     "unsupported YAML tag !!binary (a config holds only mappings, lists, text, numbers"),
    ("timestamp-tag", append("description: !!timestamp 2020-01-01\n"), 10, "description",
     "unsupported YAML tag !!timestamp"),
    ("set-tag", append("description: !!set {a, b}\n"), 10, "description",
     "unsupported YAML tag !!set"),
    ("local-tag", append("description: !thing x\n"), 10, "description",
     "unsupported YAML tag !thing"),
    ("python-name-tag", append("description: !!python/name:os.system ''\n"), 10, "description",
     "unsupported YAML tag !!python/name:os.system"),
    ("name-parent-dir", replace("name: probe", "name: ../x"), 1, "name",
     "must be a plain name of at most 100 characters"),
    ("name-absolute", replace("name: probe", "name: /abs"), 1, "name", "got '/abs'"),
    ("name-dot-dot", replace("name: probe", "name: '..'"), 1, "name", "got '..'"),
    ("name-dot", replace("name: probe", "name: '.'"), 1, "name", "got '.'"),
    ("name-subdir", replace("name: probe", "name: a/b"), 1, "name", "got 'a/b'"),
    ("name-hidden", replace("name: probe", "name: .hidden"), 1, "name", "got '.hidden'"),
    ("name-empty", replace("name: probe", "name: ''"), 1, "name", "got ''"),
    ("name-too-long", replace("name: probe", "name: " + "n" * 101), 1, "name",
     "must be a plain name of at most 100 characters"),
]


@pytest.mark.parametrize("edit, line, key, problem", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_bad_config_names_file_line_key_and_problem(cli, write_config, tmp_path,
                                                      edit, line, key, problem):
    path = write_config(edit(BASE))
    message = run_bad(cli, path, tmp_path)
    if line is not None:
        prefix = f"{path}:{line}: " + (f"{key}: " if key else "")
        assert message.startswith(prefix), message
        message = message[len(prefix):]
    assert problem in message, message


# --- the file itself ----------------------------------------------------------------------

def test_a_missing_file(cli, tmp_path):
    path = tmp_path / "absent.yaml"
    assert run_bad(cli, path, tmp_path) == f"{path}: no such file"


def test_a_missing_file_suggests_a_close_name(cli, write_config, tmp_path):
    write_config(BASE, "mse_unlucky.yaml")
    path = tmp_path / "mse_unluky.yaml"
    assert run_bad(cli, path, tmp_path) == f"{path}: no such file (did you mean 'mse_unlucky.yaml'?)"


def test_a_directory(cli, tmp_path):
    (tmp_path / "configs").mkdir()
    path = tmp_path / "configs"
    assert run_bad(cli, path, tmp_path) == f"{path}: is a directory, not a config file"


def test_a_device_is_not_read(cli, tmp_path):
    assert run_bad(cli, "/dev/zero", tmp_path) == "/dev/zero: is not a regular file"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
def test_an_empty_config(cli, write_config, tmp_path, text):
    path = write_config(text)
    assert run_bad(cli, path, tmp_path) == f"{path}: the config is empty"


def test_text_that_is_not_utf8(cli, write_config, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.replace("probe", "caf\xe9").encode("latin-1"))
    message = run_bad(cli, path, tmp_path)
    assert message.startswith(f"{path}:1: not UTF-8 text (invalid continuation byte at byte")


def test_a_file_too_large_to_be_a_config_is_not_read(cli, write_config, tmp_path):
    path = write_config(BASE + "#" * MAX_CONFIG_BYTES + "\n")
    assert run_bad(cli, path, tmp_path) == (f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; "
                                            "this is not a config file")


def test_a_file_name_that_is_no_run_name_needs_a_name_key(cli, write_config, tmp_path):
    path = write_config(BASE.replace("name: probe\n", ""), "my config.yaml")
    assert run_bad(cli, path, tmp_path) == (f"{path}:1: name: the file name 'my config' is not "
                                            "a usable run name; add a name: to the config")


def test_an_outputs_root_that_is_a_file(cli, write_config, tmp_path):
    outputs = tmp_path / "outputs"
    outputs.write_text("not a directory")
    result = cli("run", write_config(BASE), "--outputs", outputs)
    assert result.exit_code == 2
    assert result.stderr == f"error: --outputs {outputs}: is not a directory\n"
    assert outputs.read_text() == "not a directory"


def test_an_existing_empty_outputs_root_stays_empty(cli, write_config, tmp_path):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    result = cli("run", write_config(BASE.replace("lr: 0.15", "lr: 0")), "--outputs", outputs)
    assert result.exit_code == 2
    assert list(outputs.iterdir()) == []


# --- unsafe tags never execute ----------------------------------------------------------------

def payloads(sentinel):
    return [
        f"!!python/object/apply:os.system ['touch {sentinel}']",
        f"!!python/object/apply:builtins.open ['{sentinel}', 'w']",
        f"!!python/object/new:builtins.open ['{sentinel}', 'w']",
        f"!!python/object/apply:subprocess.check_call [[touch, '{sentinel}']]",
    ]


def test_the_payloads_would_create_a_file_under_an_unsafe_loader(tmp_path):
    """The control: each payload really does create the sentinel file when executed."""
    for i, payload in enumerate(payloads(tmp_path / "sentinel")):
        made = yaml.unsafe_load(f"description: {payload}\n")["description"]
        if hasattr(made, "close"):
            made.close()
        assert (tmp_path / "sentinel").exists(), payload
        (tmp_path / "sentinel").unlink()


@pytest.mark.parametrize("place", ["value", "key", "nested-value", "set"])
def test_unsafe_tags_are_refused_and_never_run(cli, write_config, tmp_path, place):
    sentinel = tmp_path / "sentinel"
    for payload in payloads(sentinel):
        args = []
        if place == "value":
            text = BASE + f"description: {payload}\n"
        elif place == "key":
            text = BASE + f"? {payload}\n: 1\n"
        elif place == "nested-value":
            text = BASE.replace("w: 2.0", f"w: {payload}")
        else:
            text, args = BASE, ["--set", f"description={payload}"]
        message = run_bad(cli, write_config(text), tmp_path, *args)
        assert "!!python/" in message or "keys must be names" in message, message
        assert not sentinel.exists()


# --- --set --------------------------------------------------------------------------------------

SET_CASES = [
    # (the --set argument, dotted key, problem)
    ("train.lr", "", "expected KEY=VALUE, e.g. --set train.lr=0.3"),
    ("=0.3", "", "expected KEY=VALUE"),
    ("train..lr=0.3", "train..lr", "empty part in the dotted key"),
    ("train.lr=[1", "train.lr", "YAML syntax error: "),
    ("train.lr=a: b: c", "train.lr", "YAML syntax error: "),
    ("train.lrr=0.3", "train.lrr", "unknown key (did you mean 'lr'?)"),
    ("trian.lr=0.3", "trian", "unknown key (did you mean 'train'?)"),
    ("train.lr=abc", "train.lr", "must be a number, got 'abc'"),
    ("train.lr=", "train.lr", "must be a number, got null"),
    ("train.lr=0", "train.lr", "must be > 0, got 0"),
    ("train.epochs=.inf", "train.epochs", "must be finite, got inf"),
    ("train.epochs=1e13", "train.epochs", "1e+13 epochs would need"),
    ("plots=yes please", "plots", "must be true or false, got 'yes please'"),
    ("train.lr.x=1", "train.lr", "is 0.15, not a section, so it has no key 'x'"),
    ("model.activation.alpha=1", "model.activation.alpha", "unknown key; allowed here: none"),
    ("name=../x", "name", "must be a plain name"),
    ("model.init={w: 1, b: x}", "model.init.b", "must be a number, got 'x'"),
    ("loss.name=quadratc", "loss.name", "unknown loss 'quadratc' (did you mean 'quadratic'?)"),
    ("model.activation=sigmod", "model.activation.name", "(did you mean 'sigmoid'?)"),
    ("description=!!binary cHJvYmU=", "description", "unsupported YAML tag !!binary"),
]


@pytest.mark.parametrize("arg, key, problem", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_a_bad_set_names_the_set_key_and_problem(cli, write_config, tmp_path, arg, key, problem):
    message = run_bad(cli, write_config(BASE), tmp_path, "--set", "train.epochs=3", "--set", arg)
    prefix = f"--set {arg}: " + (f"{key}: " if key else "")
    assert message.startswith(prefix), message
    assert problem in message[len(prefix):], message


def test_a_set_that_creates_a_section_is_blamed_for_its_errors(cli, write_config, tmp_path):
    text = BASE.replace("target: {tolerance: 0.1}\n", "")
    message = run_bad(cli, write_config(text), tmp_path, "--set", "target.tolerance=-1")
    assert message == "--set target.tolerance=-1: target.tolerance: must be > 0, got -1"


@pytest.mark.parametrize("args, says", [
    (["run"], "lossexp run: Missing argument 'CONFIG'. (see 'lossexp run --help')"),
    (["run", "c.yaml", "--set"], "Option '--set' requires an argument."),
    (["run", "c.yaml", "--outputs"], "Option '--outputs' requires an argument."),
    (["run", "c.yaml", "--bogus"], "No such option: --bogus"),
    (["rnu"], "No such command 'rnu'. Did you mean 'run'?"),
])
def test_command_line_mistakes_are_one_line_too(cli, tmp_path, monkeypatch, args, says):
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: lossexp")
    assert says in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- no traceback unless --debug ----------------------------------------------------------

def test_debug_shows_the_traceback_and_still_exits_2(write_config, tmp_path):
    path = write_config(BASE.replace("lr: 0.15", "lr: 0"))
    done = subprocess.run([sys.executable, "-m", "lossexp", "run", str(path), "--outputs",
                           str(tmp_path / "out"), "--debug"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "Traceback (most recent call last)" in done.stderr
    assert "lossexp.errors.ConfigError" in done.stderr
    assert done.stderr.splitlines()[-1] == f"error: {path}:8: train.lr: must be > 0, got 0"
    assert not (tmp_path / "out").exists()


def test_an_unexpected_failure_is_one_line_pointing_at_debug(cli, write_config, tmp_path,
                                                              monkeypatch):
    import lossexp.run.experiment

    def broken(cfg, on_epoch=None):
        raise ValueError("something inside\nbroke")

    monkeypatch.setattr(lossexp.run.experiment, "run_experiment", broken)
    result = cli("run", write_config(BASE), "--outputs", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr == ("error: internal error: ValueError: something inside\\nbroke "
                             "(rerun with --debug for the traceback)\n")


# --- the library: what load_config accepts and how it normalises ------------------------------

def test_numbers_are_normalised_like_yaml_1_2(write_config):
    text = (BASE.replace("lr: 0.15", "lr: 1e-1").replace("epochs: 5", "epochs: 3.0")
            .replace("w: 2.0", "w: 2").replace("b: 2.0", "b: -2.5E+0"))
    cfg = load_config(write_config(text))
    assert cfg["train"]["lr"] == 0.1 and type(cfg["train"]["lr"]) is float
    assert cfg["train"]["epochs"] == 3 and type(cfg["train"]["epochs"]) is int
    assert cfg["model"]["init"] == {"w": 2.0, "b": -2.5}
    assert type(cfg["model"]["init"]["w"]) is float


def test_anchors_under_x_keys_and_merge_keys_work(write_config):
    text = ("x-start: &start {w: 0.6, b: 0.9}\n"
            "x-train: &train {lr: 0.5, epochs: 7}\n"
            + BASE.replace("{w: 2.0, b: 2.0}", "*start")
                  .replace("{lr: 0.15, epochs: 5}", "{<<: *train, lr: 0.25}"))
    cfg = load_config(write_config(text))
    assert cfg["model"]["init"] == {"w": 0.6, "b": 0.9}
    assert (cfg["train"]["lr"], cfg["train"]["epochs"]) == (0.25, 7)
    assert "x-start" not in cfg and "x-train" not in cfg


def test_a_merged_value_is_located_at_its_anchor(write_config):
    text = ("x-train: &train {lr: 0.5, epochs: -7}\n"
            + BASE.replace("{lr: 0.15, epochs: 5}", "{<<: *train, lr: 0.25}"))
    path = write_config(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}:1: train.epochs: must be >= 1, got -7"


def test_a_run_directory_config_with_its_versions_loads_again(write_config):
    cfg = load_config(write_config(BASE + "versions: {lossexp: 0.1.0, numpy: 2.0.0}\n"))
    assert "versions" not in cfg


def test_load_config_leaves_the_parsed_data_alone(write_config):
    from lossexp.config import parse_yaml, resolve

    data, lines = parse_yaml(BASE, "c.yaml")
    before = yaml.safe_dump(data)
    resolve(data, lines, "c.yaml", ["train.lr=0.3", "target.plateau_fraction=0.2"],
            default_name="c")
    assert yaml.safe_dump(data) == before


def test_messages_stay_on_one_line_whatever_the_key(write_config):
    path = write_config(BASE + '"two\\nlines": 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path}:10: two\\nlines: unknown key")


def test_long_values_are_shortened_in_messages(write_config):
    path = write_config(BASE.replace("lr: 0.15", "lr: " + "x" * 5000))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert len(str(info.value)) < 200 + len(str(path))


# --- the reference ------------------------------------------------------------------------------

def test_the_reference_documents_every_core_key():
    from pathlib import Path

    from lossexp.config.load import build_schema

    reference = (Path(__file__).parent.parent / "docs" / "config.md").read_text()
    schema = build_schema()
    keys = list(schema.fields)
    keys += list(schema.fields["train"].fields) + list(schema.fields["target"].fields)
    neuron = schema.fields["model"].variants["neuron"]
    keys += [f"init.{k}" for k in neuron.fields["init"].fields] + ["activation"]
    undocumented = [k for k in keys if f"| `{k}` |" not in reference]
    assert undocumented == []


def test_the_reference_anchor_example_loads(write_config):
    from pathlib import Path

    reference = (Path(__file__).parent.parent / "docs" / "config.md").read_text()
    example = reference.split("  ```yaml\n")[1].split("  ```\n")[0]
    text = "\n".join(line[2:] for line in example.splitlines()) + "\n"
    cfg = load_config(write_config(text + "task: {kind: one_to_zero}\nloss: quadratic\n"))
    assert cfg["model"]["init"] == {"w": 2.0, "b": 2.0}
    assert (cfg["train"]["lr"], cfg["train"]["epochs"]) == (0.005, 300)


@pytest.mark.parametrize("text, value", [("012", 12), ("0o17", 15), ("0x1f", 31), ("-7", -7),
                                         (".5", 0.5), ("1e3", 1000.0), ("-.inf", -math.inf)])
def test_numbers_read_as_yaml_1_2_writes_them(text, value):
    from lossexp.config.yaml_reader import parse_yaml

    data, _ = parse_yaml(f"v: {text}\n", "value")
    assert data["v"] == value and type(data["v"]) is type(value)
