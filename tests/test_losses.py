"""Every registered loss and activation, checked the same way.

- gradients against 4th-order central finite differences at random points;
- values and gradients against numbers worked out by hand;
- zero loss (and zero gradient) at a perfect prediction, where that holds;
- shapes preserved; no NaN, inf or warning at |r|, |z| up to 1e3;
- the fused delta of a (loss, activation) pair equal to the generic chain rule wherever
  the generic one is finite;
- hyperparameter validation, with messages naming the parameter and the value given.

Each table below lists every registered name; a new loss or activation fails
``test_every_*_is_covered`` until it is added here.
"""

import inspect
import math

import numpy as np
import pytest

from lossexp.errors import LossexpError
from lossexp.library import activations, losses
from lossexp.library.fused import fused_output

RNG_SEED = 20240611

# Parameter sets each loss is tested with: its defaults and at least one non-default.
LOSS_PARAMS = {
    "quadratic": [{}, {"convention": "plain"}, {"weights": [2.0, 0.5]}],
    "cross_entropy": [{}],
    "categorical_cross_entropy": [{}],
    "mae": [{}],
    "huber": [{}, {"delta": 0.3}, {"delta": 2.5}],
    "smooth_l1": [{}, {"beta": 0.2}],
    "log_cosh": [{}],
    "quantile": [{}, {"q": 0.1}, {"q": 0.9}],
    "gaussian_nll": [{}, {"variance": 0.25}, {"heteroscedastic": True}],
    "uncertainty_weighted": [{}],
    "signed_error": [{}],
}

ACTIVATION_PARAMS = {
    "sigmoid": [{}], "tanh": [{}], "relu": [{}], "leaky_relu": [{}, {"alpha": 0.3}],
    "softplus": [{}], "identity": [{}], "softmax": [{}],
}

# Residuals r = a - y where the gradient jumps (or the second derivative does).
KINKS = {
    "mae": lambda p: [0.0],
    "huber": lambda p: [0.0, p.get("delta", 1.0), -p.get("delta", 1.0)],
    "smooth_l1": lambda p: [0.0, p.get("beta", 1.0), -p.get("beta", 1.0)],
    "quantile": lambda p: [0.0],
    "signed_error": lambda p: [0.0],
    "relu": lambda p: [0.0],
    "leaky_relu": lambda p: [0.0],
}


def loss_cases():
    return [pytest.param(name, p, id=f"{name}-{p}") for name, ps in LOSS_PARAMS.items() for p in ps]


def activation_cases():
    return [pytest.param(name, p, id=f"{name}-{p}")
            for name, ps in ACTIVATION_PARAMS.items() for p in ps]


def test_every_loss_and_activation_is_covered():
    assert set(LOSS_PARAMS) == set(losses.names())
    assert set(ACTIVATION_PARAMS) == set(activations.names())


def away_from_kinks(values, kinks, margin=0.05):
    """Push values that sit within ``margin`` of a kink to 2 * margin beyond it."""
    values = values.copy()
    for k in kinks:
        close = np.abs(values - k) < margin
        values[close] = k + 2 * margin * np.where(values[close] >= k, 1.0, -1.0)
    return values


def sample(name, params, rng, shape=(3, 4, 2), scale=3.0):
    """A prediction and a target inside the loss's domain, away from its kinks."""
    kinks = KINKS.get(name, lambda p: [])(params)
    if name == "cross_entropy":
        target = np.where(rng.random(shape) < 0.3, rng.integers(0, 2, shape), rng.random(shape))
        return rng.uniform(0.02, 0.98, shape), target.astype(float)
    if name == "categorical_cross_entropy":
        p = rng.uniform(0.05, 1.0, shape)
        y = rng.uniform(0.0, 1.0, shape)
        return p / p.sum(-1, keepdims=True), y / y.sum(-1, keepdims=True)
    target = rng.normal(size=shape)
    pred = target + away_from_kinks(rng.uniform(-scale, scale, shape), kinks)
    loss = losses.get(name, **params)
    extra = (loss.heads_per_target - 1 + loss.learned_per_target) * shape[-1]
    if extra:  # log sigma^2 columns
        pred = np.concatenate([pred, rng.uniform(-2.0, 2.0, shape[:-1] + (extra,))], axis=-1)
    return pred, target


