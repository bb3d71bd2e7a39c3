"""What an MLP run records per epoch, recomputed independently from the network's state;
and the classification tasks it trains on."""

import numpy as np
import pytest

from lossexp.config import parse_yaml, resolve
from lossexp.run.experiment import run_experiment
from lossexp.tasks import make_data, task_shape
from lossexp.tasks.classification import blob_centres
from lossexp.train.model import build_model

CONFIG = """\
name: tr
task: {kind: blobs, classes: 3, per_class: 6, radius: 2.0, spread: 0.5}
model:
  kind: mlp
  layers: [2, 4, 3]
  hidden_activation: tanh
  output_activation: sigmoid
  init: {scheme: normal, scale: 2.0}
loss: {name: quadratic}
train: {lr: 0.5, epochs: 3, seed: 4}
"""


def load(*overrides):
    data, lines = parse_yaml(CONFIG, "t.yaml")
    return resolve(data, lines, "t.yaml", overrides, default_name="t")


def plain_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_epoch_zero_columns_match_a_hand_computation():
    cfg = load()
    data = make_data(cfg["task"], 4)
    _, params, _ = build_model(cfg)
    (W1, W2), (b1, b2) = [w[0] for w in params.weights], [b[0] for b in params.biases]
    z1 = data.x @ W1.T + b1
    h = np.tanh(z1)
    z2 = h @ W2.T + b2
    a = plain_sigmoid(z2)
    y = data.y
    n = len(y)
    delta = (a - y) * a * (1 - a)  # one sample's dC/dz_L
    gW2, gb2 = delta.T @ h / n, delta.mean(axis=0)
    back = (delta @ W2) * (1 - h ** 2)
    gW1, gb1 = back.T @ data.x / n, back.mean(axis=0)

    row = {k: v[0] for k, v in run_experiment(cfg).metrics.items()}
    assert row["loss"] == pytest.approx((0.5 * (a - y) ** 2).sum(axis=1).mean(), rel=1e-13)
    assert row["accuracy"] == np.mean(np.argmax(a, axis=1) == np.argmax(y, axis=1))
    assert row["mean_abs_delta"] == pytest.approx(np.abs(delta).mean(), rel=1e-13)
    for layer, (gW, gb) in {1: (gW1, gb1), 2: (gW2, gb2)}.items():
        norm = np.sqrt((gW ** 2).sum() + (gb ** 2).sum())
        assert row[f"grad_norm_{layer}"] == pytest.approx(norm, rel=1e-13)
    # Saturated: slope below 10% of the steepest: tanh' < 0.1, sigmoid' < 0.025.
    assert row["saturated_1"] == np.mean(1 - h ** 2 < 0.1)
    assert row["saturated_2"] == np.mean(a * (1 - a) < 0.025)
    assert 0 < row["saturated_2"] < 1  # the check above is not vacuous


def test_mean_abs_delta_is_per_sample_under_both_reductions():
    mean = run_experiment(load()).metrics["mean_abs_delta"][0]
    summed = run_experiment(load("train.reduction=sum")).metrics["mean_abs_delta"][0]
    assert mean == pytest.approx(summed, rel=1e-14)


def test_binary_accuracy_thresholds_the_output_at_one_half():
    cfg = load("task.classes=2", "task.one_hot=false", "model.layers=[2, 4, 1]")
    result = run_experiment(cfg)
    data = make_data(cfg["task"], 4)
    a = 1.0 / (1.0 + np.exp(-result.output_preactivations["z_start"]))
    assert result.metrics["accuracy"][0] == np.mean((a > 0.5) == (data.y[:, 0] == 1))
    assert result.summary["initial_accuracy"] == result.metrics["accuracy"][0]
    assert result.summary["final_accuracy"] == result.metrics["accuracy"][-1]


def test_output_preactivations_are_the_first_and_last_epochs():
    cfg = load()
    result = run_experiment(cfg)
    snap = result.output_preactivations
    assert snap["sample"].tolist() == np.repeat(np.arange(18), 3).tolist()
    assert snap["unit"].tolist() == np.tile(np.arange(3), 18).tolist()
    a_start = plain_sigmoid(snap["z_start"]).reshape(18, 3)
    a_end = plain_sigmoid(snap["z_end"]).reshape(18, 3)
    assert result.metrics["output"][0] == pytest.approx(a_start[0, 0], rel=1e-14)
    assert result.metrics["output"][-1] == pytest.approx(a_end[0, 0], rel=1e-14)


def test_regression_tasks_record_no_accuracy():
    assert "accuracy" not in run_experiment(load("task={kind: one_to_zero}",
                                                 "model.layers=[1, 3, 1]")).metrics


def test_xor_is_the_four_corners_labelled_by_parity():
    data = make_data({"kind": "xor", "repeats": 2, "noise": 0.0}, 0)
    assert data.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] * 2
    assert data.y[:, 0].tolist() == [0, 1, 1, 0] * 2
    assert data.classification
    noisy = make_data({"kind": "xor", "repeats": 50, "noise": 0.1}, 0)
    jitter = noisy.x - np.tile([[0, 0], [0, 1], [1, 0], [1, 1]], (50, 1))
    assert np.std(jitter) == pytest.approx(0.1, rel=0.15)


def test_blobs_sit_around_their_centres_with_one_hot_targets():
    params = {"kind": "blobs", "classes": 4, "per_class": 400, "dims": 3, "radius": 5.0,
              "spread": 0.5, "one_hot": True}
    data = make_data(params, 1)
    assert task_shape(params) == (3, 4) and data.y.shape == (1600, 4)
    labels = np.argmax(data.y, axis=1)
    assert np.array_equal(data.y.sum(axis=1), np.ones(1600))
    centres = [[5, 0, 0], [0, 5, 0], [-5, 0, 0], [0, -5, 0]]
    for k, centre in enumerate(centres):
        points = data.x[labels == k]
        assert len(points) == 400
        np.testing.assert_allclose(points.mean(axis=0), centre, atol=0.1)
        np.testing.assert_allclose(points.std(axis=0), 0.5, rtol=0.1)
    np.testing.assert_allclose(blob_centres(4, 3, 5.0), centres, atol=1e-14)


def test_blobs_without_one_hot_label_by_parity():
    params = {"kind": "blobs", "classes": 4, "per_class": 2, "dims": 2, "radius": 1.0,
              "spread": 0.0, "one_hot": False}
    data = make_data(params, 0)
    assert task_shape(params) == (2, 1)
    assert data.y[:, 0].tolist() == [0, 0, 1, 1, 0, 0, 1, 1]


def test_a_single_unit_on_many_samples_records_its_slope_and_intercept():
    """A line fit (the neuron model on a regression task) keeps w, b and their gradients."""
    from conftest import CONFIGS

    from lossexp.config import load_config
    from lossexp.run.experiment import run_experiment

    result = run_experiment(load_config(CONFIGS / "outliers.yaml", ["train.epochs=50"]))
    m = result.metrics
    assert {"w", "b", "grad_w", "grad_b", "grad_norm_1"} <= set(m) and "z" not in m
    assert m["w"][-1] == result.params.weights[0][0, 0, 0]
    assert m["b"][-1] == result.params.biases[0][0, 0]
    lr = result.config["train"]["lr"]
    np.testing.assert_allclose(m["w"][1:], m["w"][:-1] - lr * m["grad_w"][:-1], rtol=1e-14)
    np.testing.assert_allclose(np.hypot(m["grad_w"], m["grad_b"]), m["grad_norm_1"], rtol=1e-14)
