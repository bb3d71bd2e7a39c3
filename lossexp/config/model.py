"""The ``model:`` section of a config: its schema per model kind, and the checks that the
model fits the task and the loss (widths, per-output parameters, the output's range)."""

from __future__ import annotations

from lossexp import schema as s
from lossexp.library import activations
from lossexp.tasks import task_shape
from lossexp.train.model import DEFAULT_SCALE, model_layers, output_activation_key

INIT_SCHEMES = ("normal", "uniform", "xavier", "he", "explicit")
_SCALED_SCHEMES = ("normal", "uniform")


# --- the mlp config section ----------------------------------------------------------------

def _check_init_keys(init: dict, path, loc: s.Locator) -> None:
    scheme = init["scheme"]
    if init["scale"] is not None and scheme not in _SCALED_SCHEMES:
        raise loc.fail(path + ("scale",), f"scheme {scheme!r} takes no scale "
                       f"(only {' and '.join(_SCALED_SCHEMES)} do)")
    if scheme == "explicit" and init["seed"] is not None:
        raise loc.fail(path + ("seed",), "scheme explicit draws nothing, so it takes no seed")
    for key in ("weights", "biases"):
        if scheme == "explicit" and init[key] is None:
            raise loc.fail(path + (key,), "missing required key (scheme explicit gives every "
                           "weight and bias)")
        if scheme != "explicit" and init[key] is not None:
            raise loc.fail(path + (key,), f"only scheme explicit takes {key}; "
                           f"scheme {scheme!r} draws them")


def _check_length(value: list, n: int, path, loc: s.Locator, what: str) -> None:
    if len(value) != n:
        raise loc.fail(path, f"must have {n} {what}, got {len(value)}")


def _check_explicit_shapes(init: dict, layers: list[int], path, loc: s.Locator) -> None:
    depth = len(layers) - 1
    for key in ("weights", "biases"):
        _check_length(init[key], depth, path + (key,), loc, f"entries, one per layer of {layers}")
    for l in range(depth):
        n_in, n_out = layers[l], layers[l + 1]
        w_path, b_path = path + ("weights", l), path + ("biases", l)
        _check_length(init["weights"][l], n_out, w_path, loc, f"rows (layer {l + 1} has "
                      f"{n_out} units)")
        for i, row in enumerate(init["weights"][l]):
            _check_length(row, n_in, w_path + (i,), loc,
                          f"values (layer {l + 1} has {n_in} inputs)")
        _check_length(init["biases"][l], n_out, b_path, loc, f"values (layer {l + 1} has "
                      f"{n_out} units)")


def _check_units(named: dict, units: int, layer: str, path, loc: s.Locator) -> None:
    """The activation at ``path`` is not constant over a layer of ``units`` units."""
    act = named.built
    if units < act.min_units:
        raise loc.fail(path, f"{act.name} needs at least {act.min_units} units, but {layer} has "
                       f"{_count(units, 'unit')}: over fewer its output is constant, so every "
                       "gradient is 0")


def _check_neuron(model: dict, path, loc: s.Locator) -> None:
    _check_units(model["activation"], 1, "a neuron", path + ("activation",), loc)


def _check_mlp(model: dict, path, loc: s.Locator) -> None:
    layers = model["layers"]
    for l, units in enumerate(layers[1:-1], 1):
        _check_units(model["hidden_activation"], units, f"hidden layer {l}",
                     path + ("hidden_activation",), loc)
    _check_units(model["output_activation"], layers[-1], "the output layer",
                 path + ("output_activation",), loc)
    init = model["init"]
    _check_init_keys(init, path + ("init",), loc)
    if init["scheme"] == "explicit":
        _check_explicit_shapes(init, layers, path + ("init",), loc)


