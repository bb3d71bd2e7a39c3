"""The sigmoid neuron against the published figures and an independent re-implementation."""

import math
from pathlib import Path

import numpy as np
import pytest

from lossexp.config import load_config
from lossexp.library.activations import Sigmoid
from lossexp.library.fused import SigmoidCrossEntropy
from lossexp.library.losses import CrossEntropy, Quadratic
from lossexp.run.experiment import run_experiment
from lossexp.train.engine import Network
from lossexp.train.model import neuron_params

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
# Overflow, 0/0 and division by zero raise; underflow to 0 is correct rounding (exp(-800)).
def no_fp_warnings():
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


NEURON_CONFIGS = ["mse_lucky", "mse_unlucky", "ce_lucky", "ce_unlucky", "ce_unlucky_same_lr"]


def reference_curve(w, b, loss, lr, epochs, x=1.0, y=0.0):
    """Plain-Python gradient descent on one sigmoid neuron, written from the formulas."""
    rows = []
    for epoch in range(epochs + 1):
        z = w * x + b
        a = 1.0 / (1.0 + math.exp(-z))
        if loss == "quadratic":
            cost = (a - y) ** 2 / 2
            dc_dz = (a - y) * a * (1 - a)
        else:
            cost = -(y * math.log(a) + (1 - y) * math.log(1 - a))
            dc_dz = a - y
        grad_w, grad_b = dc_dz * x, dc_dz
        rows.append({"epoch": epoch, "loss": cost, "output": a, "z": z, "w": w, "b": b,
                     "grad_w": grad_w, "grad_b": grad_b})
        w, b = w - lr * grad_w, b - lr * grad_b
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def run(name):
    return run_experiment(load_config(CONFIGS / f"{name}.yaml"))


@pytest.mark.parametrize("name", NEURON_CONFIGS)
def test_whole_curve_matches_plain_python(name):
    result = run(name)
    cfg = result.config
    ref = reference_curve(cfg["model"]["init"]["w"], cfg["model"]["init"]["b"],
                          cfg["loss"]["name"], cfg["train"]["lr"], cfg["train"]["epochs"])
    assert len(result.metrics["epoch"]) == cfg["train"]["epochs"] + 1
    for column, expected in ref.items():
        np.testing.assert_allclose(result.metrics[column], expected, rtol=1e-12, atol=1e-12,
                                   err_msg=f"{name}: column {column}")


def test_published_lucky_numbers():
    summary = run("mse_lucky").summary
    assert round(summary["initial_output"], 2) == 0.82
    assert round(summary["final_output"], 2) == 0.09


def test_published_unlucky_numbers_and_plateau():
    summary = run("mse_unlucky").summary
    assert round(summary["initial_output"], 2) == 0.98
    assert round(summary["final_output"], 2) == 0.20
    # "a plateau lasting over a hundred epochs" in the notes
    assert summary["plateau_epochs"] > 100
    assert summary["epochs_to_target"] is None


@pytest.mark.parametrize("name", ["mse_lucky", "ce_lucky", "ce_unlucky", "ce_unlucky_same_lr"])
def test_no_plateau_where_learning_starts_at_once(name):
    assert run(name).summary["plateau_epochs"] <= 2


def test_cross_entropy_beats_quadratic_from_the_same_start():
    quadratic = run("mse_unlucky").summary
    ce = run("ce_unlucky_same_lr").summary
    assert ce["epochs_to_target"] is not None and ce["epochs_to_target"] < 100
    assert ce["final_output"] < quadratic["final_output"]


def test_cross_entropy_loss_falls_from_the_first_epoch():
    loss = run("ce_unlucky").metrics["loss"]
    assert np.all(np.diff(loss) < 0)
    # the first ten epochs already take more than 1% off the loss; the quadratic doesn't
    assert loss[10] < 0.99 * loss[0]
    mse = run("mse_unlucky").metrics["loss"]
    assert mse[10] > 0.998 * mse[0]


