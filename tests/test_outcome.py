"""Outcome definitions at their edges: diverging runs, losses below zero, odd targets."""

import numpy as np
import pytest
from conftest import CONFIGS

from lossexp.activations import Identity, Softmax
from lossexp.config import load_config
from lossexp.engine import Network, Params, train
from lossexp.experiment import run_experiment
from lossexp.losses import CategoricalCrossEntropy, Quadratic
from lossexp.models import neuron_params
from lossexp.outcome import NEVER, OutcomeTracker


def track(network, params, x, y, *, lr, epochs, tolerance=0.1):
    tracker = OutcomeTracker(params.runs, y, lr=lr, epochs=epochs, tolerance=tolerance,
                             plateau_threshold=1e-3)
    train(network, params, x, y, lr=lr, epochs=epochs, recorders=[tracker])
    return tracker


def test_a_run_that_blows_up_to_nan_never_counts_as_reaching_the_target():
    # A linear unit with lr 10 overshoots ever further: z -> -19 z each epoch, then inf, nan.
    x, y = np.array([[1.0]]), np.array([[0.0]])
    tracker = track(Network([Identity()], Quadratic()), neuron_params(1.0, 1.0), x, y,
                    lr=10.0, epochs=400)
    assert np.isnan(tracker.final_output[0])
    assert tracker.diverged[0]
    assert tracker.epochs_to_target[0] == NEVER


def test_a_non_finite_initial_loss_means_no_plateau():
    x, y = np.array([[1.0]]), np.array([[0.0]])
    tracker = track(Network([Identity()], Quadratic()), neuron_params(1e200, 1e200), x, y,
                    lr=0.1, epochs=5)
    assert np.isinf(tracker.initial_loss[0])
    assert tracker.plateau_epochs[0] == 0


def test_the_plateau_is_measured_against_the_size_of_a_negative_initial_loss():
    """signed_error's loss, y - a, starts at -0.98 from the unlucky start; its steps are
    sign(a - y) sigma'(z), as small as the quadratic's there, so it has a plateau too."""
    cfg = load_config(CONFIGS / "mse_unlucky.yaml", ["loss=signed_error"])
    summary = run_experiment(cfg).summary
    assert summary["initial_loss"] < 0
    assert summary["plateau_epochs"] > 100


def test_softmax_cross_entropy_delta_is_the_true_gradient_for_any_target():
    """p - y holds only for targets summing to 1; the engine uses p * sum(y) - y."""
    rng = np.random.default_rng(3)
    network = Network([Softmax()], CategoricalCrossEntropy())
    assert network.fused is not None
    x = rng.standard_normal((4, 2))
    y = np.abs(rng.standard_normal((4, 3)))  # rows do not sum to 1
    params = Params([rng.standard_normal((1, 3, 2))], [rng.standard_normal((1, 3))])
    step = network.evaluate(params, x, y)

    def cost(b):
        moved = Params([params.weights[0]], [b])
        zs, acts = network.forward(moved, x)
        return network.cost(zs[-1], acts[-1], y)[0]

    h = 1e-6
    for k in range(3):
        e = np.zeros((1, 3))
        e[0, k] = h
        numeric = (cost(params.biases[0] + e) - cost(params.biases[0] - e)) / (2 * h)
        assert step.grads_b[0][0, k] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_a_diverged_run_is_drawn_and_summarised_without_warnings(cli, tmp_path):
    """Figures of values up to 1e308 and NaN (pytest turns any warning into an error)."""
    result = cli("run", CONFIGS / "mse_unlucky.yaml", "--outputs", tmp_path,
                 "--set", "model.activation=identity", "--set", "train.lr=10",
                 "--set", "train.epochs=400")
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip()
            for line in result.stdout.splitlines() if line.count("│") == 3}
    assert rows["final loss"] == "—" and rows["diverged"] == "yes"
    assert rows["epochs to target (|a - y| < 0.1)"] == "never"
    assert sorted(p.name for p in (tmp_path / "mse_unlucky").glob("*.png")) == [
        "gradients.png", "loss.png", "saturation.png"]
