"""Outcome definitions at their edges: diverging runs, losses below zero, odd targets."""

import numpy as np
import pytest
from conftest import CONFIGS

from lossexp.config import load_config
from lossexp.library.activations import Identity, Sigmoid, Softmax
from lossexp.library.losses import CategoricalCrossEntropy, Quadratic
from lossexp.run.experiment import run_experiment
from lossexp.train.engine import Network, Params, train
from lossexp.train.model import neuron_params
from lossexp.train.outcome import NEVER, OutcomeTracker


def track(network, params, x, y, *, lr, epochs, tolerance=0.1):
    tracker = OutcomeTracker(params.runs, y, tolerance=tolerance,
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
    # an identity output never saturates: it has no saturation.png
    assert sorted(p.name for p in (tmp_path / "mse_unlucky").glob("*.png")) == [
        "gradients.png", "loss.png"]


def test_a_batch_of_starts_gets_the_plateau_and_target_of_the_written_definitions():
    """The tracker follows only the runs still on the plateau; check every run against the
    definitions applied directly to its full per-epoch record."""
    rng = np.random.default_rng(7)
    ws, bs = rng.normal(0, 2, 40), rng.normal(0, 2, 40)
    x, y = np.array([[1.0]]), np.array([[0.0]])
    network = Network([Sigmoid()], Quadratic())
    batch = track(network, neuron_params(ws, bs), x, y, lr=0.15, epochs=200)
    assert batch.plateau_epochs.max() > 50 and (batch.plateau_epochs == 0).any()
    for i, (w, b) in enumerate(zip(ws, bs)):
        cfg = load_config(CONFIGS / "mse_unlucky.yaml",
                          [f"model.init.w={float(w)!r}", f"model.init.b={float(b)!r}", "train.epochs=200"])
        m = run_experiment(cfg).metrics
        reached = np.flatnonzero(np.abs(m["output"]) < 0.1)
        first = int(reached[0]) if reached.size else NEVER
        slow = 0.15 * (m["grad_w"] ** 2 + m["grad_b"] ** 2) < 1e-3 * abs(m["loss"][0])
        plateau = 0
        while plateau < 200 and slow[plateau] and (first == NEVER or plateau < first):
            plateau += 1
        assert (batch.epochs_to_target[i], batch.plateau_epochs[i]) == (first, plateau), (w, b)
