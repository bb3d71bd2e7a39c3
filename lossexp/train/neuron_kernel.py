"""A sweep's fast path: the sigmoid neuron's epochs fused into one compiled loop.

A sweep trains a million copies of the same one-sample sigmoid neuron. The engine spends
an epoch of that in about 25 NumPy passes over the batch; the C loop in _neuron_kernel.c
does it in one, a block of neurons at a time through all the epochs, calling NumPy's own
loop for exp() (``lossexp.library.exp_loop``): both paths share the one function whose
last bit could differ between libraries, and no Python runs until the chunk is trained.
The results are bitwise those of ``lossexp.train.engine.train`` with an
``OutcomeTracker``: the loop performs the engine's IEEE operations in the engine's order,
the first and the last epoch are the engine's own, and tests/test_neuron_kernel.py holds
the two paths to identical bits.

It covers a sigmoid neuron on one sample with the quadratic cost (either convention, any
weight) or cross-entropy; ``kernel_loss`` says whether a setup is one of those, and other
setups train with the engine. The kernel is an optional part of the build: without a C
compiler at install time it is missing, and sweeps use the engine, only more slowly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lossexp.library.activations import EXP_CLIP, Sigmoid
from lossexp.library.exp_loop import numpy_exp_loop
from lossexp.library.fused import SigmoidCrossEntropy
from lossexp.train.engine import Network, Params, Recorder, Step, apply_update
from lossexp.train.loss_levels import has_z_crossings
from lossexp.train.model import neuron_params
from lossexp.train.outcome import MILESTONES, OutcomeTracker

try:
    from lossexp.train import _neuron_kernel
except ImportError:  # built without a C compiler
    _neuron_kernel = None


def available() -> bool:
    return _neuron_kernel is not None


# Epochs in one call at most: the kernel counts them in int32.
SPAN_AT_MOST = 2**30


@dataclass(frozen=True)
class KernelLoss:
    """The loss as the kernel takes it: which delta, and the quadratic's two factors,
    dC/da = (g1 (a - y)) g2 (g1 = 1 for the half convention, 2 for the plain one; g2 the
    output's weight, 1 for none; a factor of 1 leaves every bit as it was)."""

    code: int
    g1: float = 1.0
    g2: float = 1.0


def kernel_loss(network: Network, x, y, batches) -> KernelLoss | None:
    """How the kernel trains this setup, or None when only the engine can.

    The kernel knows two output deltas: the fused sigmoid cross-entropy's a - y, and
    ((g1 (a - y)) g2) sigma'(z) for a loss whose gradient has that form (``residual_gains``).
    """
    if _neuron_kernel is None or batches is not None:
        return None
    if len(network.activations) != 1 or np.shape(x) != (1, 1) or np.shape(y) != (1, 1):
        return None
    act, loss = network.output_activation, network.loss
    if not isinstance(act, Sigmoid) or act.params or not has_z_crossings(network, y):
        return None  # (the kernel tests the loss levels on z only)
    if isinstance(network.fused, SigmoidCrossEntropy):
        return KernelLoss(_neuron_kernel.CROSS_ENTROPY)
    gains = loss.residual_gains()
    return None if gains is None else KernelLoss(_neuron_kernel.QUADRATIC, *gains)


@dataclass(frozen=True)
class Watch:
    """Some runs to look at closely: at each of ``epochs``, ``record`` gets their Step."""

    runs: np.ndarray
    epochs: frozenset[int]
    record: Recorder


def train(network: Network, params: Params, x, y, *, lr: float, epochs: int,
          tracker: OutcomeTracker, how: KernelLoss, recorders: Sequence[Recorder] = (),
          watch: Watch | None = None) -> Params:
    """Train a batch of neurons in place as ``lossexp.train.engine.train`` would, with ``tracker``
    recording.

    The engine evaluates the first and the last epoch, and those Steps go to the tracker
    and to ``recorders``; the kernel runs the epochs between, advancing the tracker's
    state itself. ``watch`` gets the Steps of a few runs alone, evaluated by the engine.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    weights, biases = params.weights[0], params.biases[0]
    if not all(p.flags.c_contiguous and p.dtype == np.float64 for p in (weights, biases)):
        raise ValueError("the kernel trains contiguous float64 parameter arrays in place")
    w, b = weights.reshape(-1), biases.reshape(-1)  # views

    def evaluate(epoch: int) -> Step:
        step = network.evaluate(params, x, y, epoch, lr=lr, epochs=epochs)
        for record in (tracker, *recorders):
            record(step)
        if watch is not None and epoch in watch.epochs:
            watch.record(network.evaluate(neuron_params(w[watch.runs], b[watch.runs]), x, y,
                                          epoch, lr=lr, epochs=epochs))
        return step

    with np.errstate(over="ignore", invalid="ignore"):
        step = evaluate(0)
        if epochs == 0:
            return params
        apply_update(params, step, lr)
        del step  # not held through the kernel: its arrays are free for the last evaluation
        settings = (float(x[0, 0]), float(y[0, 0]), lr, tracker.tolerance, how.g1, how.g2,
                    EXP_CLIP)
        watched = None
        if watch is not None:
            watched = Trainee(w[watch.runs], b[watch.runs], x[0, 0])
        Trainee(w, b, x[0, 0], tracker).train(1, epochs, settings, how.code)
        if watched is not None:
            cut = sorted(k for k in watch.epochs if 1 <= k < epochs)
            for first, last in zip([1, *cut], cut):
                watched.train(first, last, settings, how.code)
                watch.record(network.evaluate(neuron_params(watched.w, watched.b), x, y,
                                              last, lr=lr, epochs=epochs))
        evaluate(epochs)
    return params


class Trainee:
    """Neurons in the kernel's hands: their parameters (trained in place), the argument of
    the sigmoid's exp, min(-z, clip), formed as the engine forms it, and the tracker's
    milestone state (a throwaway one for neurons only watched)."""

    def __init__(self, w: np.ndarray, b: np.ndarray, x0, tracker: OutcomeTracker | None = None):
        self.w, self.b = w, b
        self.e = x0 * w
        self.e += b
        np.negative(self.e, out=self.e)
        np.minimum(self.e, EXP_CLIP, out=self.e)
        if tracker is None:
            n, k = w.size, len(MILESTONES)
            self.milestones = (np.zeros((k, n), np.int64), np.zeros((k - 1, n)), np.ones(n))
        else:  # the loss levels' rows of the bounds are contiguous
            self.milestones = (tracker.counts, tracker.bounds[1:], tracker.sign)

    def train(self, first: int, last: int, settings: tuple, code: int) -> None:
        """Epochs first..last-1."""
        arrays = (self.w, self.b, self.e, *self.milestones)
        loop = numpy_exp_loop()
        if loop is not None:
            for start in range(first, last, SPAN_AT_MOST):
                _neuron_kernel.epochs(*arrays, *settings, start,
                                      min(start + SPAN_AT_MOST, last), code, loop)
            return
        # Bound once: this loop runs a few hundred times a chunk.
        exp, fused, e = np.exp, _neuron_kernel.epochs, self.e
        for epoch in range(first, last):
            exp(e, out=e)
            fused(*arrays, *settings, epoch, epoch + 1, code, None)