def cost_of(network, w, b, x, y):
    params = neuron_params(w, b)
    zs, acts = network.forward(params, x)
    return network.cost(zs[-1], acts[-1], y)[0]


@pytest.mark.parametrize("loss", [Quadratic(), CrossEntropy()])
@pytest.mark.parametrize("w, b", [(2.0, 2.0), (0.6, 0.9), (-1.3, 0.4), (3.0, -7.5)])
@pytest.mark.parametrize("x, y", [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.3)])
def test_gradients_match_finite_differences(loss, w, b, x, y):
    network = Network([Sigmoid()], loss)
    xs, ys = np.array([[x]]), np.array([[y]])
    step = network.evaluate(neuron_params(w, b), xs, ys)
    h = 1e-5
    # 4th-order central differences: error O(h^4), far below the tolerance
    def fd(f):
        return (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
    dw = fd(lambda e: cost_of(network, w + e, b, xs, ys))
    db = fd(lambda e: cost_of(network, w, b + e, xs, ys))
    np.testing.assert_allclose(step.grads_w[0][0, 0, 0], dw, rtol=1e-7, atol=1e-11)
    np.testing.assert_allclose(step.grads_b[0][0, 0], db, rtol=1e-7, atol=1e-11)


def test_quadratic_delta_carries_the_sigmoid_slope():
    network = Network([Sigmoid()], Quadratic())
    z = np.array([[[4.0]]])
    a = Sigmoid().value(z)
    delta = network.output_delta(z, a, np.array([[0.0]]))
    np.testing.assert_allclose(delta, a * a * (1 - a), rtol=1e-15)


@pytest.mark.parametrize("z", [800.0, -800.0, 40.0, -40.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_cross_entropy_from_logits_is_finite_in_the_tails(z, y):
    fused = SigmoidCrossEntropy()
    with no_fp_warnings():
        loss = fused.loss(np.array(z), y)
        delta = fused.delta(np.array(z), y)
    assert np.isfinite(loss) and np.isfinite(delta)
    # softplus(z) - y z: for z = 800, y = 0 the loss is 800; for y = 1, ~exp(-800) ~ 0
    expected = max(z, 0.0) - y * z + math.log1p(math.exp(-abs(z)))
    assert loss == pytest.approx(expected, rel=1e-15, abs=1e-300)
    assert delta == pytest.approx((1.0 if z > 0 else 0.0) - y, abs=1e-15)


@pytest.mark.parametrize("w, b", [(400.0, 400.0), (-400.0, -400.0)])
def test_saturated_cross_entropy_step_is_finite_without_warnings(w, b):
    # train() tolerates inf/nan for diverging runs, so check the step itself, unguarded.
    network = Network([Sigmoid()], CrossEntropy())
    with no_fp_warnings():
        step = network.evaluate(neuron_params(w, b), np.array([[1.0]]), np.array([[0.0]]))
    assert step.loss[0] == pytest.approx(max(w + b, 0.0), abs=1e-300)
    assert step.grads_w[0][0, 0, 0] == (1.0 if w > 0 else pytest.approx(0.0, abs=1e-300))


def test_batch_of_starts_equals_single_runs_bitwise():
    """The runs axis is only a batch: each run's numbers don't depend on its neighbours."""
    network = Network([Sigmoid()], Quadratic())
    x, y = np.array([[1.0]]), np.array([[0.0]])
    ws, bs = np.array([2.0, 0.6, -3.0]), np.array([2.0, 0.9, 1.0])
    from lossexp.train.engine import train

    batch = train(network, neuron_params(ws, bs), x, y, lr=0.15, epochs=50)
    for i in range(3):
        single = train(network, neuron_params(ws[i], bs[i]), x, y, lr=0.15, epochs=50)
        assert batch.weights[0][i, 0, 0] == single.weights[0][0, 0, 0]
        assert batch.biases[0][i, 0] == single.biases[0][0, 0]
