"""Configs that cannot train are refused when they are validated, before any training:
loss/activation pairs, loss parameters that do not fit the model, and --set reaching into a
shorthand. Each refusal is exit code 2, one stderr line naming file:line (or the --set) and
the key, and nothing written."""

from __future__ import annotations

import os

import numpy as np
import pytest
import yaml
from conftest import NEURON_CONFIG as NEURON

from lossexp.config import load_config
from lossexp.errors import ConfigError, LossexpError
from lossexp.library import activations, catalogue, losses

MLP = """\
name: probe
task: {kind: multi_output, samples: 8, scales: [1.0, 2.0, 3.0]}
model:
  kind: mlp
  layers: [1, 4, 3]
  hidden_activation: tanh
  output_activation: identity
  init: {scheme: xavier}
loss: {name: quadratic}
train: {lr: 0.01, epochs: 3}
plots: false
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def refused(cli, tmp_path, command, path, *sets) -> str:
    """The one stderr line of a refused command, after checking exit 2 and nothing written."""
    outputs = tmp_path / "outputs"
    args = [command, path, "--outputs", outputs]
    for s in sets:
        args += ["--set", s]
    result = cli(*args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == "" and not os.path.lexists(outputs)
    assert lines[0].startswith("error: ")
    return lines[0][len("error: "):]


def runs(cli, tmp_path, path, *sets) -> dict:
    """The resolved config.yaml of a run that must succeed."""
    args = ["run", path, "--outputs", tmp_path / "ok", "--quiet", "--no-plots"]
    for s in sets:
        args += ["--set", s]
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    return yaml.safe_load((tmp_path / "ok" / "probe" / "config.yaml").read_text())


# --- 1. loss / activation pairs --------------------------------------------------------------

def leaves_the_unit_interval(name: str) -> bool:
    """Independent of the declared bounds: does the activation, evaluated, leave [0, 1]?"""
    z = np.linspace(-40.0, 40.0, 801)
    z = np.stack([z, -z, 0.5 * z], axis=-1)  # three units, for softmax
    a = activations.get(name).value(z)
    return bool(a.min() < 0.0 or a.max() > 1.0)


def test_the_example_from_the_review_is_refused_at_the_loss_set(cli, write_config, tmp_path):
    message = refused(cli, tmp_path, "run", write_config(NEURON),
                      "model.activation=identity", "loss=cross_entropy")
    assert message == ("--set loss=cross_entropy: loss: cross_entropy reads outputs in [0, 1] "
                       "but identity gives all reals; set model.activation to sigmoid")


@pytest.mark.parametrize("act", [a for a in activations.names() if a != "softmax"])
def test_cross_entropy_after_a_neuron_needs_outputs_in_the_unit_interval(cli, write_config,
                                                                          tmp_path, act):
    text = NEURON.replace("activation: sigmoid", f"activation: {act}").replace(
        "{name: quadratic}", "{name: cross_entropy}")
    if leaves_the_unit_interval(act):
        message = refused(cli, tmp_path, "run", write_config(text))
        prefix = f"{tmp_path / 'cfg.yaml'}:{line_of(text, 'loss:')}: loss: cross_entropy "
        assert message.startswith(prefix), message
        assert f"but {act} gives" in message and message.endswith("set model.activation to sigmoid")
    else:
        assert runs(cli, tmp_path, write_config(text))["loss"] == {"name": "cross_entropy"}


@pytest.mark.parametrize("act", activations.names())
def test_categorical_cross_entropy_after_an_mlp_output(cli, write_config, tmp_path, act):
    text = MLP.replace("output_activation: identity", f"output_activation: {act}")
    sets = ["loss=categorical_cross_entropy"]
    if leaves_the_unit_interval(act):
        message = refused(cli, tmp_path, "run", write_config(text), *sets)
        assert message.startswith("--set loss=categorical_cross_entropy: loss: "
                                  "categorical_cross_entropy reads outputs in [0, 1]"), message
        assert message.endswith("set model.output_activation to sigmoid or softmax")
    else:
        runs(cli, tmp_path, write_config(text), *sets)


def test_categorical_cross_entropy_needs_two_outputs(cli, tmp_path):
    """On one output, -y log a is 0 for the target y = 0 whatever a is: a run would learn
    nothing and report every milestone met at epoch 0. Refused, pointing at cross_entropy."""
    from conftest import CONFIGS

    message = refused(cli, tmp_path, "run", CONFIGS / "mse_unlucky.yaml",
                      "loss=categorical_cross_entropy")
    assert message.endswith("loss.name: categorical_cross_entropy compares a distribution "
                            "over two or more classes, but the model has 1 output; for one "
                            "output use cross_entropy"), message
    shown = cli("explain", "categorical_cross_entropy", "sigmoid")
    assert shown.exit_code == 0 and "no example start" in shown.stdout
    assert "dz/dt" not in shown.stdout  # no flow of one neuron to predict from


def test_the_hidden_activation_does_not_matter_to_the_loss(cli, write_config, tmp_path):
    text = MLP.replace("output_activation: identity", "output_activation: softmax")
    runs(cli, tmp_path, write_config(text), "model.hidden_activation=relu",
         "loss=categorical_cross_entropy")


def test_explain_and_the_config_check_refuse_the_same_pairs(tmp_path):
    """One rule: explain warns about a pair exactly when a config with it is refused."""
    path = tmp_path / "mlp.yaml"
    path.write_text(MLP)
    for loss in losses.names():
        for act in activations.names():
            warning = catalogue.explain(loss, act).warning
            try:
                load_config(path, [f"loss={loss}", f"model.output_activation={act}"])
                refusal = None
            except ConfigError as exc:
                assert exc.key == "loss", exc
                refusal = exc.problem
            if warning is None:
                assert refusal is None, (loss, act, refusal)
            else:
                assert refusal is not None and warning.startswith(refusal.split(";")[0]), \
                    (loss, act, warning, refusal)


def test_a_one_unit_softmax_is_constant_so_it_is_refused(cli, write_config, tmp_path):
    softmax = activations.get("softmax")
    z = np.linspace(-30.0, 30.0, 61)[:, None]
    assert np.all(softmax.value(z) == 1.0)                       # always 1 ...
    assert np.all(softmax.vjp(z, np.ones_like(z)) == 0.0)       # ... so every gradient is 0
    message = refused(cli, tmp_path, "run", write_config(NEURON), "model.activation=softmax")
    assert message == ("--set model.activation=softmax: model.activation: softmax needs at "
                       "least 2 units, but a neuron has 1 unit: over fewer its output is "
                       "constant, so every gradient is 0")


def test_a_one_unit_softmax_output_layer_is_refused_at_its_line(cli, write_config, tmp_path):
    text = MLP.replace("output_activation: identity", "output_activation: softmax").replace(
        "[1, 4, 3]", "[1, 4, 1]").replace("scales: [1.0, 2.0, 3.0]", "scales: [1.0]")
    message = refused(cli, tmp_path, "run", write_config(text))
    assert message.startswith(f"{tmp_path / 'cfg.yaml'}:{line_of(text, 'output_activation')}: "
                              "model.output_activation: softmax needs at least 2 units, but "
                              "the output layer has 1 unit"), message


def test_a_one_unit_softmax_hidden_layer_is_refused(cli, write_config, tmp_path):
    message = refused(cli, tmp_path, "run", write_config(MLP), "model.layers=[1, 4, 1, 3]",
                      "model.hidden_activation=softmax")
    assert message.startswith("--set model.hidden_activation=softmax: model.hidden_activation: "
                              "softmax needs at least 2 units, but hidden layer 2 has 1 unit")


# --- 2. loss parameters that do not fit the model -------------------------------------------

def test_quadratic_weights_must_match_the_outputs(cli, write_config, tmp_path):
    message = refused(cli, tmp_path, "run", write_config(MLP), "loss.weights=[1, 2]")
    assert message == ("--set loss.weights=[1, 2]: loss.weights: has 2 weights, one per "
                       "output, but the model has 3 outputs")
    text = NEURON.replace("{name: quadratic}", "{name: quadratic, weights: [1, 2]}")
    message = refused(cli, tmp_path, "run", write_config(text))
    assert message == (f"{tmp_path / 'cfg.yaml'}:{line_of(text, 'weights')}: loss.weights: has "
                       "2 weights, one per output, but the model has 1 output")
    assert runs(cli, tmp_path, write_config(MLP), "loss.weights=[1, 2, 3]")["loss"] == {
        "name": "quadratic", "convention": "half", "weights": [1.0, 2.0, 3.0]}


def test_a_variance_with_a_predicted_variance_is_refused_at_its_line(cli, write_config,
                                                                      tmp_path):
    text = MLP.replace("{name: quadratic}", "\n  name: gaussian_nll\n  heteroscedastic: true"
                                            "\n  variance: 2.0").replace(
        "[1, 4, 3]", "[1, 4, 2]").replace("scales: [1.0, 2.0, 3.0]", "scales: [1.0]")
    message = refused(cli, tmp_path, "run", write_config(text))
    assert message == (f"{tmp_path / 'cfg.yaml'}:{line_of(text, 'variance:')}: loss.variance: is "
                       "predicted by the model when heteroscedastic is true; leave variance out "
                       "(got 2.0)")
    text = text.replace("\n  variance: 2.0", "")
    message = refused(cli, tmp_path, "run", write_config(text), "loss.variance=0.5")
    assert message.startswith("--set loss.variance=0.5: loss.variance: is predicted by the model")


def test_the_loss_object_applies_the_same_rules():
    with pytest.raises(ConfigError, match="loss 'gaussian_nll': variance: is predicted"):
        losses.get("gaussian_nll", heteroscedastic=True, variance=2.0)
    quadratic = losses.get("quadratic", weights=[1.0, 2.0])
    with pytest.raises(LossexpError, match="loss 'quadratic': weights: has 2 weights, one per "
                                          "output, but the model has 3 outputs"):
        quadratic.value(np.zeros((4, 3)), np.zeros((4, 3)))


# --- every loss of a sweep ------------------------------------------------------------------

SWEEP = NEURON + """\
sweep:
  grid:
    w: {from: -1, to: 1, steps: 2}
    b: {from: -1, to: 1, steps: 2}
  losses:
    - quadratic
    - {name: gaussian_nll, heteroscedastic: true}
