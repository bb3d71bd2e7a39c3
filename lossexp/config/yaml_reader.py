"""Reading a config file: YAML composed by the safe loader and built node by node, each
value's line remembered for error messages.

Only the core tags (map, seq, str, int, float, bool, null) are accepted, so ``!!python/...``
and every other constructor tag is refused before anything is built. Two readings differ
from PyYAML's YAML 1.1 defaults to match what people write: numbers are YAML 1.2's (``1e-3``
is a float; ``1_000``, ``0b11`` and ``012`` as octal are not numbers) and dates stay text. Merge keys (``<<: *base``) work. Limits on size, nesting and alias
expansion keep a hostile file from exhausting memory.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path as FilePath

import yaml

from lossexp import schema as s
from lossexp.errors import ConfigError

MAX_CONFIG_BYTES = 1024**2
MAX_DEPTH = 64
# Values built from the file, counting every expansion of an alias (a "billion laughs"
# file is a few lines long and expands to billions of values).
MAX_VALUES = 500_000
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
_KEY_TAGS = {_TAG + "str", _TAG + "int"}
ANCHOR_PREFIX = "x-"


class _ConfigLoader(yaml.SafeLoader):
    """The safe loader, reading '1e-3' as a float, dates as text, and refusing deep nesting."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Numbers as YAML 1.2's core schema writes them: no 1_000, 0b11, 012-as-octal or 1:30 (YAML
# 1.1), which read as text here and are then refused where a number is asked for.
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in (_TAG + t for t in ("timestamp", "value", "int", "float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ConfigLoader.add_implicit_resolver(_TAG + "int", _INT_12, list("-+0123456789"))
_ConfigLoader.add_implicit_resolver(_TAG + "float", _FLOAT_12, list("-+0123456789."))


def _int_12(text: str) -> int:
    """An integer as YAML 1.2 writes it: decimal (a leading 0 is still decimal), 0o, 0x."""
    if not _INT_12.match(text):
        raise ValueError(text)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


# --- reading the file ----------------------------------------------------------------------

def read_text(path: FilePath) -> str:
    """The text of config file ``path``; anything unreadable is a ConfigError naming it."""
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ConfigError(where, "", "no such file" + s.similar_files(path)) from None
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(where, "", "is a directory, not a config file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(where, "", "is not a regular file")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(where, "", f"cannot read: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(where, "", f"larger than {MAX_CONFIG_BYTES // 1024} KiB; "
                                     "this is not a config file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{where}:{line}", "", f"not UTF-8 text ({exc.reason} at byte "
                                                 f"{exc.start})") from None


def read_resolved_config(path: FilePath) -> dict:
    """The resolved config.yaml a command wrote beside its results, as plain data (the
    config of a results directory is read back, not validated again)."""
    data, _ = parse_yaml(read_text(FilePath(path)), str(path))
    if not isinstance(data, dict):
        raise ConfigError(str(path), "", "not a resolved config (expected a mapping)")
    return data


# --- parsing YAML with line numbers ----------------------------------------------------------

def parse_yaml(text: str, source: str) -> tuple[object, dict]:
    """Parse YAML text into plain data and a map from key path to 1-based line."""
    try:
        root = yaml.compose(text, Loader=_ConfigLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = exc.problem or exc.context
        if exc.context and exc.problem and exc.problem.startswith("but "):
            problem = f"{exc.context} {exc.problem}"  # "expected X but found Y"
        raise ConfigError(where, "", f"YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(f"{source}:{line}", "", f"YAML syntax error: character "
                                                  f"#x{char:04x} is not allowed") from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, "", f"YAML error: {exc}") from None
    if root is None:
        return None, {}
    builder = _TreeBuilder(source)
    return builder.build(root, ()), builder.lines


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _unsupported(tag: str) -> str:
    return (f"unsupported YAML tag {_short_tag(tag)} (a config holds only mappings, lists, "
            "text, numbers, booleans and null)")


class _TreeBuilder:
    """Turns a composed YAML node tree into plain data, noting the line of every key."""

    def __init__(self, source: str):
        self.source = source
        self.lines: dict = {}
        self.values = 0
        self.open_nodes: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def fail(self, node, path, problem) -> ConfigError:
        return ConfigError(f"{self.source}:{node.start_mark.line + 1}", s.dotted(path), problem)

    def build(self, node, path):
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.fail(node, path, f"more than {MAX_VALUES} values "
                                        "(are aliases expanding a large structure?)")
        if id(node) in self.open_nodes:
            raise self.fail(node, path, "an alias refers to a value that contains it")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self.fail(node, path, _unsupported(node.tag))
            return self._scalar(node, path)
        self.open_nodes.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                self._expect_tag(node, path, _TAG + "seq")
                return [self.build(item, path + (i,)) for i, item in enumerate(node.value)]
            self._expect_tag(node, path, _TAG + "map")
            return self._mapping(node, path)
        finally:
            self.open_nodes.discard(id(node))

    def _expect_tag(self, node, path, tag):
        if node.tag != tag:
            raise self.fail(node, path, _unsupported(node.tag))

    def _scalar(self, node, path):
        try:
            if node.tag == _TAG + "int":
                return _int_12(node.value)
            return self.constructor.construct_object(node)
        except (ValueError, KeyError, TypeError):  # an explicit tag on a value it cannot read
            raise self.fail(node, path, f"{s.describe(node.value)} is not a valid "
                                        f"{_short_tag(node.tag)}") from None

    def _key(self, node, path):
        if isinstance(node, yaml.ScalarNode) and node.tag in _KEY_TAGS:
            return self._scalar(node, path)
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALAR_TAGS:
            got = s.describe(self._scalar(node, path))
        elif isinstance(node, yaml.ScalarNode):
            got = _short_tag(node.tag)
        else:
            got = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
        raise self.fail(node, path, f"keys must be names, got {got}")

    def _mapping(self, node, path):
        out, first_line = {}, {}
        merged, merged_lines = {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self._merge(value_node, path, merged, merged_lines)
                continue
            key = self._key(key_node, path)
            line = key_node.start_mark.line + 1
            if key in out:
                raise self.fail(key_node, path + (key,),
                                f"duplicate key (first given on line {first_line[key]})")
            first_line[key] = line
            self.lines[path + (key,)] = line
            out[key] = self.build(value_node, path + (key,))
        for key_path, line in merged_lines.items():
            if key_path[len(path)] not in out:
                self.lines[key_path] = line
        return {**{k: v for k, v in merged.items() if k not in out}, **out}

    def _merge(self, value_node, path, merged, merged_lines):
        """``<<: *base`` or ``<<: [*a, *b]``: keys not given explicitly; earlier sources win."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise self.fail(source, path + ("<<",), "a merge key takes a mapping or a list "
                                                        "of mappings, e.g. <<: *defaults")
            outer_lines, self.lines = self.lines, {}
            try:
                part = self.build(source, path)
                part_lines = self.lines
            finally:
                self.lines = outer_lines
            for key, value in part.items():
                if key not in merged:
                    merged[key] = value
                    merged_lines.update({p: line for p, line in part_lines.items()
                                         if len(p) > len(path) and p[len(path)] == key})


