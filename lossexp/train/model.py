"""Model kinds: from a validated ``model:`` section to a Network and its initial Params.

A single neuron is the network [1, 1]: one engine serves every model. An ``mlp`` is the
fully connected network ``layers: [n_in, h1, ..., n_out]`` with one activation for every
hidden layer and one for the output layer.

MLP initialisation draws from ``numpy.random.default_rng(seed)`` in a fixed order, with
``seed`` the init's own ``seed`` when given, else ``train.seed`` (which also draws the data),
layer by layer from the input side: layer l's weights (R, n_out, n_in) in row-major order,
then its biases (R, n_out) when the scheme draws them. Schemes (n_in, n_out of the layer):

    normal    W, b ~ N(0, scale^2)
    uniform   W, b ~ U(-scale, scale)
    xavier    W ~ N(0, 2 / (n_in + n_out)), b = 0    (Glorot normal)
    he        W ~ N(0, 2 / n_in), b = 0
    explicit  W, b as given in the config (nothing is drawn)
"""

from __future__ import annotations

import numpy as np

from lossexp.tasks import task_shape
from lossexp.train.engine import Network, Params

DEFAULT_SCALE = 1.0


def model_layers(model_cfg: dict, task_cfg: dict) -> list[int]:
    if model_cfg["kind"] == "neuron":
        n_in, _ = task_shape(task_cfg)
        return [n_in, 1]
    if model_cfg["kind"] == "mlp":
        return list(model_cfg["layers"])
    raise AssertionError(model_cfg["kind"])


def output_activation_key(model: dict) -> str:
    """Where a model section names its output activation: ``activation`` for a neuron."""
    return "activation" if model["kind"] == "neuron" else "output_activation"


# --- initial parameters --------------------------------------------------------------------

def neuron_params(w, b) -> Params:
    """Params for R single neurons from arrays (or scalars) of initial w and b."""
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    return Params([w.reshape(-1, 1, 1).copy()], [b.reshape(-1, 1).copy()])


def _draw_layer(scheme: str, scale: float, shape: tuple, rng: np.random.Generator):
    """One layer's (weights, biases) of shape (R, n_out, n_in) and (R, n_out)."""
    runs, n_out, n_in = shape
    if scheme == "normal":
        return scale * rng.standard_normal(shape), scale * rng.standard_normal((runs, n_out))
    if scheme == "uniform":
        return rng.uniform(-scale, scale, shape), rng.uniform(-scale, scale, (runs, n_out))
    std = np.sqrt(2.0 / (n_in + n_out)) if scheme == "xavier" else np.sqrt(2.0 / n_in)
    return std * rng.standard_normal(shape), np.zeros((runs, n_out))


def mlp_params(init: dict, layers: list[int], rng: np.random.Generator, runs: int = 1) -> Params:
    """Initial Params for R networks of widths ``layers`` (draw order: module docstring)."""
    if init["scheme"] == "explicit":
        weights = [np.tile(np.asarray(w, dtype=np.float64), (runs, 1, 1)) for w in init["weights"]]
        biases = [np.tile(np.asarray(b, dtype=np.float64), (runs, 1)) for b in init["biases"]]
        return Params(weights, biases)
    scale = DEFAULT_SCALE if init["scale"] is None else init["scale"]
    weights, biases = [], []
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        w, b = _draw_layer(init["scheme"], scale, (runs, n_out, n_in), rng)
        weights.append(w)
        biases.append(b)
    return Params(weights, biases)


def model_activations(model: dict, layers: list[int]) -> list:
    """One activation per layer: the hidden one for every layer but the last."""
    if model["kind"] == "neuron":
        return [model["activation"].built]
    hidden = model["hidden_activation"].built
    return [hidden] * (len(layers) - 2) + [model["output_activation"].built]


def build_model(cfg: dict) -> tuple[Network, Params, list[int]]:
    model = cfg["model"]
    layers = model_layers(model, cfg["task"])
    network = Network(model_activations(model, layers), cfg["loss"].built,
                      reduction=cfg["train"]["reduction"])
    if model["kind"] == "neuron":
        return network, neuron_params(model["init"]["w"], model["init"]["b"]), layers
    return network, mlp_params(model["init"], layers, init_rng(cfg)), layers


def init_seed(cfg: dict) -> int:
    """The seed an MLP's initial weights are drawn from: ``model.init.seed``, else ``train.seed``."""
    seed = cfg["model"]["init"].get("seed")
    return cfg["train"]["seed"] if seed is None else seed


def init_rng(cfg: dict) -> np.random.Generator:
    return np.random.default_rng(init_seed(cfg))