def central_difference(f, x, h):
    """d f / d x_i for every element: 4th-order central differences of the scalar f."""
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        def at(step):
            moved = x.copy()
            moved[i] += step
            return f(moved)
        out[i] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)
    return out


# --- gradients ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, params", loss_cases())
def test_loss_gradient_matches_finite_differences(name, params):
    rng = np.random.default_rng(RNG_SEED)
    loss = losses.get(name, **params)
    pred, target = sample(name, params, rng)
    numeric = central_difference(lambda p: loss.value(p, target).sum(), pred, 1e-4)
    if not loss.grad_is_derivative:
        # signed_error: the naive rule steps along sign(Cost) * dCost/da.
        numeric = np.sign(loss.value(pred, target)) * numeric
    np.testing.assert_allclose(loss.grad(pred, target), numeric, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name, params", activation_cases())
def test_activation_derivative_matches_finite_differences(name, params):
    rng = np.random.default_rng(RNG_SEED)
    act = activations.get(name, **params)
    z = away_from_kinks(rng.uniform(-6, 6, (3, 5, 4)), KINKS.get(name, lambda p: [])(params))
    if act.elementwise:
        numeric = central_difference(lambda v: act.value(v).sum(), z, 1e-4)
        np.testing.assert_allclose(act.grad(z), numeric, rtol=1e-7, atol=1e-10)
    else:
        # The Jacobian, one column j at a time: d p_k / d z_j.
        jac = act.grad(z)
        for j in range(z.shape[-1]):
            for k in range(z.shape[-1]):
                numeric = central_difference(lambda v: act.value(v)[..., k].sum(), z, 1e-4)
                np.testing.assert_allclose(jac[..., k, j], numeric[..., j], rtol=1e-7, atol=1e-10)
    upstream = rng.normal(size=z.shape)
    numeric = central_difference(lambda v: (upstream * act.value(v)).sum(), z, 1e-4)
    np.testing.assert_allclose(act.vjp(z, upstream), numeric, rtol=1e-7, atol=1e-10)


# --- hand-computed values -------------------------------------------------------------------

LOG2 = 0.6931471805599453
# (name, params, pred, target, value, grad): each worked out by hand.
HAND_LOSSES = [
    ("quadratic", {}, 3.0, 1.0, 2.0, 2.0),
    ("quadratic", {"convention": "plain"}, 3.0, 1.0, 4.0, 4.0),
    ("quadratic", {"weights": [2.0, 0.5]}, [3.0, 1.0], [1.0, 3.0], [4.0, 1.0], [4.0, -1.0]),
    ("cross_entropy", {}, 0.8, 1.0, 0.2231435513142097, -1.25),  # -log 0.8; -0.2/0.16
    ("cross_entropy", {}, 0.5, 0.25, LOG2, 1.0),                 # 0.25/0.25
    ("cross_entropy", {}, 1.0, 1.0, 0.0, -1.0),                  # d(-log a)/da at a = 1
    ("cross_entropy", {}, 0.0, 0.0, 0.0, 1.0),
    ("cross_entropy", {}, 1.0, 0.0, math.inf, math.inf),
    ("categorical_cross_entropy", {}, [0.7, 0.2, 0.1], [0.0, 1.0, 0.0],
     [0.0, 1.6094379124341003, 0.0], [0.0, -5.0, 0.0]),           # -log 0.2; -1/0.2
    ("mae", {}, 1.0, 3.0, 2.0, -1.0),
    ("mae", {}, 4.5, 3.0, 1.5, 1.0),
    ("huber", {}, 1.5, 1.0, 0.125, 0.5),
    ("huber", {}, -2.0, 1.0, 2.5, -1.0),                          # 1 * (3 - 1/2)
    ("huber", {"delta": 2.0}, 4.0, 1.0, 4.0, 2.0),                # 2 * (3 - 1)
    ("smooth_l1", {"beta": 0.5}, 1.25, 1.0, 0.0625, 0.5),         # 0.25^2 / 1
    ("smooth_l1", {"beta": 0.5}, 3.0, 1.0, 1.75, 1.0),            # 2 - 0.25
    ("log_cosh", {}, 2.0, 1.0, 0.4337808304830271, 0.7615941559557649),
    ("log_cosh", {}, 500.0, 0.0, 500.0 - LOG2, 1.0),              # cosh(500) overflows
    ("log_cosh", {}, -1000.0, 0.0, 1000.0 - LOG2, -1.0),
    ("quantile", {"q": 0.9}, 1.0, 3.0, 1.8, -0.9),                # under-predicting costs q
    ("quantile", {"q": 0.9}, 3.0, 1.0, 0.2, 0.1),                 # over-predicting 1 - q
    ("quantile", {}, 1.0, 3.0, 1.0, -0.5),
    ("gaussian_nll", {}, 3.0, 1.0, 2.0, 2.0),
    ("gaussian_nll", {"variance": 4.0}, 3.0, 1.0, 0.5 + 2 * LOG2 / 2, 0.5),
    # heteroscedastic: pred = (mu, log sigma^2) = (3, log 4), y = 1
    ("gaussian_nll", {"heteroscedastic": True}, [3.0, math.log(4.0)], [1.0],
     [0.5, LOG2], [0.5, 0.0]),
    ("gaussian_nll", {"heteroscedastic": True}, [1.0, 0.0], [1.0], [0.0, 0.0], [0.0, 0.5]),
    ("uncertainty_weighted", {}, [3.0, math.log(4.0)], [1.0], [0.5, LOG2], [0.5, 0.0]),
    # two outputs: mu = (1, -2), s = (0, 2), y = (2, 0)
    ("uncertainty_weighted", {}, [1.0, -2.0, 0.0, 2.0], [2.0, 0.0],
     [0.5, 2.0 * math.exp(-2.0), 0.0, 1.0],
     [-1.0, -2.0 * math.exp(-2.0), 0.0, 0.5 - 2.0 * math.exp(-2.0)]),
    ("signed_error", {}, 1.0, 3.0, 2.0, -1.0),
    ("signed_error", {}, 3.0, 1.0, -2.0, 1.0),
    ("signed_error", {}, 2.0, 2.0, 0.0, 0.0),
]


@pytest.mark.parametrize("name, params, pred, target, value, grad", HAND_LOSSES)
def test_loss_matches_hand_computed_values(name, params, pred, target, value, grad):
    loss = losses.get(name, **params)
    np.testing.assert_allclose(loss.value(np.array(pred), np.array(target)), value, rtol=1e-14)
    np.testing.assert_allclose(loss.grad(np.array(pred), np.array(target)), grad, rtol=1e-14,
                               atol=1e-15)


def test_every_loss_has_a_hand_computed_value():
    assert {case[0] for case in HAND_LOSSES} == set(losses.names())


HAND_ACTIVATIONS = [
    ("sigmoid", {}, 0.0, 0.5, 0.25),
    ("sigmoid", {}, 2.0, 0.8807970779778823, 0.10499358540350662),
    ("sigmoid", {}, -2.0, 0.11920292202211755, 0.10499358540350662),
    ("sigmoid", {}, -700.0, math.exp(-700.0), math.exp(-700.0)),  # the tail keeps its digits
    ("tanh", {}, 1.0, 0.7615941559557649, 0.41997434161402614),
    ("tanh", {}, -20.0, -1.0, 4 * math.exp(-40.0)),                # 1 - tanh^2 would give 0
    ("relu", {}, -2.0, 0.0, 0.0),
    ("relu", {}, 3.0, 3.0, 1.0),
    ("leaky_relu", {"alpha": 0.1}, -2.0, -0.2, 0.1),
    ("leaky_relu", {}, 3.0, 3.0, 1.0),
    ("softplus", {}, 0.0, LOG2, 0.5),
    ("softplus", {}, 1000.0, 1000.0, 1.0),
    # log1p(x) = x - x^2/2 + ... and sigma(z) = e^z - e^2z + ... for small e^z
    ("softplus", {}, -30.0, math.exp(-30.0) - math.exp(-60.0) / 2,
     math.exp(-30.0) - math.exp(-60.0)),
    ("identity", {}, -7.5, -7.5, 1.0),
]


@pytest.mark.parametrize("name, params, z, value, slope", HAND_ACTIVATIONS)
def test_activation_matches_hand_computed_values(name, params, z, value, slope):
    act = activations.get(name, **params)
    np.testing.assert_allclose(act.value(np.array(z)), value, rtol=1e-14)
    np.testing.assert_allclose(act.grad(np.array(z)), slope, rtol=1e-13)


def test_softmax_matches_hand_computed_values():
    act = activations.get("softmax")
    p = act.value(np.array([0.0, math.log(3.0)]))
    np.testing.assert_allclose(p, [0.25, 0.75], rtol=1e-15)
    # Jacobian p_k (delta_kj - p_j)
    np.testing.assert_allclose(act.grad(np.array([0.0, math.log(3.0)])),
                               [[0.1875, -0.1875], [-0.1875, 0.1875]], rtol=1e-14)
    np.testing.assert_array_equal(act.value(np.array([1000.0, -1000.0, 1000.0])), [0.5, 0.0, 0.5])


# --- perfect predictions --------------------------------------------------------------------

# Losses whose value is 0 at a perfect prediction (with these parameters), and the targets
# for which that holds. gaussian_nll's log sigma^2 / 2 term keeps it off 0 unless sigma = 1;
# cross-entropies are 0 only for hard 0/1 targets.
ZERO_AT_PERFECT = {
    "quadratic": {}, "mae": {}, "huber": {}, "smooth_l1": {}, "log_cosh": {},
    "quantile": {"q": 0.2}, "signed_error": {}, "gaussian_nll": {"variance": 1.0},
    "cross_entropy": {}, "categorical_cross_entropy": {},
}
# Where the gradient also vanishes at the perfect prediction (a minimum inside the domain).
GRAD_ZERO_AT_PERFECT = {"quadratic", "mae", "huber", "smooth_l1", "log_cosh", "quantile",
                        "signed_error", "gaussian_nll"}


@pytest.mark.parametrize("name", sorted(ZERO_AT_PERFECT))
def test_zero_loss_at_a_perfect_prediction(name):
    rng = np.random.default_rng(RNG_SEED)
    loss = losses.get(name, **ZERO_AT_PERFECT[name])
    if name == "cross_entropy":
        y = rng.integers(0, 2, (4, 3)).astype(float)
    elif name == "categorical_cross_entropy":
        y = np.eye(3)[rng.integers(0, 3, 4)]
    else:
        y = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(loss.value(y.copy(), y), 0.0)
    if name in GRAD_ZERO_AT_PERFECT:
        np.testing.assert_array_equal(loss.grad(y.copy(), y), 0.0)


@pytest.mark.parametrize("name", ["gaussian_nll", "uncertainty_weighted"])
def test_heteroscedastic_minimum_is_at_the_residuals_variance(name):
    """For fixed residuals r, the NLL over s = log sigma^2 is smallest at s = log r^2."""
    loss = losses.get(name, **({"heteroscedastic": True} if name == "gaussian_nll" else {}))
    r = np.array([0.5, 2.0, 30.0])
    pred = np.concatenate([1.0 + r, np.log(r * r)])
    grad = loss.grad(pred, np.ones(3))
    np.testing.assert_allclose(grad[3:], 0.0, atol=1e-15)


# --- shapes and stability -------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1,), (5,), (2, 3, 4)])
@pytest.mark.parametrize("name, params", loss_cases())
def test_loss_preserves_the_prediction_shape(name, params, shape):
    if "weights" in params:
        shape = shape[:-1] + (2,)
    pred, target = sample(name, params, np.random.default_rng(RNG_SEED), shape)
    loss = losses.get(name, **params)
    assert loss.value(pred, target).shape == pred.shape
    assert loss.grad(pred, target).shape == pred.shape


@pytest.mark.parametrize("name, params", loss_cases())
def test_loss_is_finite_and_silent_for_residuals_up_to_1e3(name, params):
    loss = losses.get(name, **params)
    r = np.array([-1e3, -500.0, -1.0, -1e-9, 0.0, 1e-9, 1.0, 500.0, 1e3])
    if name in ("cross_entropy", "categorical_cross_entropy"):
        # Probabilities, from deep in either tail to the middle (the logit form is tested
        # with the fused pairs below, at |z| up to 1e3).
        a = np.array([1e-300, 1e-16, 0.3, 0.7, 1 - 1e-16, 1 - 2**-53])
        pred = np.stack([a, a, a])
        target = np.array([0.0, 0.5, 1.0]).reshape(3, 1) * np.ones_like(a)
    else:
        target = np.linspace(-3.0, 3.0, r.size).reshape(-1, 1)
        pred = target + r.reshape(-1, 1)
        extra = loss.heads_per_target - 1 + loss.learned_per_target
        if extra:  # log sigma^2 from -30 to 30
            pred = np.concatenate([pred, np.linspace(-30, 30, r.size).reshape(-1, 1)], axis=1)
        if "weights" in params:
            pred, target = np.repeat(pred, 2, axis=1), np.repeat(target, 2, axis=1)
    assert np.all(np.isfinite(loss.value(pred, target)))
    assert np.all(np.isfinite(loss.grad(pred, target)))


@pytest.mark.parametrize("name, params", activation_cases())
def test_activation_is_finite_and_silent_for_z_up_to_1e3(name, params):
    act = activations.get(name, **params)
    z = np.array([[-1e3, -745.5, -710.0, -40.0, -1.0, 0.0, 1.0, 40.0, 710.0, 745.5, 1e3]])
    a = act.value(z)
    slope = act.grad(z)
    assert a.shape == z.shape
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(slope))
    assert np.all(np.isfinite(act.vjp(z, np.ones_like(z))))
    lo, hi = act.output_bounds
    assert np.all((a >= lo) & (a <= hi))
    if act.elementwise:
        assert slope.shape == z.shape and np.all(slope >= 0)


