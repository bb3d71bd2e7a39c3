"""Resolving a config: overrides applied, every section validated, defaults filled in.

``load_config(path, overrides)`` returns the fully resolved config as plain nested dicts,
or raises ``ConfigError`` naming the file:line and key to fix.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path as FilePath

import yaml

from lossexp import schema as s
from lossexp.config.overrides import apply_override, parse_override
from lossexp.config.yaml_reader import ANCHOR_PREFIX, parse_yaml, read_text
from lossexp.errors import ConfigError
from lossexp.output.text import shell_command

# The per-epoch recording of one run, as float64: the one part of a run's memory that grows
# with its epochs (metrics.csv is written in blocks, figures draw at most 4000 epochs).
RECORD_BUDGET_BYTES = 256 * 1024**2
_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"


# --- the schema ----------------------------------------------------------------------------

def _named(registry: dict, what: str) -> s.OneOf:
    """'sigmoid' or {name: leaky_relu, alpha: 0.1}: a registered name and its parameters.

    A class's ``check_params`` (rules that tie its parameters together) validates them.
    The checked section holds the object it names, built here once (``schema.Named``).
    """
    def variants():
        return {name: s.Section(cls.params, validate=getattr(cls, "check_params", None))
                for name, cls in registry.items()}

    def build(named: dict):
        return registry[named["name"]](**{k: v for k, v in named.items() if k != "name"})

    return s.OneOf("name", variants, what=what, shorthand=True, build=build)


def build_schema(extra: dict | None = None, extra_check=None) -> s.Section:
    """The run-config schema; ``extra`` adds top-level sections (e.g. a sweep's ``sweep:``).

    Once every section is valid, the rules that tie sections together run: the model fits
    the task and the loss, the recording fits in memory, then ``extra_check(cfg, path,
    loc)``, for rules that tie the extra sections to the rest.
    """
    from lossexp import tasks
    from lossexp.config import model
    from lossexp.library import activations, losses

    def check_whole(cfg, path, loc):
        model.check_model_fits_task(cfg, loc)
        _check_recording_fits(cfg, loc)
        if extra_check:
            extra_check(cfg, path, loc)

    return s.Section({
        "name": s.Text(default=None, nullable=True, pattern=_NAME_PATTERN,
                       pattern_help="must be a plain name of at most 100 characters (letters, "
                                    "digits, '.', '_', '-'; no '/', not starting with '.'), so "
                                    "the run stays inside the outputs directory"),
        "description": s.Text(default=""),
        "task": s.OneOf("kind", tasks.task_schemas, what="task"),
        "model": s.OneOf("kind", lambda: model.model_schemas(
            _named(activations.ACTIVATIONS, "activation")), what="model"),
        "loss": _named(losses.LOSSES, "loss"),
        "train": s.Section({
            "lr": s.Number(gt=0, doc="learning rate"),
            "epochs": s.Number(integer=True, ge=1, doc="number of updates"),
            "reduction": s.Text(default="mean", choices=("mean", "sum")),
            "batch_size": s.Number(default=None, integer=True, ge=1, nullable=True),
            "seed": s.Number(default=0, integer=True, ge=0),
            "record_every": s.Number(default=1, integer=True, ge=1,
                                     doc="metrics.csv keeps every Nth epoch (and the last)"),
        }),
        "target": s.Section({
            "tolerance": s.Number(default=0.1, gt=0),
            "plateau_fraction": s.Number(default=0.1, gt=0, lt=1,
                                         doc="the plateau ends once the outputs have covered "
                                             "this fraction of their way to the target band"),
        }, default={}),
        "plots": s.Boolean(default=True),
        **(extra or {}),
    }, validate=check_whole)


def _check_recording_fits(cfg: dict, loc: s.Locator) -> None:
    from lossexp.train.model import model_layers
    from lossexp.train.trace import trace_bytes

    epochs = cfg["train"]["epochs"]
    need = trace_bytes(model_layers(cfg["model"], cfg["task"]), 1, epochs)
    if need > RECORD_BUDGET_BYTES:
        raise loc.fail(("train", "epochs"),
                       f"{epochs:.3g} epochs would need {need / 1024**2:.3g} MiB to record, "
                       f"more than the {RECORD_BUDGET_BYTES // 1024**2} MiB a run may record "
                       "(at that limit a whole run stays under 0.5 GiB); use fewer epochs")


def validate(data: dict, loc: s.Locator, *, default_name: str,
             schema: s.Section | None = None) -> dict:
    """``data`` checked against ``schema`` (default: the run config's), its name filled in."""
    cfg = (schema or build_schema()).check(data, (), loc)
    if cfg["name"] is None:
        if not re.fullmatch(_NAME_PATTERN, default_name):
            raise loc.fail(("name",), f"the file name {default_name!r} is not a usable run "
                                      "name; add a name: to the config")
        cfg["name"] = default_name
    return cfg


def load_config(path, overrides=(), *, extra: dict | None = None, extra_check=None) -> dict:
    """The resolved config of file ``path`` with ``--set`` overrides applied.

    ``extra`` maps additional top-level keys to their specs, ``extra_check`` ties them to
    the rest (see ``build_schema``).
    """
    path = FilePath(path)
    data, lines = parse_yaml(read_text(path), str(path))
    return resolve(data, lines, str(path), overrides, default_name=path.stem, extra=extra,
                   extra_check=extra_check)


def resolve(data, lines, source: str, overrides=(), *, default_name: str,
            extra: dict | None = None, extra_check=None) -> dict:
    """Apply ``overrides`` to parsed ``data`` and validate it; ``data`` is not modified.

    Two kinds of top-level keys are ignored: ``versions:``, which every run's config.yaml
    carries, so a run directory's config.yaml can be run again as it is; and keys starting
    with ``x-``, which hold YAML anchors for reuse (``x-init: &init {w: 2, b: 2}``).
    """
    if data is None:
        raise ConfigError(source, "", "the config is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:{lines.get((), 1)}", "",
                          f"the top level must be a mapping (name:, task:, model:, ...), "
                          f"got {s.describe(data)}")
    data = {k: copy.deepcopy(v) for k, v in data.items()
            if k != "versions" and not (isinstance(k, str) and k.startswith(ANCHOR_PREFIX))}
    schema = build_schema(extra, extra_check)
    if "sweep" in data and "sweep" not in schema.fields:
        # `--set sweep=null` makes a sweep config a run config: one start, model.init's
        # (how a row of a sweep is reproduced from the sweep's own file).
        dropped = [t for t in overrides if parse_override(t) == (("sweep",), None)]
        if not dropped:
            raise ConfigError(f"{source}:{lines.get(('sweep',), 1)}", "sweep",
                              f"this is a sweep config: run it with "
                              f"`{shell_command('lossexp', 'sweep', source)}`; to train one "
                              f"start, model.init's, add --set sweep=null")
        del data["sweep"]
        overrides = [t for t in overrides if t not in dropped]
    override_where = {}
    for text in overrides:
        path, value = parse_override(text)
        for created in apply_override(data, path, value, f"--set {text}", schema):
            override_where[created] = text
        override_where[path] = text
    return validate(data, s.Locator(source, lines, override_where), default_name=default_name,
                    schema=schema)


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing a built loss or activation as the mapping that names it."""


_Dumper.add_representer(s.Named, yaml.SafeDumper.represent_dict)


def dump(cfg: dict) -> str:
    """The config as YAML text, keys in schema order."""
    return yaml.dump(cfg, Dumper=_Dumper, sort_keys=False, default_flow_style=None, width=100,
                     allow_unicode=True)