def _mlp_schema(activation_spec) -> s.Section:
    number = s.Number()
    return s.Section({
        "layers": s.ListOf(s.Number(integer=True, ge=1), min_len=2,
                           doc="[n_in, h1, ..., n_out]: units per layer, input first"),
        "hidden_activation": activation_spec.with_default({"name": "sigmoid"}),
        "output_activation": activation_spec,
        "init": s.Section({
            "scheme": s.Text(default="normal", choices=INIT_SCHEMES),
            "scale": s.Number(default=None, gt=0, nullable=True,
                              doc=f"spread of normal/uniform (default {DEFAULT_SCALE:g})"),
            "weights": s.ListOf(s.ListOf(s.ListOf(number)), default=None, nullable=True,
                                doc="explicit: per layer, [n_out][n_in] lists"),
            "biases": s.ListOf(s.ListOf(number), default=None, nullable=True,
                               doc="explicit: per layer, [n_out] lists"),
            "seed": s.Number(default=None, integer=True, ge=0, nullable=True,
                             doc="seed of the drawn weights (default: train.seed, which "
                                 "also draws the data): a sweep's seeds vary this alone"),
        }, default={}),
    }, validate=_check_mlp)


def model_schemas(activation_spec) -> dict[str, s.Section]:
    return {
        "neuron": s.Section({
            "activation": activation_spec,
            "init": s.Section({"w": s.Number(), "b": s.Number()}),
        }, validate=_check_neuron),
        "mlp": _mlp_schema(activation_spec),
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _check_widths(cfg: dict, loss, blame, loc: s.Locator) -> None:
    """The model's input and output widths match the task and the loss's heads per target.

    ``blame`` is the key to point at instead of the model's, or None.
    """
    n_in, n_targets = task_shape(cfg["task"])
    n_out = loss.columns(n_targets)
    model, kind = cfg["model"], cfg["task"]["kind"]
    heads = ("" if n_out == n_targets
             else f" ({loss.name} reads {n_out // n_targets} outputs per target)")
    if model["kind"] == "neuron" and (n_in, n_out) != (1, 1):
        raise loc.fail(blame or ("model", "kind"), f"a neuron has one input and one output; "
                       f"task {kind!r} has {_count(n_in, 'input')} and needs "
                       f"{_count(n_out, 'output')}{heads}")
    if model["kind"] == "mlp":
        layers = model["layers"]
        if layers[0] != n_in:
            raise loc.fail(blame or ("model", "layers", 0), f"the input layer has "
                           f"{_count(layers[0], 'unit')} but task {kind!r} gives "
                           f"{_count(n_in, 'input')}")
        if layers[-1] != n_out:
            raise loc.fail(blame or ("model", "layers", len(layers) - 1), f"the output layer "
                           f"has {_count(layers[-1], 'unit')} but task {kind!r} has "
                           f"{_count(n_targets, 'target')}{heads}")


def _check_output_range(model: dict, units: int, loss, loss_path, loc: s.Locator) -> None:
    """The output activation's values lie where the loss is defined (no cross_entropy after
    identity: an infinite loss and a gradient pushing the output the wrong way)."""
    key = output_activation_key(model)
    problem = loss.range_problem(model[key].built)
    if problem:
        fits = [name for name, cls in activations.ACTIVATIONS.items()
                if cls.min_units <= units and loss.range_problem(cls()) is None]
        raise loc.fail(loss_path, f"{problem}; set model.{key} to {' or '.join(fits)}")


def check_model_fits_task(cfg: dict, loc: s.Locator, loss_path: tuple = ("loss",)) -> None:
    """The model fits the task and the loss at ``loss_path`` (default: the config's own).

    Run for every loss a config trains with (a sweep's ``sweep.losses`` too): the input and
    output widths, the loss's per-output parameters, and the output activation's range
    against the predictions the loss reads. A width that does not fit the config's own loss
    is the model's to fix; for any other loss, which shares the model with the config's own,
    it is that loss's.
    """
    loss_cfg = cfg
    for key in loss_path:
        loss_cfg = loss_cfg[key]
    loss = loss_cfg.built
    _check_widths(cfg, loss, None if loss_path == ("loss",) else loss_path, loc)
    n_out = model_layers(cfg["model"], cfg["task"])[-1]
    problem = loss.columns_problem(n_out)
    if problem:
        raise loc.fail(loss_path + (problem[0],), problem[1])
    _check_output_range(cfg["model"], n_out, loss, loss_path, loc)


