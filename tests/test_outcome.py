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
    tracker = OutcomeTracker(network, y, tolerance=tolerance,
                             plateau_fraction=0.1)
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


def test_an_output_that_starts_as_nan_reaches_no_milestone():
    x, y = np.array([[1.0]]), np.array([[0.0]])
    tracker = track(Network([Sigmoid()], Quadratic()), neuron_params(np.nan, 0.0), x, y,
                    lr=0.1, epochs=5)
    outcome = tracker.as_dict()
    for name in ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs"):
        assert outcome[name][0] == NEVER, name


def test_a_loss_that_starts_below_zero_still_has_its_plateau_measured():
    """gaussian_nll with variance 0.01 starts the unlucky neuron at a loss of 48 - 2.3; with
    variance 1e-6 at 0.48e6 - 6.9. Neither sign nor size matters: each at lr 0.15 * variance
    follows mse_unlucky's path and gets its plateau."""
    for variance in (0.01, 1e-6):
        nll = summary_of("loss.name=gaussian_nll", f"loss.variance={variance}",
                         f"train.lr={0.15 * variance!r}")
        assert nll["plateau_epochs"] == 152


def test_the_naive_rule_is_measured_on_the_cost_its_steps_descend():
    """signed_error's steps are mae's subgradient steps, so from the unlucky start its run
    is mae's, bit for bit, and so must be every measure. Its own value y - a (negative,
    and rising as the output learns) would put the plateau and half way at epoch 0,
    where its loss.png shows |a - y| flat for over a hundred epochs."""
    naive, mae = summary_of("loss=signed_error"), summary_of("loss=mae")
    assert naive["final_output"] == mae["final_output"]
    assert naive["initial_loss"] == -mae["initial_loss"] < 0
    assert {k: naive[k] for k in MEASURES} == {k: mae[k] for k in MEASURES}
    assert naive["plateau_epochs"] > 100
    # The shape features read the same curve: its steepest fall comes after the plateau.
    shape = ("steepest_descent_epoch", "loss_rises", "loss_at_10pct", "loss_at_100pct")
    assert {k: naive[k] for k in shape} == {k: mae[k] for k in shape}
    assert naive["plateau_epochs"] < naive["steepest_descent_epoch"] and naive["loss_rises"] == 0
    for name in ("plateau_epochs", "half_way_epochs"):
        assert naive[f"predicted_{name}"] == pytest.approx(naive[name], rel=0.03)


def summary_of(*sets):
    return run_experiment(load_config(CONFIGS / "mse_unlucky.yaml", list(sets))).summary


MEASURES = ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs")


def test_the_measures_do_not_change_when_the_loss_is_shifted_and_scaled_with_the_lr():
    """gaussian_nll with variance v is the quadratic cost / v plus log(v) / 2: trained at
    lr * v, it moves the neuron exactly as the quadratic cost does at lr. Its loss sits
    near 2.3 instead of 0.48 and its gradient is 100 times smaller, yet every measure of the
    path must be the same."""
    mse = summary_of()
    nll = summary_of("loss.name=gaussian_nll", "loss.variance=100", "train.lr=15")
    assert nll["final_output"] == mse["final_output"]  # the same path, to the last bit
    assert nll["initial_loss"] > 2 * mse["initial_loss"]
    assert {k: nll[k] for k in MEASURES} == {k: mse[k] for k in MEASURES}
    assert mse["plateau_epochs"] == 152 and mse["half_way_epochs"] == 212


def test_the_plateau_moves_smoothly_with_its_threshold():
    """plateau_fraction 0.01 -> 0.1 -> 0.3 moves the unlucky start's plateau from 43 to 152
    to 195 epochs: a factor of 3.5 for a tenfold change, not ten, and in the expected order
    (the escape from saturation is slow at first, so the first per cent takes a while)."""
    ends = [summary_of(f"target.plateau_fraction={f}")["plateau_epochs"] for f in (0.01, 0.1, 0.3)]
    assert ends == sorted(ends) and len(set(ends)) == 3
    assert ends[1] / ends[0] < 4 and ends[2] / ends[1] < 2
    assert ends == [43, 152, 195]


def test_the_plateau_ends_where_the_loss_curve_bends():
    """At the end of the plateau the loss has fallen by a tenth or more of its fall, and
    its fall is gathering pace: the steepest fall comes after it, and half way after that."""
    m = run_experiment(load_config(CONFIGS / "mse_unlucky.yaml")).metrics
    s = summary_of()
    loss, end = m["loss"], s["plateau_epochs"]
    fallen = (loss[0] - loss[end]) / (loss[0] - loss[-1])
    assert 0.1 < fallen < 0.25
    assert end < s["steepest_descent_epoch"] and end < s["half_way_epochs"]
    assert loss[end - 20] - loss[end] < loss[end] - loss[end + 20]  # faster after than before


