"""Reading, overriding and validating experiment configs.

``load_config(path, overrides)`` returns the fully resolved config as plain nested dicts
(defaults filled in), or raises ``ConfigError`` with the file:line of the offending key.
YAML is read with the safe loader's node tree only: tags outside the core schema
(``!!python/...``) are refused before anything is constructed.
"""

from __future__ import annotations

import re
from pathlib import Path as FilePath

import yaml

from lossexp import schema as s
from lossexp.errors import ConfigError

# A trace larger than this is refused before training: metrics.csv would be unusable
# long before memory ran out, and the user learns it at once rather than after hours.
RECORD_BUDGET_BYTES = 2 * 1024**3

_CORE_SCALAR_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null")
}
_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"


# --- reading YAML with line numbers ------------------------------------------------------

def _read_text(path: FilePath) -> str:
    where = str(path)
    if not path.exists():
        raise ConfigError(where, "", "no such file")
    if path.is_dir():
        raise ConfigError(where, "", "is a directory, not a config file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(where, "", f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read: {exc.strerror}") from None


def parse_yaml(text: str, source: str) -> tuple[object, dict]:
    """Parse YAML text into plain data and a map from key path to 1-based line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError(where, "", f"YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, "", f"YAML error: {exc}") from None
    lines: dict = {}
    if root is None:
        return None, lines
    constructor = yaml.SafeLoader("")

    def build(node, path):
        lines.setdefault(path, node.start_mark.line + 1)
        where = f"{source}:{node.start_mark.line + 1}"
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise ConfigError(where, s.dotted(path), f"unsupported YAML tag {node.tag}")
            out = {}
            for key_node, value_node in node.value:
                key = build(key_node, path + ("<key>",))
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    raise ConfigError(f"{source}:{key_node.start_mark.line + 1}", s.dotted(path),
                                      f"keys must be names, got {s.describe(key)}")
                if key in out:
                    raise ConfigError(f"{source}:{key_node.start_mark.line + 1}",
                                      s.dotted(path + (key,)), "duplicate key")
                lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = build(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise ConfigError(where, s.dotted(path), f"unsupported YAML tag {node.tag}")
            return [build(item, path + (i,)) for i, item in enumerate(node.value)]
        if node.tag not in _CORE_SCALAR_TAGS:
            raise ConfigError(where, s.dotted(path), f"unsupported YAML tag {node.tag}")
        return constructor.construct_object(node)

    data = build(root, ())
    lines.pop(("<key>",), None)
    return data, lines


# --- overrides ---------------------------------------------------------------------------

def parse_override(text: str) -> tuple[tuple, object]:
    """'train.lr=0.3' -> (('train', 'lr'), 0.3); the value is read as YAML."""
    where = f"--set {text}"
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(where, "", "expected KEY=VALUE, e.g. train.lr=0.3")
    path = []
    for part in key.strip().split("."):
        if not part:
            raise ConfigError(where, key, "empty part in the dotted key")
        path.append(int(part) if part.isdigit() else part)
    value, _ = parse_yaml(raw, where) if raw.strip() else (None, {})
    return tuple(path), value


def apply_override(data: dict, path: tuple, value, where: str) -> None:
    node = data
    for i, part in enumerate(path[:-1]):
        nxt = node[part] if isinstance(node, dict) and part in node else None
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            nxt = node[part]
        if not isinstance(nxt, (dict, list)):
            if not isinstance(node, dict):
                raise ConfigError(where, s.dotted(path[: i + 1]), "cannot set a key inside a value")
            nxt = node[part] = {}
        node = nxt
    last = path[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise ConfigError(where, s.dotted(path), f"no item {last} in a list of {len(node)}")
    node[last] = value


# --- the schema ----------------------------------------------------------------------------

def _named(registry_module, what: str) -> s.OneOf:
    """'sigmoid' or {name: leaky_relu, alpha: 0.1}: a registered name and its parameters."""
    def variants():
        reg = registry_module.ACTIVATIONS if what == "activation" else registry_module.LOSSES
        return {name: s.Section(cls.params) for name, cls in reg.items()}
    return s.OneOf("name", variants, what=what, shorthand=True)


def build_schema(extra: dict | None = None) -> s.Section:
    """The run-config schema; ``extra`` adds top-level sections (e.g. a sweep's ``sweep:``)."""
    from lossexp import activations, losses, models, tasks

    return s.Section({
        "name": s.Text(default=None, nullable=True, pattern=_NAME_PATTERN,
                       pattern_help="must be a plain name (letters, digits, '.', '_', '-'; "
                                    "no '/' or leading '.'), so the run stays inside outputs/"),
        "description": s.Text(default=""),
        "task": s.OneOf("kind", tasks.task_schemas, what="task"),
        "model": s.OneOf("kind", lambda: models.model_schemas(_named(activations, "activation")),
                         what="model"),
        "loss": _named(losses, "loss"),
        "train": s.Section({
            "lr": s.Number(gt=0, doc="learning rate"),
            "epochs": s.Number(integer=True, ge=1, doc="number of updates"),
            "reduction": s.Text(default="mean", choices=("mean", "sum")),
            "batch_size": s.Number(default=None, integer=True, ge=1, nullable=True),
            "seed": s.Number(default=0, integer=True, ge=0),
        }),
        "target": s.Section({
            "tolerance": s.Number(default=0.1, gt=0),
            "plateau_threshold": s.Number(default=0.001, gt=0, lt=1),
        }, default={}),
        "plots": s.Boolean(default=True),
        **(extra or {}),
    })


def _check_recording_fits(cfg: dict, loc: s.Locator) -> None:
    from lossexp.models import model_layers
    from lossexp.trace import trace_bytes

    layers = model_layers(cfg["model"], cfg["task"])
    need = trace_bytes(layers, 1, cfg["train"]["epochs"])
    if need > RECORD_BUDGET_BYTES:
        raise loc.fail(("train", "epochs"),
                       f"{cfg['train']['epochs']} epochs would need {need / 1024**3:.1f} GiB to "
                       f"record (limit {RECORD_BUDGET_BYTES / 1024**3:.0f} GiB)")


def validate(data: dict, loc: s.Locator, *, default_name: str, extra: dict | None = None) -> dict:
    cfg = build_schema(extra).check(data, (), loc)
    if cfg["name"] is None:
        if not re.fullmatch(_NAME_PATTERN, default_name):
            raise loc.fail(("name",), f"the file name {default_name!r} is not a usable run name; set name:")
        cfg["name"] = default_name
    from lossexp.models import check_model_fits_task
    check_model_fits_task(cfg, loc)
    _check_recording_fits(cfg, loc)
    return cfg


def load_config(path, overrides=(), *, extra: dict | None = None) -> dict:
    """The resolved config of file ``path`` with ``--set`` overrides applied.

    ``extra`` maps additional top-level keys to their specs (see ``build_schema``).
    """
    path = FilePath(path)
    data, lines = parse_yaml(_read_text(path), str(path))
    return resolve(data, lines, str(path), overrides, default_name=path.stem, extra=extra)


def resolve(data, lines, source: str, overrides=(), *, default_name: str,
            extra: dict | None = None) -> dict:
    if data is None:
        raise ConfigError(source, "", "the config is empty")
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1", "", f"the top level must be a mapping, got {s.describe(data)}")
    override_where = {}
    for text in overrides:
        path, value = parse_override(text)
        apply_override(data, path, value, f"--set {text}")
        override_where[path] = text
    return validate(data, s.Locator(source, lines, override_where), default_name=default_name,
                    extra=extra)


def dump(cfg: dict) -> str:
    return yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=100)
