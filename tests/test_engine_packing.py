"""Packed parameters: one buffer for every array, one NumPy operation per update, and the
same numbers, bit for bit, as updating array by array."""

import numpy as np

from lossexp.library.activations import get as get_activation
from lossexp.library.losses import get as get_loss
from lossexp.run.experiment import minibatches
from lossexp.train.engine import Network, Params, apply_update, train


def problem(seed=4):
    """A 3-4-2 tanh/identity MLP under uncertainty weighting: two outputs and two learned
    log-variances, so every kind of array the update touches is there; 3 runs."""
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (2, 4)]
    params = Params([rng.normal(size=(3, *s)) for s in shapes],
                    [rng.normal(size=(3, s[0])) for s in shapes])
    network = Network([get_activation("tanh"), get_activation("identity")],
                      get_loss("uncertainty_weighted"))
    x = rng.normal(size=(10, 3))
    y = np.stack([x[:, 0] - x[:, 1], 100 * x[:, 2]], axis=1)
    return network, params, x, y


def array_by_array(network, params, x, y, lr, epochs, batches):
    """The update without packing: every array on its own, as before packing existed."""
    params.loss_params = network.initial_loss_params(params.runs, y.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            for idx in (batches(epoch) if batches else [slice(None)]):
                step = network.evaluate(params, x[idx], y[idx], epoch)
                assert step.flat_grads is None
                for p, g in zip(params.arrays(), (*step.grads_w, *step.grads_b, *step.grads_loss)):
                    p -= 0.05 * g
    return params


def same_bits(a: Params, b: Params) -> bool:
    return all(np.array_equal(p.view(np.int64), q.view(np.int64))
               for p, q in zip(a.arrays(), b.arrays()))


def test_training_packed_gives_the_bits_of_updating_array_by_array():
    for batch_size in (None, 4):
        network, params, x, y = problem()
        reference = array_by_array(network, params.copy(), x, y, 0.05, 30,
                                   minibatches(len(x), batch_size, 7))
        trained = train(network, params, x, y, lr=0.05, epochs=30,
                        batches=minibatches(len(x), batch_size, 7))
        assert trained.flat is not None and len(trained.loss_params) == 1
        assert same_bits(trained, reference)


def test_packed_arrays_and_gradients_are_views_of_one_buffer_each():
    network, params, x, y = problem()
    params.loss_params = network.initial_loss_params(params.runs, y.shape[1])
    before = [p.copy() for p in params.arrays()]
    params.pack()
    assert all(np.array_equal(p, q) for p, q in zip(params.arrays(), before))
    assert all(np.shares_memory(p, params.flat) for p in params.arrays())
    step = network.evaluate(params, x, y)
    grads = (*step.grads_w, *step.grads_b, *step.grads_loss)
    assert np.array_equal(np.concatenate([g.ravel() for g in grads]), step.flat_grads)
    flat_before = params.flat.copy()
    apply_update(params, step, 0.1)
    assert np.array_equal(params.flat, flat_before - 0.1 * step.flat_grads)


def test_a_copy_of_packed_params_is_packed_and_its_own():
    network, params, x, y = problem()
    params.pack()
    copied = params.copy()
    assert copied.flat is not None and not np.shares_memory(copied.flat, params.flat)
    copied.flat += 1.0
    assert np.array_equal(params.weights[0] + 1.0, copied.weights[0])
