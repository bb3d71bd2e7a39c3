"""Backpropagation through random MLPs against central finite differences of the cost.

Every registered activation serves as hidden and as output activation, under several
losses (fused and generic output deltas) and both reductions; the runs axis holds two
independent networks, each checked on its own cost.
"""

import itertools

import numpy as np
import pytest

from lossexp.library import activations, losses
from lossexp.train.engine import Network, Params

LAYERS = [3, 4, 3]
SAMPLES = 5
STEP = 1e-6
# A loss and the outputs it is defined for (cross-entropies need outputs in (0, 1)).
LOSS_OUTPUTS = {
    "quadratic": activations.names(),
    "cross_entropy": ["sigmoid", "softmax"],
    "categorical_cross_entropy": ["sigmoid", "softmax"],
}
CASES = [(hidden, output, loss, reduction)
         for loss, outputs in LOSS_OUTPUTS.items()
         for hidden, output in itertools.product(activations.names(), outputs)
         for reduction in ("mean", "sum")]


def random_problem(seed: int, loss_name: str, runs: int = 2):
    # Weights of scale 0.7 keep outputs away from 0 and 1, where the probability-space
    # cross-entropy (log(1 - a) with a within 1e-7 of 1) would round off the differences.
    rng = np.random.default_rng(seed)
    weights = [0.7 * rng.standard_normal((runs, n_out, n_in))
               for n_in, n_out in zip(LAYERS[:-1], LAYERS[1:])]
    biases = [rng.standard_normal((runs, n_out)) for n_out in LAYERS[1:]]
    x = rng.standard_normal((SAMPLES, LAYERS[0]))
    if loss_name == "categorical_cross_entropy":
        y = np.eye(LAYERS[-1])[rng.integers(0, LAYERS[-1], SAMPLES)]
    else:
        y = rng.uniform(0.05, 0.95, (SAMPLES, LAYERS[-1]))
    return Params(weights, biases), x, y


def costs(network: Network, params: Params, x, y) -> np.ndarray:
    zs, acts = network.forward(params, x)
    return network.cost(zs[-1], acts[-1], y)


def finite_difference(network, params, x, y, array) -> np.ndarray:
    """d cost_r / d array[r, ...] by central differences, entry by entry."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        run = index[0]
        saved = array[index]
        array[index] = saved + STEP
        up = costs(network, params, x, y)[run]
        array[index] = saved - STEP
        down = costs(network, params, x, y)[run]
        array[index] = saved
        grad[index] = (up - down) / (2 * STEP)
    return grad


@pytest.mark.parametrize("hidden, output, loss_name, reduction", CASES)
def test_backprop_matches_central_differences(hidden, output, loss_name, reduction):
    seed = CASES.index((hidden, output, loss_name, reduction))
    params, x, y = random_problem(seed, loss_name)
    network = Network([activations.get(hidden), activations.get(output)],
                      losses.get(loss_name), reduction=reduction)
    zs, acts = network.forward(params, x)
    grads_w, grads_b, _ = network.backward(params, x, y, zs, acts)
    for analytic, array in zip(grads_w + grads_b, params.weights + params.biases):
        numeric = finite_difference(network, params, x, y, array)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_deeper_network_and_single_sample_match_central_differences():
    rng = np.random.default_rng(99)
    layers = [2, 5, 4, 3, 1]
    params = Params([rng.standard_normal((1, o, i)) for i, o in zip(layers[:-1], layers[1:])],
                    [rng.standard_normal((1, o)) for o in layers[1:]])
    network = Network([activations.get("tanh"), activations.get("softplus"),
                       activations.get("sigmoid"), activations.get("sigmoid")],
                      losses.get("quadratic", convention="plain"))
    for samples in (1, 7):
        x, y = rng.standard_normal((samples, 2)), rng.uniform(0, 1, (samples, 1))
        zs, acts = network.forward(params, x)
        grads_w, grads_b, _ = network.backward(params, x, y, zs, acts)
        for analytic, array in zip(grads_w + grads_b, params.weights + params.biases):
            np.testing.assert_allclose(analytic, finite_difference(network, params, x, y, array),
                                       rtol=1e-5, atol=1e-8)


def test_output_delta_of_quadratic_sigmoid_is_the_gated_residual():
    """delta_L = (a - y) * sigma'(z_L) per sample: the factor that stalls saturated outputs."""
    params, x, y = random_problem(5, "quadratic", runs=1)
    network = Network([activations.get("tanh"), activations.get("sigmoid")],
                      losses.get("quadratic"), reduction="sum")
    zs, acts = network.forward(params, x)
    _, _, delta = network.backward(params, x, y, zs, acts)
    a = 1 / (1 + np.exp(-zs[-1]))
    np.testing.assert_allclose(delta, (a - y) * a * (1 - a), rtol=1e-13)
