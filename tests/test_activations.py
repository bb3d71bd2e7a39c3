"""Activation-specific facts beyond the shared checks in test_losses.py: symmetries,
where each one saturates, and softmax's Jacobian."""

import math

import numpy as np
import pytest

from lossexp.library import activations
from lossexp.library.activations import SATURATION_FRACTION


def test_sigmoid_symmetry_holds_to_the_last_digits_in_both_tails():
    sig = activations.get("sigmoid")
    z = np.array([0.5, 3.0, 20.0, 36.0, 300.0, 700.0])
    # sigma(-z) = e^-z / (1 + e^-z): the small tail is exact relative to that form.
    np.testing.assert_allclose(sig.value(-z), np.exp(-z) / (1 + np.exp(-z)), rtol=1e-15)
    # a slope computed as a (1 - a) would lose every digit here for z >= 37
    np.testing.assert_allclose(sig.grad(-z), sig.grad(z), rtol=1e-15)
    np.testing.assert_allclose(sig.value(z) + sig.value(-z), 1.0, rtol=1e-15)


def test_sigmoid_saturates_beyond_3_64_where_its_slope_is_a_tenth_of_its_peak():
    sig = activations.get("sigmoid")
    # sigma'(z) = 0.025 at cosh^2(z/2) = 10, z = 2 acosh(sqrt(10)) = 3.6369...
    edge = 2 * math.acosh(math.sqrt(10))
    assert abs(sig.grad(np.array(edge)) - SATURATION_FRACTION * 0.25) < 1e-15
    z = np.array([-edge - 1e-6, -edge + 1e-6, 0.0, edge - 1e-6, edge + 1e-6])
    np.testing.assert_array_equal(sig.saturated(z), [True, False, False, False, True])


@pytest.mark.parametrize("name, inside, outside", [
    ("tanh", 1.83, 1.80),        # 1 - tanh^2 = 0.1 at z = atanh(sqrt(0.9)) = 1.818
    ("relu", -0.5, 0.5),
    ("softplus", -2.3, -2.1),    # sigma(z) = 0.1 at z = -log 9 = -2.197
    ("leaky_relu", -1.0, 1.0),   # default alpha 0.01 < 0.1
])
def test_where_each_activation_saturates(name, inside, outside):
    act = activations.get(name)
    assert act.saturated(np.array(inside))
    assert not act.saturated(np.array(outside))


def test_identity_and_a_gentle_leaky_relu_never_saturate():
    z = np.linspace(-1e3, 1e3, 101)
    assert not activations.get("identity").saturated(z).any()
    gentle = activations.get("leaky_relu", alpha=0.3)
    assert not gentle.saturated(z).any()
    assert gentle.saturation_region.startswith("never")


def test_tanh_is_odd_and_its_slope_keeps_relative_precision():
    t = activations.get("tanh")
    z = np.array([0.1, 2.0, 15.0, 100.0])
    np.testing.assert_array_equal(t.value(-z), -t.value(z))
    np.testing.assert_allclose(t.grad(z), 1 / np.cosh(z) ** 2, rtol=1e-14)


def test_softplus_slope_is_the_sigmoid():
    z = np.linspace(-50, 50, 201)
    np.testing.assert_array_equal(activations.get("softplus").grad(z),
                                  activations.get("sigmoid").value(z))


def test_softmax_vjp_is_the_jacobian_transpose_product_and_rows_sum_to_one():
    rng = np.random.default_rng(3)
    sm = activations.get("softmax")
    z = rng.normal(scale=5, size=(4, 6, 5))
    u = rng.normal(size=z.shape)
    jac = sm.grad(z)
    np.testing.assert_allclose(sm.vjp(z, u), np.einsum("...kj,...k->...j", jac, u), atol=1e-15)
    huge = np.array([[1e3, 999.0, -1e3], [-1e3, -1e3, -1e3]])
    np.testing.assert_allclose(sm.value(huge).sum(-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(sm.value(huge)[1], 1 / 3, rtol=1e-15)


def test_softmax_saturates_when_one_class_takes_almost_all_the_mass():
    sm = activations.get("softmax")
    assert sm.saturated(np.array([[10.0, 0.0, 0.0]])).all()
    assert not sm.saturated(np.array([[0.0, 0.0, 0.0]])).any()


def test_the_compiled_sigmoid_gives_the_numpy_formulas_bits(monkeypatch):
    """Sigmoid.value_and_grad runs in one compiled pass (lossexp/library/_sigmoid.c) where
    it is built; NumPy's formulas, the fallback, give the same bits, tails, NaN and
    infinities included, on arrays of any shape and memory layout."""
    if activations._sigmoid is None:
        pytest.skip("the compiled sigmoid is not built (tests/test_build.py fails then)")
    rng = np.random.default_rng(5)
    z = np.concatenate([rng.normal(0.0, 8.0, 3001), [0.0, -0.0, 36.7, -36.7, 709.0, -709.0,
                        745.2, -745.2, 1e300, -1e300, np.inf, -np.inf, np.nan]])
    shaped = [z, z[:1], z[:2000].reshape(4, 25, 20), z[:2000].reshape(20, 100).T]  # one strided
    sig = activations.get("sigmoid")
    compiled = [sig.value_and_grad(v) for v in shaped]
    monkeypatch.setattr(activations, "_sigmoid", None)
    for v, (a, slope) in zip(shaped, compiled):
        want_a, want_slope = sig.value_and_grad(v)
        assert a.shape == v.shape and slope.shape == v.shape
        np.testing.assert_array_equal(a.view(np.int64), want_a.view(np.int64))
        np.testing.assert_array_equal(slope.view(np.int64), want_slope.view(np.int64))


def test_the_compiled_sigmoid_refuses_what_it_cannot_take():
    if activations._sigmoid is None:
        pytest.skip("the compiled sigmoid is not built (tests/test_build.py fails then)")
    from lossexp.library.exp_loop import numpy_exp_loop

    z, out = np.zeros(4), np.zeros(4)
    with pytest.raises(ValueError, match="slope: expected 4 float64 values"):
        activations._sigmoid.value_and_slope(z, out, np.zeros(3), 700.0, numpy_exp_loop())
    import datetime  # a capsule of another kind than NumPy's loop

    with pytest.raises(ValueError, match="numpy_1.24_ufunc_call_info"):
        activations._sigmoid.value_and_slope(z, out, out.copy(), 700.0, datetime.datetime_CAPI)


def test_a_numpy_whose_exp_loop_cannot_be_used_gets_numpys_formulas(monkeypatch):
    """A capsule of another name (another layout) is not used: the sigmoid falls back on
    NumPy's formulas, with the same bits."""
    from lossexp.library import exp_loop

    sig, z = activations.get("sigmoid"), np.linspace(-40.0, 40.0, 1001)
    want = sig.value_and_grad(z)
    monkeypatch.setattr(exp_loop, "CAPSULE", b"numpy_9.99_ufunc_call_info")
    exp_loop.numpy_exp_loop.cache_clear()
    try:
        assert exp_loop.numpy_exp_loop() is None
        got = sig.value_and_grad(z)
    finally:
        monkeypatch.undo()
        exp_loop.numpy_exp_loop.cache_clear()
    assert exp_loop.numpy_exp_loop() is not None
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64))
