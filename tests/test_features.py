"""Shape features: hand-made curves with known answers, and real runs against plain Python."""

import math
from pathlib import Path

import numpy as np
import pytest

from lossexp.config import load_config
from lossexp.library.activations import Sigmoid
from lossexp.run.experiment import run_experiment
from lossexp.train.features import FEATURES, checkpoint_epoch, shape_features

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
OUTCOME = {"initial_loss": 4.0, "final_loss": 0.5, "epochs_to_target": 7, "plateau_epochs": 2,
           "half_way_epochs": 5, "approach_epochs": 2}


def neuron_metrics(loss, *, z=None, grad_w=None, grad_b=None):
    n = len(loss)
    return {"epoch": np.arange(n), "loss": np.array(loss, dtype=float),
            "z": np.array(z if z is not None else [0.0] * n, dtype=float),
            "grad_w": np.array(grad_w if grad_w is not None else [0.0] * n, dtype=float),
            "grad_b": np.array(grad_b if grad_b is not None else [0.0] * n, dtype=float)}


def test_hand_made_curve():
    # epochs 0..10; the biggest drop is 3.0 -> 1.0 (update 4); flat steps are no rise; two rises.
    loss = [4.0, 4.0, 3.9, 3.0, 3.0, 1.0, 1.5, 0.9, 0.8, 0.85, 0.5]
    z = [5.0, 4.0, 3.7, 3.6, 0.0, -1.0, -3.7, -10.0, 2.0, 1.0, 0.0]
    grad_w = [0.1, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    grad_b = [0.1, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.0]
    out = shape_features(neuron_metrics(loss, z=z, grad_w=grad_w, grad_b=grad_b), OUTCOME, Sigmoid())
    assert list(out) == list(FEATURES)
    assert out["steepest_descent_epoch"] == 4
    assert out["loss_rises"] == 2
    # 10 % of 10 epochs is epoch 1; 25 % is 2.5, rounded up to 3; 50 % is 5.
    assert (out["loss_at_10pct"], out["loss_at_25pct"], out["loss_at_50pct"],
            out["loss_at_100pct"]) == (4.0, 3.0, 1.0, 0.5)
    assert out["max_grad_norm"] == 6.0  # |(3, 4)| = 5 < |(0, 6)| = 6
    # sigma'(z) < 0.025 exactly where |z| > ln((1 + sqrt(0.9)) / (1 - sqrt(0.9))) = 3.6369
    saturated = [abs(v) > 3.6369 for v in z]
    assert out["saturated_fraction"] == pytest.approx(sum(saturated) / len(z))
    assert sum(saturated) == 5
    for name in OUTCOME:
        assert out[name] == OUTCOME[name]


@pytest.mark.parametrize("epochs, expected", [(10, [1, 3, 5, 10]), (300, [30, 75, 150, 300]),
                                              (1, [0, 0, 1, 1]), (2, [0, 1, 1, 2])])
def test_checkpoint_epochs_round_half_up(epochs, expected):
    assert [checkpoint_epoch(f, epochs) for f in (0.1, 0.25, 0.5, 1.0)] == expected


def test_round_off_wobble_is_not_a_rise():
    # Rises below 1e-9 of the initial loss (here 1.0) are round-off, not the loss going up.
    loss = [1.0, 0.5, 0.25, 0.25 + 1e-16, 0.25 + 5e-10, 0.25 + 3e-9, 0.3]
    out = shape_features(neuron_metrics(loss), OUTCOME, Sigmoid())
    assert out["loss_rises"] == 2


def test_a_curve_that_never_falls_has_no_steepest_descent():
    out = shape_features(neuron_metrics([1.0, 1.0, 1.5, 2.0]), OUTCOME, Sigmoid())
    assert out["steepest_descent_epoch"] is None
    assert out["loss_rises"] == 2


def test_diverged_curve_gives_none_and_no_warnings():
    # pytest turns warnings into errors: inf - inf and comparisons with nan must stay quiet.
    loss = [1.0, 0.9, 5.0, math.inf, math.inf, math.nan, math.nan, math.nan, math.nan,
            math.nan, math.nan]
    grad = [0.1, 0.2, 9.0, math.inf, math.nan, math.nan, math.nan, math.nan, math.nan,
            math.nan, math.nan]
    out = shape_features(neuron_metrics(loss, grad_w=grad, grad_b=[0.0] * 11), OUTCOME, Sigmoid())
    assert out["steepest_descent_epoch"] == 0
    assert out["loss_rises"] == 2  # 0.9 -> 5, 5 -> inf
    assert out["loss_at_10pct"] == 0.9
    assert out["loss_at_25pct"] is None and out["loss_at_100pct"] is None
    assert out["max_grad_norm"] == 9.0


def test_deeper_models_use_per_layer_columns():
    metrics = {"epoch": np.arange(4), "loss": np.array([2.0, 1.0, 0.7, 0.6]),
               "output": np.zeros(4), "mean_abs_delta": np.zeros(4),
               "grad_norm_1": np.array([1.0, 0.0, 0.5, 0.1]),
               "grad_norm_2": np.array([1.0, 2.0, 0.5, 0.1]),
               "saturated_1": np.array([1.0, 1.0, 1.0, 1.0]),
               "saturated_2": np.array([0.5, 0.25, 0.0, 0.25])}
    out = shape_features(metrics, OUTCOME, None)
    assert out["max_grad_norm"] == pytest.approx(2.0)  # sqrt(0^2 + 2^2) beats sqrt(2)
    assert out["saturated_fraction"] == pytest.approx(0.25)  # the output layer, layer 2
    assert out["steepest_descent_epoch"] == 0


@pytest.mark.parametrize("name", ["mse_unlucky", "ce_unlucky_same_lr", "mse_lucky"])
def test_run_writes_features_matching_plain_python(name):
    result = run_experiment(load_config(CONFIGS / f"{name}.yaml"))
    summary, m = result.summary, result.metrics
    loss = m["loss"].tolist()
    epochs = len(loss) - 1
    drops = [loss[t] - loss[t + 1] for t in range(epochs)]
    steepest = max(range(epochs), key=lambda t: drops[t])
    slopes = [math.exp(-z) / (1 + math.exp(-z)) ** 2 for z in m["z"].tolist()]
    grad = max(math.hypot(gw, gb) for gw, gb in zip(m["grad_w"].tolist(), m["grad_b"].tolist()))
    assert summary["steepest_descent_epoch"] == steepest
    assert summary["loss_rises"] == sum(d < 0 for d in drops)
    assert summary["loss_at_50pct"] == loss[epochs // 2]
    assert summary["loss_at_100pct"] == summary["final_loss"] == loss[-1]
    assert summary["initial_loss"] == loss[0]
    assert summary["max_grad_norm"] == pytest.approx(grad, rel=1e-14)
    assert summary["saturated_fraction"] == pytest.approx(
        sum(s < 0.025 for s in slopes) / len(slopes))


def test_the_plateau_shows_in_the_features():
    """The unlucky quadratic start: flat for 120 epochs, steepest descent late, as in the notes."""
    unlucky = run_experiment(load_config(CONFIGS / "mse_unlucky.yaml")).summary
    fair = run_experiment(load_config(CONFIGS / "ce_unlucky_same_lr.yaml")).summary
    assert unlucky["plateau_epochs"] >= 100 and fair["plateau_epochs"] == 0
    assert unlucky["steepest_descent_epoch"] > unlucky["plateau_epochs"]
    assert fair["steepest_descent_epoch"] == 0
    # On the plateau the loss has hardly moved a quarter of the way in.
    assert unlucky["loss_at_25pct"] > 0.97 * unlucky["initial_loss"]


def test_thinned_epochs_are_even_spread_with_both_ends_and_halves_rounded_up():
    from lossexp.train.features import checkpoint_epoch, thin_epochs

    assert thin_epochs(5, 101) == [0, 1, 2, 3, 4, 5]
    assert thin_epochs(300, 101) == list(range(0, 301, 3))
    epochs = thin_epochs(1001, 5)  # 250.25, 500.5, 750.75 -> 250, 501, 751
    assert epochs == [0, 250, 501, 751, 1001]
    assert epochs[2] == checkpoint_epoch(0.5, 1001)