"""


def test_the_review_s_sweep_example_is_refused_at_the_second_loss(cli, write_config, tmp_path):
    message = refused(cli, tmp_path, "sweep", write_config(SWEEP.split("  losses:")[0]),
                      "sweep.losses=[quadratic, {name: gaussian_nll, heteroscedastic: true}]")
    assert message == ("--set sweep.losses=[quadratic, {name: gaussian_nll, heteroscedastic: "
                       "true}]: sweep.losses.1: a neuron has one input and one output; task "
                       "'one_to_zero' has 1 input and needs 2 outputs (gaussian_nll reads 2 "
                       "outputs per target)")


@pytest.mark.parametrize("item, key, problem", [
    ("{name: gaussian_nll, heteroscedastic: true}", "sweep.losses.1", "needs 2 outputs"),
    ("{name: quadratic, weights: [1, 1]}", "sweep.losses.1.weights",
     "has 2 weights, one per output, but the model has 1 output"),
    ("cross_entropy", "sweep.losses.1",
     "cross_entropy reads outputs in [0, 1] but identity gives all reals"),
])
def test_every_loss_of_a_sweep_must_fit_the_model(cli, write_config, tmp_path, item, key,
                                                  problem):
    text = SWEEP.replace("{name: gaussian_nll, heteroscedastic: true}", item).replace(
        "activation: sigmoid", "activation: identity")
    line = line_of(text, item)
    message = refused(cli, tmp_path, "sweep", write_config(text))
    assert message.startswith(f"{tmp_path / 'cfg.yaml'}:{line}: {key}: "), message
    assert problem in message


# --- 3. --set inside a shorthand --------------------------------------------------------------

def test_a_set_reaches_into_a_loss_given_by_name(cli, write_config, tmp_path):
    cfg = runs(cli, tmp_path, write_config(NEURON), "loss=huber", "loss.delta=0.5")
    assert cfg["loss"] == {"name": "huber", "delta": 0.5}
    text = NEURON.replace("{name: quadratic}", "huber")
    cfg = runs(cli, tmp_path, write_config(text), "loss.delta=0.25")
    assert cfg["loss"] == {"name": "huber", "delta": 0.25}


def test_a_set_reaches_into_an_activation_given_by_name(cli, write_config, tmp_path):
    cfg = runs(cli, tmp_path, write_config(NEURON), "model.activation=leaky_relu",
               "model.activation.alpha=0.2")
    assert cfg["model"]["activation"] == {"name": "leaky_relu", "alpha": 0.2}


def test_a_set_inside_a_shorthand_is_still_validated(cli, write_config, tmp_path):
    message = refused(cli, tmp_path, "run", write_config(NEURON), "loss=huber", "loss.delta=-1")
    assert message == "--set loss.delta=-1: loss.delta: must be > 0, got -1"
    message = refused(cli, tmp_path, "run", write_config(NEURON), "loss=quadratic",
                      "loss.delta=1")
    assert message.startswith("--set loss.delta=1: loss.delta: unknown key; allowed here: "
                              "convention, weights")


def test_a_set_reaches_into_a_shorthand_in_a_list(cli, write_config, tmp_path):
    text = SWEEP.replace("{name: gaussian_nll, heteroscedastic: true}", "gaussian_nll")
    message = refused(cli, tmp_path, "sweep", write_config(text),
                      "sweep.losses.1.heteroscedastic=true")
    assert message.startswith(f"{tmp_path / 'cfg.yaml'}:{line_of(text, '- gaussian_nll')} "
                              "(with --set sweep.losses.1.heteroscedastic=true): "
                              "sweep.losses.1: a neuron has one input and one output"), message
    message = refused(cli, tmp_path, "sweep", write_config(text),
                      "sweep.losses.1.variance=-2")
    assert message == ("--set sweep.losses.1.variance=-2: sweep.losses.1.variance: must be > 0, "
                       "got -2")
