"""Model kinds: from a validated ``model:`` section to a Network and its initial Params.

A single neuron is the network [1, 1]: one engine serves every model.
"""

from __future__ import annotations

import numpy as np

from lossexp import activations, losses
from lossexp import schema as s
from lossexp.engine import Network, Params
from lossexp.tasks import task_shape


def _params_of(named: dict) -> dict:
    return {k: v for k, v in named.items() if k != "name"}


def build_activation(named: dict):
    return activations.get(named["name"], **_params_of(named))


def build_loss(named: dict):
    return losses.get(named["name"], **_params_of(named))


def model_schemas(activation_spec) -> dict[str, s.Section]:
    return {
        "neuron": s.Section({
            "activation": activation_spec,
            "init": s.Section({"w": s.Number(), "b": s.Number()}),
        }),
    }


def model_layers(model_cfg: dict, task_cfg: dict) -> list[int]:
    n_in, n_out = task_shape(task_cfg)
    if model_cfg["kind"] == "neuron":
        return [n_in, 1]
    raise AssertionError(model_cfg["kind"])


def check_model_fits_task(cfg: dict, loc: s.Locator) -> None:
    n_in, n_out = task_shape(cfg["task"])
    if cfg["model"]["kind"] == "neuron" and (n_in, n_out) != (1, 1):
        raise loc.fail(("model", "kind"), f"a neuron has one input and one output; task "
                       f"{cfg['task']['kind']!r} has {n_in} and {n_out}")


def neuron_params(w, b) -> Params:
    """Params for R single neurons from arrays (or scalars) of initial w and b."""
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    return Params([w.reshape(-1, 1, 1).copy()], [b.reshape(-1, 1).copy()])


def build_model(cfg: dict) -> tuple[Network, Params, list[int]]:
    model = cfg["model"]
    loss = build_loss(cfg["loss"])
    layers = model_layers(model, cfg["task"])
    if model["kind"] == "neuron":
        network = Network([build_activation(model["activation"])], loss,
                          reduction=cfg["train"]["reduction"])
        return network, neuron_params(model["init"]["w"], model["init"]["b"]), layers
    raise AssertionError(model["kind"])
