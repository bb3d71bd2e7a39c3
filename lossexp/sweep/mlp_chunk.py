"""Training one chunk of an MLP sweep: R networks of R seeds at once, as ``lossexp run``
trains one.

Every network of a chunk trains on the engine's runs axis, sharing x, y and any mini-batch
order (all drawn from ``train.seed``); network i's weights are drawn from
``default_rng(seed_i)`` exactly as ``build_model`` draws them for ``model.init.seed`` =
seed_i, so a row equals that run bit for bit. Outcomes stream past in O(R) memory
(``OutcomeTracker``, the run's own definitions, and ``AccuracyTracker``) and the chunk is
reduced at once to CSV rows and integer counts.

A network ends *stuck* when it has stopped learning on the wrong side of saturated
outputs: at the last epoch at least ``STUCK_SATURATION`` of its output units (over all
samples) are saturated (``Activation.saturated``, as saturated_L in metrics.csv), and a
classifier's accuracy is no better than always answering the majority class, or a
regression never reached its target.
"""

from __future__ import annotations

import numpy as np

from lossexp.output.serialize import csv_rows, format_column
from lossexp.sweep.mlp_plan import MlpPlan
from lossexp.sweep.memory import keep_freed_memory
from lossexp.sweep.mlp_tally import MlpChunkTally, tally_mlp_chunk
from lossexp.sweep.plan import Chunk
from lossexp.sweep.row_files import chunk_rows
from lossexp.tasks import make_data
from lossexp.train.batches import minibatches
from lossexp.train.engine import Params, Step, train
from lossexp.train.model import build_model, mlp_params, model_layers
from lossexp.train.outcome import NEVER, OutcomeTracker
from lossexp.train.trace import ACCURACY_MILESTONE, accuracy

STUCK_SATURATION = 0.5


COLUMNS = ("series", "seed", "initial_loss", "initial_accuracy", "epochs_to_95pct_accuracy",
           "epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs",
           "final_loss", "final_accuracy", "final_saturated", "stuck", "diverged")
HEADER = ",".join(COLUMNS) + "\n"
# Empty cells in sweep.csv, null in sweep.parquet: a milestone never reached (NEVER), and
# accuracy where the task is no classification (NaN).
MAY_BE_MISSING = ("initial_accuracy", "epochs_to_95pct_accuracy", "epochs_to_target",
                  "plateau_epochs", "half_way_epochs", "approach_epochs", "final_accuracy")


class AccuracyTracker:
    """Per run: accuracy at the first and last epoch, the first epoch at
    ``ACCURACY_MILESTONE`` (as a run's epochs_to_95pct_accuracy), and the fraction of
    saturated output units at the last epoch."""

    def __init__(self, network, y, classification: bool):
        self.network, self.y, self.classification = network, y, classification

    def __call__(self, step: Step) -> None:
        a = step.activations[-1]
        runs = a.shape[0]
        if step.epoch == 0:
            self.first_at = np.full(runs, NEVER, dtype=np.int64)
            self.initial = accuracy(a, self.y) if self.classification else np.full(runs, np.nan)
        if self.classification:
            acc = accuracy(a, self.y)
            self.first_at[(self.first_at == NEVER) & (acc >= ACCURACY_MILESTONE)] = step.epoch
            self.final = acc
        else:
            self.final = np.full(runs, np.nan)
        if step.epoch == step.epochs:
            saturated = self.network.output_activation.saturated(step.zs[-1])
            self.saturated = saturated.mean(axis=(1, 2))


def majority_share(y: np.ndarray) -> float:
    """The accuracy of always answering the commonest class (0/1 labels or one-hot)."""
    shares = np.asarray(y).mean(axis=0) if y.shape[1] > 1 else np.array([y.mean(), 1 - y.mean()])
    return float(shares.max())


