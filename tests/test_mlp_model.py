"""The mlp model kind: config section, init schemes and their documented draw order."""

import numpy as np
import pytest

from lossexp.config import parse_yaml, resolve
from lossexp.errors import ConfigError
from lossexp.run.experiment import run_experiment
from lossexp.train.model import build_model

MLP = """\
task: {kind: one_to_zero}
model:
  kind: mlp
  layers: [1, 3, 2, 1]
  hidden_activation: tanh
  output_activation: sigmoid
  init: {scheme: normal, scale: 2.5}
loss: {name: quadratic}
train: {lr: 0.5, epochs: 4, seed: 7}
"""


def load(text, *overrides):
    data, lines = parse_yaml(text, "c.yaml")
    return resolve(data, lines, "c.yaml", overrides, default_name="c")


def initial(text, *overrides):
    _, params, layers = build_model(load(text, *overrides))
    return params, layers


def test_normal_init_draws_weights_then_biases_layer_by_layer():
    params, layers = initial(MLP)
    rng = np.random.default_rng(7)
    for l, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:])):
        w = 2.5 * rng.standard_normal((n_out, n_in))
        b = 2.5 * rng.standard_normal(n_out)
        assert np.array_equal(params.weights[l][0], w)
        assert np.array_equal(params.biases[l][0], b)


def test_uniform_init_stays_inside_its_scale_and_follows_the_draw_order():
    params, _ = initial(MLP, "model.init={scheme: uniform, scale: 0.3}")
    rng = np.random.default_rng(7)
    assert np.array_equal(params.weights[0][0], rng.uniform(-0.3, 0.3, (3, 1)))
    assert np.array_equal(params.biases[0][0], rng.uniform(-0.3, 0.3, 3))
    assert all(np.abs(w).max() <= 0.3 for w in params.weights)


@pytest.mark.parametrize("scheme, variance", [
    ("xavier", lambda n_in, n_out: 2.0 / (n_in + n_out)),
    ("he", lambda n_in, n_out: 2.0 / n_in),
])
def test_fan_scaled_schemes_have_their_variance_and_zero_biases(scheme, variance):
    params, _ = initial(MLP, f"model.init.scheme={scheme}", "model.layers=[1,400,300,1]",
                        "model.init.scale=null")
    w = params.weights[1][0]
    assert w.shape == (300, 400)
    assert w.var() == pytest.approx(variance(400, 300), rel=0.02)
    assert all(not b.any() for b in params.biases)


def test_explicit_init_takes_the_given_values():
    params, _ = initial(MLP, "model.layers=[1,2,1]",
                        "model.init={scheme: explicit, weights: [[[1], [2]], [[3, 4]]], "
                        "biases: [[5, 6], [7]]}")
    assert params.weights[0].tolist() == [[[1.0], [2.0]]]
    assert params.weights[1].tolist() == [[[3.0, 4.0]]]
    assert params.biases[0].tolist() == [[5.0, 6.0]] and params.biases[1].tolist() == [[7.0]]


def test_same_seed_same_network_other_seed_other_network():
    a, _ = initial(MLP)
    b, _ = initial(MLP)
    c, _ = initial(MLP, "train.seed=8")
    assert all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights))
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_the_mlp_1_1_is_the_neuron():
    neuron = load(MLP, "model={kind: neuron, activation: sigmoid, init: {w: 2.0, b: 2.0}}")
    mlp = load(MLP, "model.layers=[1,1]",
               "model.init={scheme: explicit, weights: [[[2.0]]], biases: [[2.0]]}")
    a, b = run_experiment(neuron), run_experiment(mlp)
    assert a.summary == b.summary
    assert a.metrics.keys() == b.metrics.keys()
    assert all(np.array_equal(a.metrics[k], b.metrics[k]) for k in a.metrics)


@pytest.mark.parametrize("override, where, message", [
    ("model.layers=[1]", "--set model.layers=[1]", "at least 2 items"),
    ("model.layers=[2, 3, 1]", "--set model.layers=[2, 3, 1]: model.layers.0",
     "task 'one_to_zero' gives 1 input"),
    ("model.layers=[1, 3, 2]", "--set model.layers=[1, 3, 2]: model.layers.2",
     "task 'one_to_zero' has 1 target"),
    ("model.hidden_activation=sigmod", "--set", "did you mean 'sigmoid'"),
    ("model.init.scheme=gaussian", "--set", "must be one of normal"),
    ("model.init.scheme=he", "c.yaml:7", "scheme 'he' takes no scale"),
    ("model.init={scheme: explicit}", "--set", "model.init.weights: missing required key"),
])
def test_bad_mlp_sections_name_the_key(override, where, message):
    with pytest.raises(ConfigError) as err:
        load(MLP, override)
    assert str(err.value).startswith(where)
    assert message in str(err.value)


def test_a_layer_without_units_is_refused_at_its_line():
    with pytest.raises(ConfigError, match=r"^c.yaml:4: model.layers.1: must be >= 1, got 0$"):
        load(MLP.replace("[1, 3, 2, 1]", "[1, 0, 1]"))


EXPLICIT = """\
task: {kind: one_to_zero}
model:
  kind: mlp
  layers: [1, 2, 1]
  output_activation: sigmoid
  init:
    scheme: explicit
    weights:
      - [[1.0], [2.0]]
      - [[1.0, 2.0, 3.0]]
    biases: [[0, 0], [0]]
loss: {name: quadratic}
train: {lr: 0.5, epochs: 4}
"""


def test_explicit_weights_of_the_wrong_shape_point_at_their_line():
    with pytest.raises(ConfigError, match=r"^c.yaml:10: model.init.weights.1.0: must have 2 "
                                          r"values \(layer 2 has 2 inputs\), got 3$"):
        load(EXPLICIT)


@pytest.mark.parametrize("override, message", [
    ("model.init.biases=[[0, 0]]", "model.init.biases: must have 2 entries"),
    ("model.init.biases.0=[0]", "model.init.biases.0: must have 2 values"),
    ("model.init.weights.0=[[1.0]]", "model.init.weights.0: must have 2 rows"),
])
def test_explicit_shape_errors(override, message):
    with pytest.raises(ConfigError, match=message):
        load(EXPLICIT, "model.init.weights.1=[[1.0, 2.0]]", override)
