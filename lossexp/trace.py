"""Full per-epoch recording of a run: the rows of metrics.csv.

A trace keeps one column per quantity, each preallocated as (epochs + 1, R), so memory is
known before training starts (the config check refuses epochs whose trace would not fit).
A single neuron (one unit, one sample) records its scalars: z, w, b and both gradients.
Every model also records, per layer, the gradient norm and the fraction of saturated units.
"""

from __future__ import annotations

import numpy as np

from lossexp.engine import Network, Step

NEURON_COLUMNS = ("z", "w", "b", "grad_w", "grad_b", "activation_grad", "delta")


def is_single_neuron(layers: list[int], samples: int) -> bool:
    return layers == [1, 1] and samples == 1


def trace_columns(layers: list[int], samples: int) -> list[str]:
    cols = ["epoch", "loss", "output"]
    if is_single_neuron(layers, samples):
        return cols + list(NEURON_COLUMNS)
    depth = len(layers) - 1
    cols += ["mean_abs_delta"]
    cols += [f"grad_norm_{l + 1}" for l in range(depth)]
    cols += [f"saturated_{l + 1}" for l in range(depth)]
    return cols


def trace_bytes(layers: list[int], samples: int, epochs: int, runs: int = 1) -> int:
    return 8 * (epochs + 1) * runs * len(trace_columns(layers, samples))


class Trace:
    def __init__(self, network: Network, layers: list[int], samples: int, epochs: int, runs: int):
        self.network = network
        self.neuron = is_single_neuron(layers, samples)
        self.columns = trace_columns(layers, samples)
        self.data = {c: np.empty((epochs + 1, runs)) for c in self.columns}

    def __call__(self, step: Step) -> None:
        row = {"epoch": step.epoch, "loss": step.loss,
               "output": step.activations[-1][:, 0, 0]}
        if self.neuron:
            z = step.zs[0][:, 0, 0]
            row.update(z=z, w=step.params.weights[0][:, 0, 0], b=step.params.biases[0][:, 0],
                       grad_w=step.grads_w[0][:, 0, 0], grad_b=step.grads_b[0][:, 0],
                       activation_grad=self.network.output_activation.grad(z),
                       delta=step.delta[:, 0, 0])
        else:
            row["mean_abs_delta"] = np.abs(step.delta).mean(axis=(1, 2))
            for l, (gw, gb, z, act) in enumerate(zip(step.grads_w, step.grads_b, step.zs,
                                                     self.network.activations), start=1):
                sq = (gw * gw).sum(axis=(1, 2)) + (gb * gb).sum(axis=1)
                row[f"grad_norm_{l}"] = np.sqrt(sq)
                row[f"saturated_{l}"] = act.saturated(z).mean(axis=(1, 2))
        for name, value in row.items():
            self.data[name][step.epoch] = value

    def run(self, index: int = 0) -> dict[str, np.ndarray]:
        """The columns of one run, each of length epochs + 1."""
        cols = {c: v[:, index] for c, v in self.data.items()}
        cols["epoch"] = cols["epoch"].astype(np.int64)
        return cols
