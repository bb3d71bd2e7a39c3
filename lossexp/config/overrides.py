"""``--set KEY=VALUE`` overrides: a dotted path into the parsed config and a YAML value."""

from __future__ import annotations

from lossexp import schema as s
from lossexp.config.yaml_reader import parse_yaml
from lossexp.errors import ConfigError


def parse_override(text: str) -> tuple[tuple, object]:
    """'train.lr=0.3' -> (('train', 'lr'), 0.3); the value is read as YAML."""
    where = f"--set {text}"
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(where, "", "expected KEY=VALUE, e.g. --set train.lr=0.3")
    parts = [part.strip() for part in key.split(".")]
    if "" in parts:
        raise ConfigError(where, key.strip(), "empty part in the dotted key")
    path = tuple(int(p) if p.isascii() and p.isdigit() else p for p in parts)
    try:
        value, _ = parse_yaml(raw, "value")
    except ConfigError as exc:
        raise ConfigError(where, s.dotted(path), exc.problem) from None
    return path, value


def _child(node, part, path: tuple, where: str):
    """node[part] for a mapping (None when absent) or a list (an index within it)."""
    if isinstance(node, dict):
        return node.get(part)
    if not isinstance(part, int):
        raise ConfigError(where, s.dotted(path), f"is inside a list; give an item number "
                                                 f"(0 to {len(node) - 1}), not {part!r}")
    if part >= len(node):
        raise ConfigError(where, s.dotted(path), f"no item {part} in a list of {len(node)}")
    return node[part]


def apply_override(data: dict, path: tuple, value, where: str,
                   schema: s.Spec | None = None) -> list[tuple]:
    """Set the value at ``path``, creating missing sections; return the paths it created.

    With the ``schema``, a value on the way written in shorthand is written out first, so
    ``loss.delta=0.5`` reaches into ``loss: huber`` as into ``loss: {name: huber}``.
    """
    created = []
    node, spec = data, schema
    for i, part in enumerate(path[:-1]):
        here = path[: i + 1]
        child = _child(node, part, here, where)
        spec = spec.child(part, node) if spec else None
        if child is None and isinstance(node, dict):
            child = node[part] = {}
            created.append(here)
        elif spec and spec.expand(child) is not child:
            child = node[part] = spec.expand(child)
        if not isinstance(child, (dict, list)):
            raise ConfigError(where, s.dotted(here), f"is {s.describe(child)}, not a section, "
                                                     f"so it has no key {path[i + 1]!r}")
        node = child
    _child(node, path[-1], path, where)
    node[path[-1]] = value
    return created


