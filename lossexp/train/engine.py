"""The batched gradient-descent engine.

Every parameter array carries a leading *runs* axis R: one run is a batch of one, a sweep
over a million initialisations is a batch of a million, and both go through this code.
The engine does no I/O; it hands each epoch's state to recorders.

Shapes (R runs, N samples, layer widths n_0 .. n_L):
    x: (N, n_0)            y: (N, n_L)          shared by all runs
    W[l]: (R, n_out, n_in)  b[l]: (R, n_out)
    z[l], a[l]: (R, N, n_out)

The cost of one run is  C = reduce_n( sum_k loss(a_nk, y_nk) )  with reduce the mean
(default) or the sum over samples.

A loss may learn parameters of its own (uncertainty weighting's s_k = log sigma_k^2, one
per output): they live in ``Params.loss_params`` as (R, m) arrays, are appended to the
network's output as m columns shared by every sample before the loss reads it, and take
the same gradient-descent step as the weights.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from lossexp.library.activations import Activation
from lossexp.library.fused import fused_output
from lossexp.library.losses import Loss
from lossexp.train.layers import affine, backprop_delta, hidden_delta, outer_sum, sample_sum


@dataclass
class Params:
    """Weights and biases of R networks, layer by layer, and what their loss learns.

    ``pack()`` (which ``train`` calls) moves every array into one buffer, ``flat``, and
    gives the gradients one too (``gradient_slots``): a gradient-descent step is then a
    single NumPy operation instead of two per array, a tenth of a small MLP's step.
    """

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    # (R, m) arrays the loss learns itself (see the module doc); empty for most losses.
    loss_params: list[np.ndarray] = field(default_factory=list)
    flat: np.ndarray | None = field(default=None, repr=False, compare=False)
    _gradients: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def runs(self) -> int:
        return self.weights[0].shape[0]

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (*self.weights, *self.biases, *self.loss_params)

    def copy(self) -> Params:
        copied = Params([w.copy() for w in self.weights], [b.copy() for b in self.biases],
                        [p.copy() for p in self.loss_params])
        if self.flat is not None:
            copied.pack()
        return copied

    def pack(self) -> None:
        """Put every array into one contiguous buffer, same values and shapes; the arrays
        held before are left behind (hold the Params, not its arrays)."""
        arrays = self.arrays()
        self.flat = np.empty(sum(a.size for a in arrays))
        views = _views(self.flat, arrays)
        for view, array in zip(views, arrays):
            view[...] = array
        self._split(views)
        self._gradients = None

    def gradient_slots(self):
        """(flat, grads_w, grads_b, grads_loss): one buffer, and views of it shaped as the
        parameters, for ``Network.evaluate`` to write a Step's gradients into. The same
        buffer serves every evaluation: each overwrites the last one's gradients."""
        if self._gradients is None:
            flat = np.empty(self.flat.size)
            views = _views(flat, self.arrays())
            w, b = len(self.weights), len(self.biases)
            self._gradients = (flat, views[:w], views[w:w + b], views[w + b:])
        return self._gradients

    def _split(self, arrays: list[np.ndarray]) -> None:
        w, b = len(self.weights), len(self.biases)
        self.weights, self.biases, self.loss_params = arrays[:w], arrays[w:w + b], arrays[w + b:]


def _views(flat: np.ndarray, like) -> list[np.ndarray]:
    """Consecutive views of ``flat`` shaped as the arrays of ``like``."""
    views, start = [], 0
    for array in like:
        views.append(flat[start:start + array.size].reshape(array.shape))
        start += array.size
    return views


class Step:
    """What one epoch's forward and backward pass computed, handed to the recorders.

    ``grads_w``/``grads_b`` are the gradient at this state: the update that leaves this
    epoch applies exactly them. For packed Params (see ``Params.pack``) they are views of
    a buffer the next evaluation overwrites: a recorder copies what it keeps. ``delta`` is
    dC/dz at the output layer. ``loss``, the cost of each run (R,), is computed when first
    read: a sweep's recorders read it only at the first and last epoch, and it is a sizeable
    part of an epoch's work. ``lr`` and ``epochs`` are the training's (``train`` passes them
    on): the one road by which recorders learn them.
    """

    def __init__(self, epoch: int, params: Params, zs: list, activations: list,
                 cost: Callable[[], np.ndarray] | np.ndarray, grads_w: list, grads_b: list,
                 delta: np.ndarray, grads_loss: list | None = None,
                 flat_grads: np.ndarray | None = None, *, lr: float | None = None,
                 epochs: int | None = None):
        self.epoch, self.params, self.zs, self.activations = epoch, params, zs, activations
        self.lr, self.epochs = lr, epochs
        self.grads_w, self.grads_b, self.delta = grads_w, grads_b, delta
        self.grads_loss = grads_loss or []
        self.flat_grads = flat_grads  # all of the gradients, when params are packed
        self._cost = cost

    @functools.cached_property
    def loss(self) -> np.ndarray:
        return self._cost() if callable(self._cost) else self._cost