def seed_params(init: dict, layers: list[int], seeds) -> Params:
    """The networks of ``seeds`` on one runs axis, each drawn as ``build_model`` draws it."""
    nets = [mlp_params(init, layers, np.random.default_rng(int(seed))) for seed in seeds]
    return Params([np.concatenate([p.weights[l] for p in nets]) for l in range(len(layers) - 1)],
                  [np.concatenate([p.biases[l] for p in nets]) for l in range(len(layers) - 1)])


def train_seeds(plan: MlpPlan, chunk: Chunk) -> dict[str, np.ndarray]:
    """Each network's outcome (OutcomeTracker.as_dict() plus accuracy and stuck)."""
    keep_freed_memory()
    cfg = plan.series[chunk.series].config
    tr, target = cfg["train"], cfg["target"]
    data = make_data(cfg["task"], tr["seed"])
    network, _, _ = build_model(cfg)
    seeds = plan.seeds(chunk)
    params = seed_params(cfg["model"]["init"], model_layers(cfg["model"], cfg["task"]), seeds)
    outcome = OutcomeTracker(network, data.y, tolerance=target["tolerance"],
                             plateau_fraction=target["plateau_fraction"])
    acc = AccuracyTracker(network, data.y, data.classification)
    train(network, params, data.x, data.y, lr=tr["lr"], epochs=tr["epochs"],
          recorders=[outcome, acc], batches=minibatches(data.samples, tr["batch_size"], tr["seed"]))
    out = outcome.as_dict()
    saturated = acc.saturated >= STUCK_SATURATION
    if data.classification:
        wrong = acc.final <= majority_share(data.y)
    else:
        wrong = out["epochs_to_target"] == NEVER
    out.update(seed=seeds, initial_accuracy=acc.initial, final_accuracy=acc.final,
               epochs_to_95pct_accuracy=acc.first_at, final_saturated=acc.saturated,
               stuck=saturated & wrong & ~out["diverged"])
    return out


def milestone_name(classification: bool) -> str:
    """The milestone a sweep's CDF and percentiles count: 95% accuracy for a classifier,
    the run's target (every output within tolerance) for any other task."""
    return "epochs_to_95pct_accuracy" if classification else "epochs_to_target"


def row_columns(out: dict) -> dict[str, np.ndarray]:
    """The columns of a chunk's rows after "series", typed, in the order of COLUMNS (without
    a classification, accuracy is NaN and its milestone NEVER: null in Parquet)."""
    return {name: np.asarray(out[name]) for name in COLUMNS[1:]}


def rows_text(label: str, out: dict, classification: bool) -> str:
    """The CSV rows (no header) of a chunk's networks; an empty cell for a milestone never
    reached, and for accuracy where the task is no classification."""
    def epochs(name: str) -> list[str]:
        if name == "epochs_to_95pct_accuracy" and not classification:
            return [""] * len(out["seed"])
        return ["" if v == NEVER else str(v) for v in out[name].tolist()]

    def maybe(name: str) -> list[str]:
        return format_column(out[name]) if classification else [""] * len(out["seed"])

    columns = [[label] * len(out["seed"]), [str(s) for s in out["seed"].tolist()],
               format_column(out["initial_loss"]), maybe("initial_accuracy"),
               epochs("epochs_to_95pct_accuracy"), epochs("epochs_to_target"),
               epochs("plateau_epochs"), epochs("half_way_epochs"), epochs("approach_epochs"),
               format_column(out["final_loss"]), maybe("final_accuracy"),
               format_column(out["final_saturated"]), format_column(out["stuck"]),
               format_column(out["diverged"])]
    return csv_rows(columns)


def train_mlp_chunk(plan: MlpPlan, chunk: Chunk) -> MlpChunkTally:
    """Train the chunk's networks and reduce their outcomes; runs in any worker."""
    out = train_seeds(plan, chunk)
    classification = plan.classification
    sweep, rows = plan.config["sweep"], b""
    if sweep["rows"]:
        rows = chunk_rows(sweep["rows_format"], lambda: row_columns(out),
                          lambda: rows_text(plan.series[chunk.series].label, out, classification))
    return tally_mlp_chunk(rows, out, milestone_name(classification),
                           plan.epochs, plan.longer_than)