def test_a_loss_that_falls_fastest_at_first_has_no_plateau_at_any_rate():
    """An identity neuron under the quadratic cost: z shrinks by (1 - 2 lr) each epoch, so
    the loss falls geometrically, fastest at the start, with nothing a reader could call a
    plateau. At rates where the first update already makes a tenth of the fall, whole
    epochs once rounded this to t_f = 1, t_half = 2: a one-epoch "plateau"."""
    x, y = np.array([[1.0]]), np.array([[0.0]])
    network, lrs = Network([Identity()], Quadratic()), np.linspace(0.005, 0.45, 90)
    plateaus = [int(track(network, neuron_params(3.0, 0.0), x, y, lr=lr, epochs=400,
                          tolerance=0.01).as_dict()["plateau_epochs"][0]) for lr in lrs]
    assert plateaus == [0] * lrs.size


def test_a_start_that_bends_only_at_the_last_epoch_sat_the_whole_budget_on_its_plateau():
    """From z0 = 4.6 the quadratic cost makes the first tenth of its fall exactly at epoch
    300, the last: it sat on the plateau all along (theory: 298.7), not "learnt at once"."""
    s = summary_of("model.init.w=0", "model.init.b=4.6")
    assert s["plateau_epochs"] == 300 and s["half_way_epochs"] is None
    assert s["predicted_plateau_epochs"] == pytest.approx(300, abs=3)


def test_the_two_slow_phases_of_a_saturated_start_are_told_apart():
    """From the lucky and the unlucky start the final approach (half way -> target) takes
    about as long; only the unlucky one has a long plateau before it."""
    lucky = summary_of("model.init.w=0.6", "model.init.b=0.9", "train.epochs=600")
    unlucky = summary_of("train.epochs=600")
    assert unlucky["plateau_epochs"] > 10 * max(lucky["plateau_epochs"], 1)
    assert abs(unlucky["approach_epochs"] - lucky["approach_epochs"]) < 0.35 * lucky["approach_epochs"]


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
            for line in result.stdout.splitlines() if line.count("│") >= 3}
    assert rows["final loss"] == "—" and rows["diverged"] == "yes"
    assert rows["epochs to target (|a - y| < 0.1)"] == "never"
    # an identity output never saturates: it has no saturation.png
    assert sorted(p.name for p in (tmp_path / "mse_unlucky").glob("*.png")) == [
        "gradients.png", "loss.png"]


def test_a_batch_of_starts_gets_the_milestones_of_the_written_definitions():
    """Check every run of a batch against the definitions applied directly to its full
    per-epoch record (the batch tests loss levels on z; here they are read off the loss)."""
    rng = np.random.default_rng(7)
    ws, bs = rng.normal(0, 2.5, 60), rng.normal(0, 2.5, 60)
    x, y = np.array([[1.0]]), np.array([[0.0]])
    network = Network([Sigmoid()], Quadratic())
    batch = track(network, neuron_params(ws, bs), x, y, lr=0.15, epochs=300).as_dict()
    assert batch["plateau_epochs"].max() > 50 and (batch["plateau_epochs"] == 0).any()
    assert (batch["epochs_to_target"] == 0).any() and (batch["epochs_to_target"] == NEVER).any()

    def first(below):
        hits = np.flatnonzero(below)
        return int(hits[0]) if hits.size else NEVER

    band = 0.5 * 0.1 ** 2  # the loss with the output on the band's edge, a = 0.1
    for i, (w, b) in enumerate(zip(ws, bs)):
        cfg = load_config(CONFIGS / "mse_unlucky.yaml",
                          [f"model.init.w={float(w)!r}", f"model.init.b={float(b)!r}"])
        m = run_experiment(cfg).metrics
        loss, c0 = m["loss"], m["loss"][0]
        t10 = first(loss < c0 - 0.1 * (c0 - band)) if c0 > band else 0
        t50 = first(loss < c0 - 0.5 * (c0 - band)) if c0 > band else 0
        until, covered = (t50, 0.5) if t50 != NEVER else (300, (c0 - loss[-1]) / (c0 - band))
        slow = t10 not in (0, NEVER) and until > t10 and (covered - 0.1) * t10 >= 0.4 * (until - t10)
        plateau = NEVER if t10 == NEVER else t10 if slow else 0
        expected = (first(np.abs(m["output"]) < 0.1), plateau, t50)
        got = tuple(int(batch[k][i]) for k in ("epochs_to_target", "plateau_epochs", "half_way_epochs"))
        assert got == expected, (w, b)
