"""A 2-16-16-1 sigmoid MLP trained by lossexp equals a plain NumPy implementation.

The reference below is written from the textbook equations with 2-D arrays only (no runs
axis, no registries, no fused objects). It draws its own initial weights following the
order models.py documents, and its own mini-batches following experiment.minibatches'
docstring, so both documented contracts are checked too.
"""

import numpy as np
import pytest

from lossexp.config import parse_yaml, resolve
from lossexp.run.experiment import run_experiment
from lossexp.tasks import make_data

CONFIG = """\
task: {kind: blobs, classes: 2, one_hot: false, per_class: 32, radius: 1.5, spread: 1.0}
model:
  kind: mlp
  layers: [2, 16, 16, 1]
  hidden_activation: sigmoid
  output_activation: sigmoid
  init: {scheme: normal, scale: 1.0}
loss: {name: quadratic}
train: {lr: 2.0, epochs: 50, seed: 11}
plots: false
"""
TOLERANCE = 1e-12


def load(*overrides):
    data, lines = parse_yaml(CONFIG, "ref.yaml")
    return resolve(data, lines, "ref.yaml", overrides, default_name="ref")


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


class ReferenceMLP:
    """Plain full-batch / mini-batch gradient descent on a sigmoid MLP."""

    def __init__(self, layers, scale, seed, loss, reduction):
        rng = np.random.default_rng(seed)
        self.W, self.b = [], []
        for n_in, n_out in zip(layers[:-1], layers[1:]):
            self.W.append(scale * rng.standard_normal((n_out, n_in)))
            self.b.append(scale * rng.standard_normal(n_out))
        self.loss, self.reduction = loss, reduction

    def forward(self, x):
        zs, acts = [], [x]
        for W, b in zip(self.W, self.b):
            zs.append(acts[-1] @ W.T + b)
            acts.append(sigmoid(zs[-1]))
        return zs, acts

    def cost(self, x, y):
        zs, acts = self.forward(x)
        a, z = acts[-1], zs[-1]
        if self.loss == "quadratic":
            per_sample = (0.5 * (a - y) ** 2).sum(axis=1)
        else:  # binary cross-entropy from the logit: log(1 + e^z) - y z
            per_sample = (np.logaddexp(0.0, z) - y * z).sum(axis=1)
        return per_sample.mean() if self.reduction == "mean" else per_sample.sum()

    def gradients(self, x, y):
        zs, acts = self.forward(x)
        a = acts[-1]
        delta = (a - y) * a * (1 - a) if self.loss == "quadratic" else a - y
        if self.reduction == "mean":
            delta = delta / len(x)
        gW, gb = [None] * len(self.W), [None] * len(self.W)
        for l in reversed(range(len(self.W))):
            gW[l] = delta.T @ acts[l]
            gb[l] = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ self.W[l]) * acts[l] * (1 - acts[l])
        return gW, gb

    def step(self, x, y, lr):
        gW, gb = self.gradients(x, y)
        for l in range(len(self.W)):
            self.W[l] = self.W[l] - lr * gW[l]
            self.b[l] = self.b[l] - lr * gb[l]


def reference_losses(cfg, x, y):
    """The reference's loss at epochs 0..E, with lossexp's batching rule."""
    tr = cfg["train"]
    net = ReferenceMLP(cfg["model"]["layers"], cfg["model"]["init"]["scale"], tr["seed"],
                       cfg["loss"]["name"], tr["reduction"])
    shuffle = np.random.default_rng(tr["seed"])
    history = []
    for epoch in range(tr["epochs"] + 1):
        history.append(net.cost(x, y))
        if epoch == tr["epochs"]:
            break
        if tr["batch_size"] is None:
            net.step(x, y, tr["lr"])
            continue
        order = shuffle.permutation(len(x))
        for start in range(0, len(x), tr["batch_size"]):
            batch = order[start:start + tr["batch_size"]]
            net.step(x[batch], y[batch], tr["lr"])
    return np.array(history), net


@pytest.mark.parametrize("overrides", [
    (),
    ("loss.name=cross_entropy",),
    ("train.reduction=sum", "train.lr=0.05"),
    ("train.batch_size=10",),
    ("train.batch_size=16", "loss.name=cross_entropy"),
], ids=["quadratic", "cross_entropy", "sum", "minibatch_10", "minibatch_16_ce"])
def test_lossexp_trains_like_the_plain_numpy_reference(overrides):
    cfg = load(*overrides)
    data = make_data(cfg["task"], cfg["train"]["seed"])
    expected, net = reference_losses(cfg, data.x, data.y)
    result = run_experiment(cfg)
    np.testing.assert_allclose(result.metrics["loss"], expected, rtol=TOLERANCE, atol=0)
    zs, acts = net.forward(data.x)
    np.testing.assert_allclose(result.output_preactivations["z_end"], zs[-1].ravel(),
                               rtol=TOLERANCE, atol=TOLERANCE)
    assert expected[-1] < 0.5 * expected[0]  # it really learned: the comparison is not trivial


def test_the_reference_itself_follows_its_own_gradient():
    """Guard the guard: the reference's gradient matches its cost by central differences."""
    cfg = load()
    data = make_data(cfg["task"], 0)
    net = ReferenceMLP([2, 16, 16, 1], 1.5, 3, "quadratic", "mean")
    gW, _ = net.gradients(data.x, data.y)
    h = 1e-6
    for i, j in [(0, 0), (5, 1), (15, 0)]:
        net.W[0][i, j] += h
        up = net.cost(data.x, data.y)
        net.W[0][i, j] -= 2 * h
        down = net.cost(data.x, data.y)
        net.W[0][i, j] += h
        assert gW[0][i, j] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)
