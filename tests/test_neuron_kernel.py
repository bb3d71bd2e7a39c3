"""The compiled fast path of sweeps gives the engine's results bit for bit, or is not used.

Skipped where the kernel is not built; tests/test_build.py fails then, to say so.
"""

import numpy as np
import pytest
from test_sweep_support import GRID, write_config

from lossexp.library.activations import get as get_activation
from lossexp.library.exp_loop import numpy_exp_loop
from lossexp.library.losses import get as get_loss
from lossexp.sweep import load_sweep_config
from lossexp.sweep.chunk import CurveSampler, train_starts
from lossexp.sweep.plan import Plan
from lossexp.train import neuron_kernel
from lossexp.train.engine import Network, train
from lossexp.train.model import neuron_params
from lossexp.train.outcome import OutcomeTracker

pytestmark = pytest.mark.skipif(not neuron_kernel.available(),
                                reason="the compiled kernel is not built")

LOSSES = [
    ("quadratic", {}),
    ("quadratic", {"convention": "plain"}),
    ("quadratic", {"weights": [0.3]}),
    ("quadratic", {"convention": "plain", "weights": [2.5]}),
    ("cross_entropy", {}),
]


def starts(count=3000, seed=7):
    """Ordinary, saturated and absurd starts, with the non-finite ones a sweep never draws."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 4.0, count)
    b = rng.normal(0.0, 4.0, count)
    w[:8] = [0.6, 2.0, 800.0, -800.0, np.inf, -np.inf, np.nan, 1e300]
    b[:8] = [0.9, 2.0, 5.0, -5.0, 1.0, 1.0, 0.0, 1e300]
    return w, b


def train_both(loss, loss_params, *, lr=0.15, epochs=40, x=1.0, y=0.0, tolerance=0.1):
    """(engine outcome, engine params, kernel outcome, kernel params) for the same starts."""
    network = Network([get_activation("sigmoid")], get_loss(loss, **loss_params))
    xs, ys = np.array([[x]]), np.array([[y]])
    how = neuron_kernel.kernel_loss(network, xs, ys, None)
    assert how is not None
    w, b = starts()
    results = []
    for use_kernel in (False, True):
        params = neuron_params(w, b)
        tracker = OutcomeTracker(network, ys, tolerance=tolerance,
                                 plateau_fraction=0.1)
        if use_kernel:
            neuron_kernel.train(network, params, xs, ys, lr=lr, epochs=epochs, tracker=tracker,
                                how=how)
        else:
            train(network, params, xs, ys, lr=lr, epochs=epochs, recorders=[tracker])
        results += [tracker.as_dict(), params]
    return results


def assert_same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype.kind == "f":
        a, b = a.view(np.int64), b.view(np.int64)
    np.testing.assert_array_equal(a, b)




@pytest.mark.parametrize("loss, loss_params", LOSSES)
@pytest.mark.parametrize("lr, x, y", [(0.15, 1.0, 0.0), (3.0, 1.0, 0.0), (0.5, -0.7, 1.0),
                                      (1e308, 1.0, 1.0)])
def test_outcomes_and_parameters_are_the_engines_bit_for_bit(loss, loss_params, lr, x, y):
    engine, engine_params, kernel, kernel_params = train_both(loss, loss_params, lr=lr, x=x, y=y)
    for key in engine:
        assert_same_bits(kernel[key], engine[key])
    assert_same_bits(kernel_params.weights[0], engine_params.weights[0])
    assert_same_bits(kernel_params.biases[0], engine_params.biases[0])


def test_the_comparison_covers_every_outcome():
    engine, _, _, _ = train_both("quadratic", {}, lr=0.15, epochs=150)
    reached = engine["epochs_to_target"]
    assert (reached > 0).any() and (reached == -1).any()  # reached late, and never
    assert (engine["plateau_epochs"] > 20).any()
    assert engine["diverged"].any() and not engine["diverged"].all()
    _, _, wild, _ = train_both("quadratic", {}, lr=1e308, y=1.0)
    assert np.isnan(wild["final_output"]).any()


@pytest.mark.parametrize("epochs", [0, 1, 2])
def test_the_shortest_trainings_too(epochs):
    engine, engine_params, kernel, kernel_params = train_both("cross_entropy", {}, epochs=epochs)
    for key in engine:
        assert_same_bits(kernel[key], engine[key])
    assert_same_bits(kernel_params.weights[0], engine_params.weights[0])


@pytest.mark.parametrize("loss, activation, x", [
    ("mae", "sigmoid", [[1.0]]),
    ("quadratic", "tanh", [[1.0]]),
    ("quadratic", "sigmoid", [[1.0], [2.0]]),  # two samples
])
def test_other_setups_are_left_to_the_engine(loss, activation, x):
    network = Network([get_activation(activation)], get_loss(loss))
    y = np.zeros((len(x), 1))
    assert neuron_kernel.kernel_loss(network, np.array(x), y, None) is None


def test_a_target_inside_the_sigmoids_range_is_left_to_the_engine():
    # Its loss levels are intervals in z, which the kernel's one-sided test cannot follow
    # (lossexp.train.loss_levels): the engine tests the loss itself.
    network = Network([get_activation("sigmoid")], get_loss("quadratic"))
    assert neuron_kernel.kernel_loss(network, np.ones((1, 1)), np.full((1, 1), 0.35), None) is None


def test_mini_batches_and_deeper_networks_are_left_to_the_engine():
    sigmoid, quadratic = get_activation("sigmoid"), get_loss("quadratic")
    x, y = np.ones((1, 1)), np.zeros((1, 1))
    assert neuron_kernel.kernel_loss(Network([sigmoid, sigmoid], quadratic), x, y, None) is None
    assert neuron_kernel.kernel_loss(Network([sigmoid], quadratic), x, y, lambda e: []) is None


def test_a_sweep_chunk_with_sampled_curves_is_the_same_either_way(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, {**GRID, "curves": 5}))
    fast, slow = Plan(cfg, chunk_size=8), Plan(cfg, chunk_size=8, kernel=False)
    for index in range(fast.total_chunks):
        got, want = train_starts(fast, fast.chunk(index)), train_starts(slow, slow.chunk(index))
        for key in want.outcome:
            assert_same_bits(got.outcome[key], want.outcome[key])
        assert_same_bits(got.z0, want.z0)
        assert_same_bits(got.curve_starts, want.curve_starts)
        assert_same_bits(got.curve_losses, want.curve_losses)
    assert fast.total_chunks == 10 and fast.config["sweep"]["curves"] == 5


def test_the_watched_runs_are_evaluated_at_their_epochs_only():
    network = Network([get_activation("sigmoid")], get_loss("quadratic"))
    x, y = np.ones((1, 1)), np.zeros((1, 1))
    w, b = starts(50)
    seen = []
    watch = neuron_kernel.Watch(np.array([3, 17]), frozenset({0, 5, 6, 12}),
                                lambda step: seen.append((step.epoch, step.loss)))
    tracker = OutcomeTracker(network, y, tolerance=0.1, plateau_fraction=0.1)
    neuron_kernel.train(network, neuron_params(w, b), x, y, lr=0.15, epochs=12, tracker=tracker,
                        how=neuron_kernel.kernel_loss(network, x, y, None), watch=watch)
    losses = []
    train(network, neuron_params(w, b), x, y, lr=0.15, epochs=12,
          recorders=[lambda step: losses.append(step.loss[[3, 17]])])
    assert [epoch for epoch, _ in seen] == [0, 5, 6, 12]
    for epoch, loss in seen:
        assert_same_bits(loss, losses[epoch])


def test_a_sampled_curve_keeps_one_kind_of_nan():
    curves = CurveSampler(2, 10)
    curves.keep(0, np.array([-np.nan, 0.25]))
    assert_same_bits(curves.losses[:, 0], np.array([np.nan, 0.25]))


def test_the_compiled_epochs_refuse_what_they_cannot_take():
    from lossexp.train import _neuron_kernel

    n = 4  # w, b, e; the counts, a row per milestone; the loss levels' bounds; sign:
    arrays = [np.zeros(n), np.zeros(n), np.zeros(n), np.zeros((3, n), np.int64),
              np.zeros((2, n)), np.ones(n)]
    settings = (1.0, 0.0, 0.1, 0.1, 1.0, 1.0, 700.0)  # x, y, lr, tolerance, g1, g2, clip
    quadratic, loop = _neuron_kernel.QUADRATIC, numpy_exp_loop()
    with pytest.raises(ValueError, match="loss: unknown code 7"):
        _neuron_kernel.epochs(*arrays, *settings, 5, 6, 7, None)
    short = list(arrays)
    short[3] = np.zeros((3, n - 1), np.int64)
    with pytest.raises(ValueError, match="counts: expected 12 items of 8 bytes"):
        _neuron_kernel.epochs(*short, *settings, 5, 6, quadratic, None)
    with pytest.raises(TypeError):  # a read-only buffer where the kernel writes
        _neuron_kernel.epochs(b"\0" * 8 * n, *arrays[1:], *settings, 5, 6, quadratic, None)
    for first, last, exp_loop in [(5, 7, None), (6, 5, loop), (-1, 5, loop), (0, 2**31, loop)]:
        with pytest.raises(ValueError, match="not a run of epochs"):
            _neuron_kernel.epochs(*arrays, *settings, first, last, quadratic, exp_loop)
    import datetime  # a capsule of another kind than NumPy's loop

    with pytest.raises(ValueError, match="numpy_1.24_ufunc_call_info"):
        _neuron_kernel.epochs(*arrays, *settings, 5, 6, quadratic, datetime.datetime_CAPI)
    assert np.all(arrays[3] == 0)  # nothing trained by a refused call


@pytest.mark.parametrize("variant", ["np.exp between epochs", "short calls"])
def test_every_way_of_calling_the_kernel_gives_the_same_bits(monkeypatch, variant):
    """NumPy's exp loop called from the kernel, or np.exp between calls of one epoch each
    (a NumPy that does not hand its loop out); all epochs in one call, or in several."""
    assert numpy_exp_loop() is not None  # this NumPy hands it out
    want = train_both("quadratic", {}, lr=3.0, epochs=60)
    if variant == "np.exp between epochs":
        monkeypatch.setattr(neuron_kernel, "numpy_exp_loop", lambda: None)
    else:
        monkeypatch.setattr(neuron_kernel, "SPAN_AT_MOST", 7)
    got = train_both("quadratic", {}, lr=3.0, epochs=60)
    for key in want[2]:
        assert_same_bits(got[2][key], want[2][key])
        assert_same_bits(got[2][key], got[0][key])
    assert_same_bits(got[3].weights[0], want[3].weights[0])


@pytest.mark.parametrize("count", [1, 255, 256, 257, 1000])
def test_a_neuron_trains_the_same_whatever_its_block(count):
    """The kernel trains 256 neurons at a time: a neuron's bits do not depend on where its
    block starts or how long it is."""
    network = Network([get_activation("sigmoid")], get_loss("quadratic"))
    x, y = np.ones((1, 1)), np.zeros((1, 1))
    how = neuron_kernel.kernel_loss(network, x, y, None)
    w, b = starts(1000, seed=3)
    alone = {}
    for lo in (0, 1000 - count):
        params = neuron_params(w[lo:lo + count].copy(), b[lo:lo + count].copy())
        tracker = OutcomeTracker(network, y, tolerance=0.1, plateau_fraction=0.1)
        neuron_kernel.train(network, params, x, y, lr=0.5, epochs=30, tracker=tracker, how=how)
        alone[lo] = (params.weights[0].reshape(-1), tracker.as_dict()["plateau_epochs"])
    whole = neuron_params(w.copy(), b.copy())
    tracker = OutcomeTracker(network, y, tolerance=0.1, plateau_fraction=0.1)
    neuron_kernel.train(network, whole, x, y, lr=0.5, epochs=30, tracker=tracker, how=how)
    for lo, (weights, plateau) in alone.items():
        assert_same_bits(weights, whole.weights[0].reshape(-1)[lo:lo + count])
        assert_same_bits(plateau, tracker.as_dict()["plateau_epochs"][lo:lo + count])