# --- fused pairs ----------------------------------------------------------------------------

def fused_points(act_name, rng):
    """Pre-activations from 0 out to |z| = 1e3 and targets for them."""
    if act_name == "softmax":
        z = np.concatenate([rng.uniform(-40, 40, (200, 3)),
                            [[1e3, 0.0, -1e3], [-1e3, -1e3, 1e3], [30.0, 0.0, 0.0]]])
        y = rng.uniform(0, 1, z.shape)
        y[-3:] = np.eye(3)[[0, 1, 2]]
        return z, y / y.sum(-1, keepdims=True)
    z = np.concatenate([np.linspace(-60, 60, 241), [-1e3, -745.5, 745.5, 1e3]])
    y = np.resize([0.0, 1.0, 0.3, 0.9], z.size)
    return z, y


# Every (loss, activation) pair with a fused output layer, as the losses declare them.
FUSED = {(name, layer.activation.name): layer for name, cls in losses.LOSSES.items()
         for layer in cls.fused_layers}


def test_fused_pairs_are_the_two_of_the_notes_and_training_finds_them():
    assert sorted(FUSED) == [("categorical_cross_entropy", "softmax"), ("cross_entropy", "sigmoid")]
    for (loss_name, act_name), layer in FUSED.items():
        assert isinstance(fused_output(losses.get(loss_name), activations.get(act_name)), layer)
    assert fused_output(losses.get("cross_entropy"), activations.get("tanh")) is None
    assert fused_output(losses.get("quadratic"), activations.get("sigmoid")) is None


