"""Loss levels on the z axis: where the cost meets each level, from the closed forms."""

import numpy as np
import pytest

from lossexp.library.activations import Identity, Sigmoid, Tanh
from lossexp.library.losses import CrossEntropy, Huber, Quadratic
from lossexp.train.engine import Network
from lossexp.train.loss_levels import has_z_crossings, levels, z_crossings


def cost(network, z, y):
    z3 = np.asarray(z, dtype=np.float64).reshape(-1, 1, 1)
    return network.cost(z3, network.output_activation.value(z3), np.full((1, 1), y))


@pytest.mark.parametrize("loss, act, y", [
    (Quadratic(), Sigmoid(), 0.0), (Quadratic(convention="plain", weights=[3.0]), Sigmoid(), 1.0),
    (CrossEntropy(), Sigmoid(), 0.0), (CrossEntropy(), Sigmoid(), 1.0),
    (Quadratic(), Tanh(), -1.0), (Quadratic(), Tanh(), 1.0),
])
def test_the_closed_form_crossing_is_where_the_cost_meets_the_level(loss, act, y):
    network = Network([act], loss)
    z0 = np.array([-3.0, -0.7, 0.4, 2.5, 4.0, 7.0])
    start = cost(network, z0, y)
    # The tracker's level: 30 % of the way from C(z0) to the loss on the band's edge.
    edge = y + np.where(act.value(z0) < y, -0.1, 0.1)
    band = loss.value(edge.reshape(-1, 1, 1), np.full((1, 1), y)).reshape(-1)
    keep = start > band
    z0, start, level = z0[keep], start[keep], levels(start, band, 0.3)[keep]
    assert z0.size >= 3
    sign, bound = z_crossings(network, z0, np.full((1, 1), y), level)
    z_star = sign * bound
    np.testing.assert_allclose(cost(network, z_star, y), level, rtol=1e-9)
    assert np.all(sign * z0 > bound)  # the start lies on the far side of its level
    # Half way from z0 to z*, the cost is still above the level; a little past z*, below.
    assert np.all(cost(network, (z0 + z_star) / 2, y) > level)
    assert np.all(cost(network, z_star - sign * 1e-3 * np.maximum(1, abs(z_star)), y) < level)


@pytest.mark.parametrize("loss, act, y", [
    (Quadratic(), Sigmoid(), 0.3), (CrossEntropy(), Sigmoid(), 0.35), (Quadratic(), Tanh(), -0.5),
    (Quadratic(), Identity(), 0.0),
])
def test_a_target_inside_the_outputs_range_is_tested_on_the_loss(loss, act, y):
    # Its loss levels are intervals in z around the target, not half-lines: a run can
    # overshoot across one without its loss ever meeting the level.
    network = Network([act], loss)
    assert not has_z_crossings(network, np.full((1, 1), y))
    assert z_crossings(network, np.array([2.0]), np.full((1, 1), y), np.array([0.01])) is None


def test_an_overshooting_run_reaches_no_level_its_loss_never_meets():
    from lossexp.config import load_config
    from lossexp.run.experiment import run_experiment

    # An identity neuron at lr 3 jumps across its target further every epoch: the loss
    # never falls, so it reaches no milestone and sits on no plateau.
    m = run_experiment(load_config("configs/mse_unlucky.yaml", [
        "model.activation=identity", "train.lr=3", "train.epochs=60"]))
    assert np.all(np.diff(m.metrics["loss"][np.isfinite(m.metrics["loss"])]) > 0)
    assert m.summary["half_way_epochs"] is None and m.summary["plateau_epochs"] is None
    # At lr 0.7 it overshoots too, but less each epoch: its milestones are where the loss
    # itself first falls below each level.
    m = run_experiment(load_config("configs/mse_unlucky.yaml", [
        "model.activation=identity", "train.lr=0.7", "train.epochs=60"]))
    loss, band = m.metrics["loss"], 0.5 * 0.1 ** 2
    half = int(np.flatnonzero(loss < loss[0] - 0.5 * (loss[0] - band))[0])
    assert m.summary["half_way_epochs"] == half


def test_without_a_closed_form_there_is_no_crossing_and_the_loss_is_tested():
    from lossexp.config import load_config
    from lossexp.run.experiment import run_experiment

    assert Huber().residual_at(0.5, 0.3, 1.0) is None
    assert z_crossings(Network([Sigmoid()], Huber()), np.array([3.0]), np.zeros((1, 1)),
                       np.array([0.2])) is None
    # Huber from the unlucky start: its plateau is read off the loss, as its definition says.
    m = run_experiment(load_config("configs/mse_unlucky.yaml", ["loss=huber"]))
    loss, band = m.metrics["loss"], 0.5 * 0.1 ** 2
    first = int(np.flatnonzero(loss < loss[0] - 0.1 * (loss[0] - band))[0])
    assert m.summary["plateau_epochs"] in (0, first)
    half = int(np.flatnonzero(loss < loss[0] - 0.5 * (loss[0] - band))[0])
    assert m.summary["half_way_epochs"] == half


def test_a_level_met_at_the_start_or_never_met():
    network = Network([Sigmoid()], Quadratic())
    sign, bound = z_crossings(network, np.array([1.0, np.nan]), np.zeros((1, 1)),
                              np.array([np.inf, 0.1]))
    assert bound[0] == np.inf and bound[1] == -np.inf
