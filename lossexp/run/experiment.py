"""One experiment, from resolved config to results in memory: the library entry point.

``run_experiment(cfg)`` trains and returns a ``RunResult``; ``save_run`` writes it. The
CLI's ``run`` command is these two calls plus printing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lossexp.output.serialize import plain
from lossexp.tasks import Data, make_data
from lossexp.train.batches import minibatches
from lossexp.train.engine import Network, Params, train
from lossexp.train.features import shape_features
from lossexp.train.model import build_model
from lossexp.train.theory import neuron_prediction
from lossexp.train.outcome import EPOCH_COUNTS, NEVER, OutcomeTracker
from lossexp.train.trace import ACCURACY_MILESTONE, Trace


@dataclass
class RunResult:
    config: dict
    metrics: dict[str, np.ndarray]  # column -> values for epochs 0..E
    summary: dict = field(default_factory=dict)
    # Output-layer pre-activations at the first and last epoch, one row per (sample, unit);
    # empty for the single neuron, whose z is in the metrics.
    output_preactivations: dict[str, np.ndarray] = field(default_factory=dict)
    # What was trained, for callers that go on to use the model (predictions, demos).
    network: Network | None = None
    params: Params | None = None  # after the last epoch
    data: Data | None = None


def summarise(outcome: OutcomeTracker, index: int = 0) -> dict:
    """One run's outcome; a milestone never reached is None (null in summary.json)."""
    row = {k: plain(v[index]) for k, v in outcome.as_dict().items()}
    return {k: None if k in EPOCH_COUNTS and v == NEVER else v for k, v in row.items()}


def descended_curve(loss, metrics: dict, y) -> np.ndarray:
    """Per epoch, the cost whose fall training makes: the loss, or for a rule whose steps
    descend another cost (the naive rule: |a - y|, Loss.descended) that one. loss.png draws
    it, the plateau is measured on it, and the shape features read it."""
    if loss.descended() is loss:
        return np.asarray(metrics["loss"], dtype=float)
    if "mean_abs_error" in metrics:  # several samples or outputs
        return np.asarray(metrics["mean_abs_error"], dtype=float)
    return np.abs(np.asarray(metrics["output"], dtype=float) - np.ravel(y)[0])


def run_experiment(cfg: dict, on_epoch: Callable[[int], None] | None = None) -> RunResult:
    """Train the model of a resolved config and gather what a run reports."""
    data = make_data(cfg["task"], cfg["train"]["seed"])
    network, params, layers = build_model(cfg)
    initial = params.copy()
    tr, target = cfg["train"], cfg["target"]
    trace = Trace(network, layers, data.samples, y=data.y, classification=data.classification)
    outcome = OutcomeTracker(network, data.y, tolerance=target["tolerance"],
                             plateau_fraction=target["plateau_fraction"])
    train(network, params, data.x, data.y, lr=tr["lr"], epochs=tr["epochs"],
          recorders=[trace, outcome], on_epoch=on_epoch,
          batches=minibatches(data.samples, tr["batch_size"], tr["seed"]))
    metrics, summary = trace.columns_of(0), summarise(outcome)
    if "accuracy" in metrics:
        reached = np.flatnonzero(metrics["accuracy"] >= ACCURACY_MILESTONE)
        summary.update(initial_accuracy=plain(metrics["accuracy"][0]),
                       final_accuracy=plain(metrics["accuracy"][-1]),
                       epochs_to_95pct_accuracy=int(reached[0]) if reached.size else None)
    mse = None
    if not trace.neuron and not data.classification:  # a regression: its error per output
        pred = network.forward(params, data.x)[1][-1][0][:, :data.y.shape[1]]
        with np.errstate(over="ignore", invalid="ignore"):
            mse = np.mean((pred - data.y) ** 2, axis=0)
        summary["final_rmse"] = plain(np.sqrt(mse))
    if params.loss_params:  # what the loss learned itself (uncertainty weighting's sigma_k)
        summary.update(plain(network.loss.learned_summary(params.loss_params[0][0], mse)))
    falling = {**metrics, "loss": descended_curve(network.loss, metrics, data.y)}
    summary.update(shape_features(falling, summary, network.output_activation))
    prediction = neuron_prediction(network, data.x, data.y, initial, cfg)
    if prediction is not None:
        summary.update(prediction.as_summary())
    snapshots = {} if trace.neuron else trace.output_preactivations(0)
    return RunResult(cfg, metrics, summary, snapshots, network, params, data)