@pytest.mark.parametrize("loss_name, act_name", sorted(FUSED))
def test_fused_delta_equals_the_generic_chain_rule_where_finite(loss_name, act_name):
    loss, act = losses.get(loss_name), activations.get(act_name)
    fused = FUSED[(loss_name, act_name)]()
    z, y = fused_points(act_name, np.random.default_rng(RNG_SEED))
    a = act.value(z)
    with np.errstate(invalid="ignore"):  # inf * 0 where a has rounded to 0 or 1
        generic = act.vjp(z, loss.grad(a, y))
        generic_value = loss.value(a, y)
    delta, value = fused.delta(z, y), fused.loss(z, y)
    assert np.all(np.isfinite(delta)) and np.all(np.isfinite(value))
    finite = np.isfinite(generic)
    assert finite.mean() > 0.6
    # From a alone, 1 - a carries an absolute error of about 1e-16, which the generic form
    # divides by 1 - a ~ e^-|z|: its error grows like 1e-16 e^|z| (and it is inf or nan
    # once a rounds to 1). The fused form has no such loss.
    allowed = 1e-12 + 1e-15 * np.exp(np.minimum(np.abs(z), 700.0))
    assert np.all(np.abs(generic - delta)[finite] <= allowed[finite])
    ok = np.isfinite(generic_value)
    assert np.all(np.abs(generic_value - value)[ok] <= (1e-12 * (1 + np.abs(value)) + allowed)[ok])