class Network:
    """A fully connected network of given activations, trained on one loss."""

    def __init__(self, activations: Sequence[Activation], loss: Loss, *, reduction: str = "mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        self.activations = tuple(activations)
        self.loss = loss
        self.reduction = reduction
        self.fused = fused_output(loss, self.activations[-1])

    @property
    def output_activation(self) -> Activation:
        return self.activations[-1]

    def forward(self, params: Params, x) -> tuple[list, list]:
        """Pre-activations and activations of every layer, each (R, N, n_out)."""
        zs, acts, _ = self.forward_with_slopes(params, x)
        return zs, acts

    def forward_with_slopes(self, params: Params, x) -> tuple[list, list, list]:
        """Also the slopes act.grad(z) that backprop will need, computed with the values
        (one exp serves both for the sigmoid); None where a layer needs none."""
        zs, acts, slopes = [], [], []
        a = x
        last = len(self.activations) - 1
        for layer, (w, b, act) in enumerate(zip(params.weights, params.biases, self.activations)):
            z = affine(a, w, b)
            if act.elementwise and not (layer == last and self.fused):
                a, slope = act.value_and_grad(z)
            else:
                a, slope = act.value(z), None
            zs.append(z)
            acts.append(a)
            slopes.append(slope)
        return zs, acts, slopes

    def initial_loss_params(self, runs: int, n_targets: int) -> list[np.ndarray]:
        """Where the loss's own parameters start: 0 (for s_k = log sigma_k^2: sigma_k = 1)."""
        m = self.loss.learned_per_target * n_targets
        return [np.zeros((runs, m))] if m else []

    def loss_input(self, a, loss_params=()) -> np.ndarray:
        """What the loss reads: the network output, then the loss's learned columns
        (each one value per run, repeated for every sample)."""
        if not loss_params:
            return a
        (learned,) = loss_params
        shared = np.broadcast_to(learned[:, None, :], (*a.shape[:2], learned.shape[1]))
        return np.concatenate([a, shared], axis=2)

    def cost(self, z, a, y, loss_params=()) -> np.ndarray:
        """The cost of each run, shape (R,)."""
        per_element = (self.fused.loss(z, y) if self.fused
                       else self.loss.value(self.loss_input(a, loss_params), y))
        per_sample = per_element.sum(axis=2)
        return per_sample.mean(axis=1) if self.reduction == "mean" else per_sample.sum(axis=1)

    def output_delta(self, z, a, y, loss_params=(), slope=None) -> np.ndarray:
        """dC/dz at the output layer, per sample (before the reduction over samples).

        ``slope`` is act.grad(z) when the forward pass has it already.
        """
        if self.fused:
            return self.fused.delta(z, y, a)
        act = self.output_activation
        dc_da = self.loss.grad(self.loss_input(a, loss_params), y)[..., :a.shape[2]]
        if act.elementwise:
            # The generic chain rule, loss.grad(a, y) * act.grad(z). For a saturating
            # activation the second factor (sigma'(z) for the sigmoid) goes to zero however
            # wrong the output is: the quadratic cost's learning plateau.
            return dc_da * (act.grad(z) if slope is None else slope)
        return act.vjp(z, dc_da)

    def loss_param_grads(self, a, y, loss_params, out=None) -> list[np.ndarray]:
        """dC/d(loss_params): the loss's gradient in its learned columns, reduced over
        samples (into ``out``, a list of one array, when given)."""
        if not loss_params:
            return []
        g = self.loss.grad(self.loss_input(a, loss_params), y)[..., a.shape[2]:]
        into = out[0] if out else None
        return [g.mean(axis=1, out=into) if self.reduction == "mean" else g.sum(axis=1, out=into)]

    def backward(self, params: Params, x, y, zs, acts, slopes=None, out=None):
        """Gradients of the cost for every run, and the output delta.

        ``slopes`` are the forward pass's act.grad(z) per layer (None: computed here).
        ``out`` = (grads_w, grads_b), lists of arrays to write the gradients into.
        """
        slopes = slopes or [None] * len(zs)
        delta = self.output_delta(zs[-1], acts[-1], y, params.loss_params, slopes[-1])
        if self.reduction == "mean" and delta.shape[1] > 1:
            delta = delta / delta.shape[1]
        out_delta = delta
        grads_w, grads_b = [], []
        out_w, out_b = out or ([None] * len(params.weights), [None] * len(params.biases))
        for layer in range(len(params.weights) - 1, -1, -1):
            a_prev = acts[layer - 1] if layer > 0 else x
            grads_w.append(outer_sum(delta, a_prev, out_w[layer]))
            grads_b.append(sample_sum(delta, out_b[layer]))
            if layer > 0:
                below, slope = self.activations[layer - 1], slopes[layer - 1]
                if slope is None:
                    upstream = backprop_delta(delta, params.weights[layer])
                    delta = below.vjp(zs[layer - 1], upstream)
                else:
                    delta = hidden_delta(delta, params.weights[layer], slope)
        return grads_w[::-1], grads_b[::-1], out_delta

    def evaluate(self, params: Params, x, y, epoch: int = 0, *, lr: float | None = None,
                 epochs: int | None = None) -> Step:
        """The Step at ``params``: forward, backward, and the cost on demand. ``lr`` and
        ``epochs`` are handed on to the Step for its recorders."""
        zs, acts, slopes = self.forward_with_slopes(params, x)
        flat = out_w = out_b = out_loss = None
        if params.flat is not None:
            flat, out_w, out_b, out_loss = params.gradient_slots()
        grads_w, grads_b, delta = self.backward(params, x, y, zs, acts, slopes,
                                                None if flat is None else (out_w, out_b))
        learned = params.loss_params
        return Step(epoch, params, zs, acts, lambda: self.cost(zs[-1], acts[-1], y, learned),
                    grads_w, grads_b, delta, self.loss_param_grads(acts[-1], y, learned, out_loss),
                    flat_grads=flat, lr=lr, epochs=epochs)


def apply_update(params: Params, step: Step, lr: float) -> None:
    """Plain gradient descent on every parameter, in place, with ``step``'s gradients."""
    if params.flat is not None and step.flat_grads is not None:
        params.flat -= lr * step.flat_grads  # every array at once: they are views of these
        return
    for p, g in zip(params.arrays(), (*step.grads_w, *step.grads_b, *step.grads_loss)):
        p -= lr * g


Recorder = Callable[[Step], None]


def train(network: Network, params: Params, x, y, *, lr: float, epochs: int,
          recorders: Sequence[Recorder] = (), batches: Callable[[int], list] | None = None,
          on_epoch: Callable[[int], None] | None = None) -> Params:
    """Train ``params`` in place for ``epochs`` epochs; return them.

    Every epoch t = 0 .. epochs is evaluated on the full data and handed to each recorder
    (row 0 is the state before any update). Between evaluations the parameters take one
    full-batch step with the gradient just recorded or, when ``batches(t)`` gives a list
    of sample-index arrays, one step per mini-batch. A loss that learns parameters of its
    own gets them here, at their initial values, if ``params`` has none yet.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if not params.loss_params:
        params.loss_params = network.initial_loss_params(params.runs, y.shape[1])
        params.flat = None  # a new array: pack again
    if params.flat is None:
        params.pack()
    # A run whose loss blows up is an outcome to report ("diverged"), not an error:
    # its inf/nan arithmetic must neither warn nor stop the other runs in the batch.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs + 1):
            step = network.evaluate(params, x, y, epoch, lr=lr, epochs=epochs)
            for record in recorders:
                record(step)
            if epoch == epochs:
                break
            if batches is None:
                apply_update(params, step, lr)
            else:
                for idx in batches(epoch):  # (a batch's cost is never read, so never computed)
                    apply_update(params, network.evaluate(params, x[idx], y[idx], epoch), lr)
            if on_epoch:
                on_epoch(epoch + 1)
    return params
