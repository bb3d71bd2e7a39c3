"""Full per-epoch recording of a run: the rows of metrics.csv.

A trace keeps one column per quantity, each allocated as (epochs + 1, R) at the first Step
(which says how many epochs the training runs), so memory is known before training starts
(the config check refuses epochs whose trace would not fit).
A single neuron (one unit, one sample) records its scalars: z, w, b and both gradients; a
single unit on many samples (a line fit) still records w, b and their gradients.
Every other model records, per epoch:

- ``accuracy`` (classification tasks only): the fraction of samples whose predicted class
  is right: argmax over the outputs for one-hot targets, output > 0.5 for a 0/1 label;
- ``mean_abs_error``: the mean over samples and targets of |a - y|, the error itself;
- ``mean_abs_delta``: the mean over samples and output units of |dC_n/dz_L|, the output
  error of one sample's cost, (a - y) * sigma'(z) for the quadratic cost on a sigmoid;
- ``grad_norm_l``: the Euclidean norm of layer l's weight and bias gradients together;
- ``saturated_l``: the fraction of layer l's units, over all samples, whose slope is below
  ``activations.SATURATION_FRACTION`` of the activation's steepest slope.

It also keeps the output layer's pre-activations at the first and the last epoch.
"""

from __future__ import annotations

import numpy as np

from lossexp.train.engine import Network, Step

NEURON_COLUMNS = ("z", "w", "b", "grad_w", "grad_b", "activation_grad", "delta")
UNIT_COLUMNS = ("w", "b", "grad_w", "grad_b")  # a single unit's parameters, any sample count
# A classifier's goal: the first epoch at this accuracy (``accuracy`` below) is its
# "target reached" (epochs_to_95pct_accuracy, in a run's summary and a sweep's rows).
ACCURACY_MILESTONE = 0.95


def is_single_neuron(layers: list[int], samples: int) -> bool:
    return layers == [1, 1] and samples == 1


def trace_columns(layers: list[int], samples: int, classification: bool = False) -> list[str]:
    cols = ["epoch", "loss", "output"]
    if is_single_neuron(layers, samples):
        return cols + list(NEURON_COLUMNS)
    depth = len(layers) - 1
    cols += ["accuracy"] if classification else []
    cols += list(UNIT_COLUMNS) if layers == [1, 1] else []  # a line fit's slope and intercept
    cols += ["mean_abs_error", "mean_abs_delta"]
    cols += [f"grad_norm_{l + 1}" for l in range(depth)]
    cols += [f"saturated_{l + 1}" for l in range(depth)]
    return cols


def trace_bytes(layers: list[int], samples: int, epochs: int, runs: int = 1) -> int:
    return 8 * (epochs + 1) * runs * len(trace_columns(layers, samples))


def accuracy(a, y) -> np.ndarray:
    """Fraction of samples classified right, per run: a (R, N, K) against 0/1 targets y (N, K)."""
    if y.shape[1] == 1:
        right = (a[..., 0] > 0.5) == (y[:, 0] > 0.5)
    else:
        right = np.argmax(a, axis=2) == np.argmax(y, axis=1)
    return right.mean(axis=1)


class Trace:
    def __init__(self, network: Network, layers: list[int], samples: int, *, y=None,
                 classification: bool = False):
        self.network = network
        self.neuron = is_single_neuron(layers, samples)
        self.columns = trace_columns(layers, samples, classification)
        self.data: dict[str, np.ndarray] = {}
        self.y = y
        # Undo the engine's 1/N so the delta is one sample's, whatever the batch size.
        self._per_sample = samples if network.reduction == "mean" else 1
        self.first_output_z = self.last_output_z = None

    def __call__(self, step: Step) -> None:
        if step.epoch == 0:
            runs = step.params.runs
            self.data = {c: np.empty((step.epochs + 1, runs)) for c in self.columns}
        row = {"epoch": step.epoch, "loss": step.loss,
               "output": step.activations[-1][:, 0, 0]}
        if self.neuron:
            z = step.zs[0][:, 0, 0]
            row.update(z=z, w=step.params.weights[0][:, 0, 0], b=step.params.biases[0][:, 0],
                       grad_w=step.grads_w[0][:, 0, 0], grad_b=step.grads_b[0][:, 0],
                       activation_grad=self.network.output_activation.grad(z),
                       delta=step.delta[:, 0, 0])
        else:
            if "w" in self.columns:
                row.update(w=step.params.weights[0][:, 0, 0], b=step.params.biases[0][:, 0],
                           grad_w=step.grads_w[0][:, 0, 0], grad_b=step.grads_b[0][:, 0])
            if "accuracy" in self.columns:
                row["accuracy"] = accuracy(step.activations[-1], self.y)
            error = step.activations[-1][..., : self.y.shape[-1]] - self.y
            row["mean_abs_error"] = np.abs(error).mean(axis=(1, 2))
            row["mean_abs_delta"] = self._per_sample * np.abs(step.delta).mean(axis=(1, 2))
            for l, (gw, gb, z, act) in enumerate(zip(step.grads_w, step.grads_b, step.zs,
                                                     self.network.activations), start=1):
                sq = (gw * gw).sum(axis=(1, 2)) + (gb * gb).sum(axis=1)
                row[f"grad_norm_{l}"] = np.sqrt(sq)
                row[f"saturated_{l}"] = act.saturated(z).mean(axis=(1, 2))
        for name, value in row.items():
            self.data[name][step.epoch] = value
        if step.epoch == 0:
            self.first_output_z = step.zs[-1]
        self.last_output_z = step.zs[-1]

    def columns_of(self, index: int = 0) -> dict[str, np.ndarray]:
        """The columns of one run, each of length epochs + 1."""
        cols = {c: v[:, index] for c, v in self.data.items()}
        cols["epoch"] = cols["epoch"].astype(np.int64)
        return cols

    def output_preactivations(self, index: int = 0) -> dict[str, np.ndarray]:
        """One run's output-layer z at the first and last epoch, one row per (sample, unit)."""
        start, end = self.first_output_z[index], self.last_output_z[index]
        samples, units = np.indices(start.shape)
        return {"sample": samples.ravel(), "unit": units.ravel(),
                "z_start": start.ravel(), "z_end": end.ravel()}