@pytest.mark.parametrize("loss_name, act_name", sorted(FUSED))
def test_fused_delta_is_the_derivative_of_the_fused_loss(loss_name, act_name):
    fused = FUSED[(loss_name, act_name)]()
    z, y = fused_points(act_name, np.random.default_rng(RNG_SEED))
    z, y = z[:40] / 10.0, y[:40]
    numeric = central_difference(lambda v: fused.loss(v, y).sum(), z, 1e-4)
    np.testing.assert_allclose(fused.delta(z, y), numeric, rtol=1e-7, atol=1e-9)


def test_fused_sigmoid_cross_entropy_at_huge_logits():
    fused = FUSED[("cross_entropy", "sigmoid")]()
    z, y = np.array([1e3, -1e3, 1e3, -1e3]), np.array([1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(fused.loss(z, y), [0.0, 0.0, 1e3, 1e3])
    # sigma(-1000) is below the smallest double; the sigmoid returns at most 1e-304 there.
    np.testing.assert_allclose(fused.delta(z, y), [0.0, 0.0, 1.0, -1.0], rtol=0, atol=1e-303)


# --- hyperparameters ------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("huber", {"delta": 0}, "loss 'huber': delta: must be > 0, got 0"),
    ("huber", {"delta": -1.5}, "delta: must be > 0, got -1.5"),
    ("huber", {"delta": "big"}, "delta: must be a number, got 'big'"),
    ("huber", {"delta": float("nan")}, "delta: must be finite, got nan"),
    ("huber", {"delt": 1.0}, "delt: unknown key (did you mean 'delta'?)"),
    ("smooth_l1", {"beta": 0.0}, "beta: must be > 0, got 0.0"),
    ("quantile", {"q": 0}, "q: must be > 0, got 0"),
    ("quantile", {"q": 1}, "q: must be < 1, got 1"),
    ("quantile", {"q": 1.5}, "q: must be < 1, got 1.5"),
    ("quadratic", {"convention": "halfs"}, "convention: must be one of half, plain, got 'halfs'"
                                           " (did you mean 'half'?)"),
    ("quadratic", {"weights": [1.0, -2.0]}, "weights.1: must be > 0, got -2.0"),
    ("quadratic", {"weights": []}, "weights: must have at least 1 item, got 0"),
    ("gaussian_nll", {"variance": 0.0}, "variance: must be > 0, got 0.0"),
    ("gaussian_nll", {"heteroscedastic": "yes"}, "heteroscedastic: must be true or false"),
    ("gaussian_nll", {"heteroscedastic": True, "variance": 2.0},
     "variance: is predicted by the model when heteroscedastic is true"),
    ("mae", {"delta": 1.0}, "loss 'mae': delta: unknown key"),
]


@pytest.mark.parametrize("name, params, message", BAD_PARAMETERS)
def test_bad_loss_parameters_are_refused_by_name_and_value(name, params, message):
    with pytest.raises(LossexpError) as info:
        losses.get(name, **params)
    assert message in str(info.value)
    if set(params) <= set(losses.LOSSES[name].params):
        with pytest.raises(LossexpError) as direct:
            losses.LOSSES[name](**params)
        assert str(direct.value) == str(info.value)


@pytest.mark.parametrize("params, message", [
    ({"alpha": 0}, "activation 'leaky_relu': alpha: must be > 0, got 0"),
    ({"alpha": 1.0}, "alpha: must be < 1, got 1.0"),
    ({"alpha": True}, "alpha: must be a number, got true"),
])
def test_bad_activation_parameters_are_refused_by_name_and_value(params, message):
    with pytest.raises(LossexpError) as info:
        activations.get("leaky_relu", **params)
    assert message in str(info.value)


@pytest.mark.parametrize("module, name, close", [
    (losses, "quadratc", "quadratic"), (losses, "hubber", "huber"),
    (activations, "sigmod", "sigmoid"), (activations, "leaky-relu", "leaky_relu"),
])
def test_unknown_names_suggest_the_close_match(module, name, close):
    with pytest.raises(LossexpError) as info:
        module.get(name)
    assert f"(did you mean '{close}'" in str(info.value)


@pytest.mark.parametrize("registry", [losses.LOSSES, activations.ACTIVATIONS])
def test_hyperparameters_are_keyword_only_with_the_declared_defaults(registry):
    for cls in registry.values():
        signature = inspect.signature(cls.__init__)
        declared = {k: spec.default for k, spec in cls.params.items()}
        named = {k: p for k, p in signature.parameters.items() if k != "self"}
        if not declared:
            assert all(p.kind is p.VAR_KEYWORD for p in named.values()), cls
            continue
        assert set(named) == set(declared), cls
        for key, p in named.items():
            assert p.kind is p.KEYWORD_ONLY and p.default == declared[key], (cls, key)


def test_reduce_mean_sum_none():
    values = np.array([[1.0, 2.0], [3.0, 6.0]])
    assert losses.reduce(values, "mean") == 3.0
    assert losses.reduce(values, "sum") == 12.0
    assert losses.reduce(values, "none") is values
    with pytest.raises(ValueError, match="got 'max'"):
        losses.reduce(values, "max")


@pytest.mark.parametrize("doc, after", [("README.md", "## The loss library"),
                                        ("docs/losses.md", "### Python API")])
def test_the_python_api_examples_of_the_docs_run_as_written(doc, after):
    import warnings
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / doc).read_text(encoding="utf-8")
    snippet = text.split(after, 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    given = {"pred": np.array([0.2, 1.5]), "target": np.array([0.0, 1.0]),
             "z": np.array([0.3, -2.0])}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecated alias either
        exec(compile(snippet, doc, "exec"), given)  # noqa: S102 - the docs' own example
    assert given["huber"].name == "huber" and given["sig"].name == "sigmoid"
