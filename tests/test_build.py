"""What the install must have built."""

from lossexp.library import activations
from lossexp.library.exp_loop import numpy_exp_loop
from lossexp.train import layers, neuron_kernel


def test_the_sweep_kernel_is_built():
    # pip builds it wherever there is a C compiler, and goes on without it where there is
    # none (sweeps then train on the engine, 4x slower): CI must not lose it unnoticed.
    assert neuron_kernel.available(), "lossexp.train._neuron_kernel is missing: no C compiler?"


def test_the_compiled_sigmoid_and_layers_are_built_and_this_numpy_hands_out_its_exp_loop():
    assert activations._sigmoid is not None, "lossexp.library._sigmoid is missing"
    assert layers._layers is not None, "lossexp.train._layers is missing"
    assert numpy_exp_loop() is not None, "NumPy no longer hands out np.exp's loop"
