"""The config schema as JSON Schema (draft-07), for editors and other tools.

Generated from the one spec tree that validates configs (``lossexp.config.load.build_schema``
plus a sweep's ``sweep:`` section), so an editor with yaml-language-server completes keys
and the names of losses, activations and tasks, shows each key's description, and flags a
misspelled key or name. ``lossexp schema`` prints it; the shipped configs point at a copy
(configs/lossexp.schema.json) with a modeline on their last line.

Rules that tie several keys together (``validate=`` hooks: the model fits the task, ...)
have no JSON Schema form; ``lossexp run`` still checks them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from lossexp import schema as s

DRAFT = "http://json-schema.org/draft-07/schema#"
FILE_NAME = "lossexp.schema.json"
MODELINE = f"# yaml-language-server: $schema={FILE_NAME}"


def config_schema(sweep: s.Section) -> dict:
    """The JSON Schema of a lossexp config, run or sweep (``sweep``: the spec of the
    ``sweep:`` section, which lives with the sweeps, a layer above the configs)."""
    from lossexp.config.load import build_schema

    spec = build_schema({"sweep": s.Section(sweep.fields, default=None, nullable=True,
                                            doc=sweep.doc)})
    out = {"$schema": DRAFT, "title": "lossexp config",
           "description": "A lossexp run config (lossexp run) or, with a sweep: section, a "
                          "sweep config (lossexp sweep).",
           **to_json_schema(spec)}
    for key, doc in _SECTION_DOCS.items():
        out["properties"][key].setdefault("description", doc)
    out["properties"]["versions"] = {
        "description": "Library versions recorded in a run directory's config.yaml; ignored."}
    out["patternProperties"] = {"^x-": {"description": "Ignored: holds YAML anchors to reuse."}}
    return out


_SECTION_DOCS = {
    "name": "The run directory's name (OUTPUTS/<name>/); default: the config file's stem.",
    "description": "Free text about the experiment, kept in the run's config.yaml.",
    "task": "The data: input x and target y (kind: one_to_zero is the classic 1 -> 0).",
    "model": "The network: a single neuron (kind: neuron) or a small MLP (kind: mlp).",
    "loss": "The cost C(a, y): a loss name, or {name: ..., parameters}; see `lossexp list`.",
    "train": "Gradient descent: learning rate, epochs, reduction, batch size, seed.",
    "target": "When the target counts as reached (|output - y| < tolerance) and what is a "
              "plateau.",
    "plots": "Draw the figures (PNG and SVG) of the run.",
    "sweep": "Makes this a sweep config, for `lossexp sweep`: the starts to train.",
}


def text(sweep: s.Section) -> str:
    """The schema as the text ``lossexp schema`` prints (and configs/lossexp.schema.json holds)."""
    return json.dumps(config_schema(sweep), indent=2, ensure_ascii=False) + "\n"


def to_json_schema(spec: s.Spec) -> dict:
    """One spec as JSON Schema; a spec of an unknown kind accepts anything."""
    for kind in type(spec).__mro__:
        convert = _CONVERTERS.get(kind)
        if convert is not None:
            out = convert(spec)
            break
    else:
        out = {}
    if spec.doc:
        out["description"] = spec.doc
    default = spec.default
    if default is not s.MISSING and _plain(default) and not isinstance(spec, s.OneOf):
        out["default"] = default
    return out


def _plain(value: Any) -> bool:
    """JSON can hold it (no NaN or infinity, no tuples of objects)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _nullable(out: dict, spec: s.Spec) -> dict:
    if getattr(spec, "nullable", False):
        kinds = out.get("type")
        if kinds is not None:
            out["type"] = [*([kinds] if isinstance(kinds, str) else kinds), "null"]
        elif "enum" in out:
            out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


def _number(spec: s.Number) -> dict:
    out: dict = {"type": "integer" if spec.integer else "number"}
    for bound, key in ((spec.gt, "exclusiveMinimum"), (spec.ge, "minimum"),
                       (spec.lt, "exclusiveMaximum"), (spec.le, "maximum")):
        if bound is not None and math.isfinite(bound):
            out[key] = bound
    return _nullable(out, spec)


def _text(spec: s.Text) -> dict:
    out: dict = {"type": "string"}
    choices = spec.choices() if callable(spec.choices) else spec.choices
    if choices is not None:
        out["enum"] = list(choices)
    if spec.pattern is not None:
        out["pattern"] = f"^(?:{spec.pattern.pattern})$"
    return _nullable(out, spec)


def _file(spec: s.File) -> dict:
    out = _text(spec)
    out.setdefault("description", "A file name, relative to this config's directory.")
    return out


def _boolean(spec: s.Boolean) -> dict:
    return {"type": "boolean"}


def _list(spec: s.ListOf) -> dict:
    out: dict = {"type": "array", "items": to_json_schema(spec.item)}
    if spec.min_len:
        out["minItems"] = spec.min_len
    if spec.max_len is not None:
        out["maxItems"] = spec.max_len
    return _nullable(out, spec)


def _section(spec: s.Section, *, extra: dict | None = None) -> dict:
    properties = {**(extra or {})}
    for key, field in spec.fields.items():
        properties[key] = to_json_schema(field)
    required = [key for key, field in spec.fields.items() if field.default is s.MISSING]
    out: dict = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return _nullable(out, spec)


def variant_docs(what: str) -> dict[str, str]:
    """A line about each registered loss, activation and task, for editors to show."""
    if what == "loss":
        from lossexp.library.losses import LOSSES

        return {name: f"C = {cls.formula}" for name, cls in LOSSES.items()}
    if what == "activation":
        from lossexp.library.activations import ACTIVATIONS

        return {name: f"a = {cls().formula}; saturates: {cls().saturation_region}"
                for name, cls in ACTIVATIONS.items()}
    if what == "task":
        from lossexp.tasks import TASKS

        return {name: task.doc for name, task in TASKS.items() if task.doc}
    return {}


def _one_of(spec: s.OneOf) -> dict:
    """The tag key's enum, then one if/then per variant: its own keys, and no others."""
    variants = spec.variants
    names = sorted(variants)
    docs = variant_docs(spec.what)
    tag = {"enum": names, "description": f"The {spec.what}: one of {', '.join(names)}."}
    if docs:  # shown beside each name by editors that know the keyword (VS Code, yaml-ls)
        tag["enumDescriptions"] = [docs.get(name, "") for name in names]
    branches = []
    for name in names:
        then = _section(variants[name], extra={spec.tag: {"const": name}})
        if docs.get(name):
            then["description"] = f"{name}: {docs[name]}"
        then.pop("required", None)  # a variant's required keys are listed below, with the tag
        required = [k for k, f in variants[name].fields.items() if f.default is s.MISSING]
        if required:
            then["required"] = required
        branches.append({"if": {"properties": {spec.tag: {"const": name}}, "required": [spec.tag]},
                         "then": then})
    mapping = {"type": "object", "properties": {spec.tag: tag}, "required": [spec.tag],
               "allOf": branches}
    if not spec.shorthand:
        return mapping
    shorthand = {"type": "string", "enum": names, "description": tag["description"]}
    if docs:
        shorthand["enumDescriptions"] = tag["enumDescriptions"]
    return {"anyOf": [shorthand, mapping]}


_CONVERTERS = {s.File: _file, s.Number: _number, s.Text: _text, s.Boolean: _boolean,
               s.ListOf: _list, s.Section: _section, s.OneOf: _one_of}
