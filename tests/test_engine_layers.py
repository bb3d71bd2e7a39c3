"""The engine's compiled layer steps (lossexp/train/_layers.c) give NumPy's bits, and an MLP
trains to the same bits with them as without them."""

import numpy as np
import pytest

from lossexp.library.activations import get as get_activation
from lossexp.library.losses import get as get_loss
from lossexp.train import layers
from lossexp.train.engine import Network, Params, train

pytestmark = pytest.mark.skipif(layers._layers is None,
                                reason="the compiled layer steps are not built")

SHAPES = [(1, 100, 16), (128, 100, 16), (7, 3, 5), (2, 1000, 3), (5, 1, 4), (3, 17, 2),
          (1, 64, 300), (2, 5000, 40)]


def same_bits(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def wild(rng, shape):
    """Values over sixteen orders of magnitude, both signs, a few zeros, infinities, NaN."""
    values = rng.normal(size=shape) * 10.0 ** rng.integers(-8, 8, size=shape)
    flat = values.reshape(-1)
    flat[rng.integers(0, flat.size, 3)] = [0.0, -0.0, np.inf][: min(3, flat.size)]
    return values


@pytest.mark.parametrize("shape", [s for s in SHAPES if s[1] > 1])  # one sample: no sum
def test_the_sum_over_samples_adds_them_in_numpys_order(shape):
    d = wild(np.random.default_rng(sum(shape)), shape)
    runs, n, units = shape
    out = np.empty((runs, units))
    layers._layers.sample_sum(d, out, runs, n, units)
    with np.errstate(invalid="ignore"):
        assert same_bits(out, d.sum(axis=1))
        assert same_bits(layers.sample_sum(d), d.sum(axis=1))


def test_a_sum_of_negative_zeros_is_positive_zero_as_numpys():
    d = np.full((2, 3, 4), -0.0)
    d[1, :, 2] = [-0.0, 1e-300, -1e-300]
    assert same_bits(layers.sample_sum(d), d.sum(axis=1))
    assert not np.signbit(layers.sample_sum(d)).any()


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.dtype(">f8")])
def test_other_dtypes_and_empty_batches_are_left_to_numpy(dtype):
    """The compiled steps read native float64 only; anything else gives NumPy's answer."""
    rng = np.random.default_rng(2)
    d = (rng.normal(size=(2, 3, 4)) * 100).astype(dtype)
    assert np.array_equal(layers.sample_sum(d), d.sum(axis=1))
    z, b = np.ones((2, 3, 4)), np.arange(8).reshape(2, 4).astype(dtype)
    assert np.array_equal(layers.affine(np.ones((3, 1)), np.ones((2, 4, 1)), b), z + b[:, None, :])
    empty = np.zeros((0, 3, 4))
    assert layers.sample_sum(empty).shape == (0, 4)
    assert layers.hidden_delta(np.zeros((0, 3, 1)), np.zeros((0, 1, 4)), empty).shape == (0, 3, 4)


def test_with_one_unit_the_sum_is_left_to_numpy_which_adds_pairwise_there():
    d = wild(np.random.default_rng(9), (4, 999, 1))
    out = np.empty((4, 1))
    layers._layers.sample_sum(d, out, 4, 999, 1)
    assert not same_bits(out, d.sum(axis=1))  # sequential, where NumPy is pairwise
    assert same_bits(layers.sample_sum(d), d.sum(axis=1))  # so the engine asks NumPy


@pytest.mark.parametrize("shape", SHAPES)
def test_the_hidden_delta_is_numpys_product_of_three(shape):
    rng = np.random.default_rng(len(shape) + shape[2])
    runs, n, units = shape
    delta, w = wild(rng, (runs, n, 1)), wild(rng, (runs, 1, units))
    slope = rng.random((runs, n, units))
    with np.errstate(invalid="ignore", over="ignore"):
        assert same_bits(layers.hidden_delta(delta, w, slope), (delta * w) * slope)


@pytest.mark.parametrize("shape", SHAPES)
def test_adding_the_biases_is_numpys_broadcast_sum(shape):
    rng = np.random.default_rng(shape[0] + shape[1])
    runs, n, units = shape
    z, b = wild(rng, shape), wild(rng, (runs, units))
    want = z + b[:, None, :]
    layers._layers.add_bias(z, b, runs, n, units)
    assert same_bits(z, want)


def test_the_steps_refuse_what_they_cannot_take():
    with pytest.raises(ValueError, match="b: expected 6 float64 values"):
        layers._layers.add_bias(np.zeros((2, 4, 3)), np.zeros(3), 2, 4, 3)
    with pytest.raises(ValueError, match="out: expected 6 float64 values"):
        layers._layers.sample_sum(np.zeros((2, 4, 3)), np.zeros(5), 2, 4, 3)
    with pytest.raises(ValueError, match="at least 1"):
        layers._layers.sample_sum(np.zeros(0), np.zeros(0), 0, 4, 3)
    with pytest.raises(ValueError, match="too many values"):  # a size that would wrap around
        layers._layers.sample_sum(np.zeros(8), np.zeros(8), 2**62, 2**62, 2**62)
    with pytest.raises(ValueError, match="slope: expected 24 float64 values"):
        layers._layers.hidden_delta(np.zeros(8), np.zeros(6), np.zeros(23), np.zeros(24), 2, 4, 3)


def test_an_mlp_trains_to_the_same_bits_with_and_without_them(monkeypatch):
    """2-16-1 sigmoid networks, quadratic cost, 100 samples: every step is on the way
    (16 hidden units below one output), and every parameter ends the same."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(100, 2))
    y = (x[:, :1] > 0).astype(float)
    network = Network([get_activation("sigmoid")] * 2, get_loss("quadratic"))

    def trained():
        params = Params([rng_w.normal(0, 3, (5, 16, 2)).copy(), rng_w.normal(0, 3, (5, 1, 16))],
                        [np.zeros((5, 16)), np.zeros((5, 1))])
        return train(network, params, x, y, lr=0.5, epochs=40).arrays()

    rng_w = np.random.default_rng(1)
    fast = trained()
    monkeypatch.setattr(layers, "_layers", None)
    rng_w = np.random.default_rng(1)
    plain = trained()
    assert all(same_bits(a, b) for a, b in zip(fast, plain))
