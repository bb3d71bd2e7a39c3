"""What the install must have built."""

from lossexp.train import neuron_kernel


def test_the_sweep_kernel_is_built():
    # pip builds it wherever there is a C compiler, and goes on without it where there is
    # none (sweeps then train on the engine, 3x slower): CI must not lose it unnoticed.
    assert neuron_kernel.available(), "lossexp.train._neuron_kernel is missing: no C compiler?"
