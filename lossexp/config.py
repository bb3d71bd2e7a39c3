"""Reading, overriding and validating experiment configs.

``load_config(path, overrides)`` returns the fully resolved config as plain nested dicts
(defaults filled in), or raises ``ConfigError`` naming the file:line and key to fix.

The YAML is composed into a node tree by the safe loader and turned into data here, node
by node: only the core tags (map, seq, str, int, float, bool, null) are accepted, so
``!!python/...`` and every other constructor tag is refused before anything is built.
Two readings differ from PyYAML's YAML 1.1 defaults to match what people write: ``1e-3``
is a float (as in YAML 1.2) and dates stay text. Merge keys (``<<: *base``) work. Limits
on size, nesting and alias expansion keep a hostile file from exhausting memory.
"""

from __future__ import annotations

import copy
import re
import stat
from pathlib import Path as FilePath

import yaml

from lossexp import schema as s
from lossexp.errors import ConfigError
from lossexp.text import shell_command

MAX_CONFIG_BYTES = 1024**2
MAX_DEPTH = 64
# Values built from the file, counting every expansion of an alias (a "billion laughs"
# file is a few lines long and expands to billions of values).
MAX_VALUES = 500_000
# The per-epoch recording of one run, as float64. Writing it out as metrics.csv takes
# about fifteen times as much memory again, so this keeps a run within a few GiB.
RECORD_BUDGET_BYTES = 256 * 1024**2

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
_KEY_TAGS = {_TAG + "str", _TAG + "int"}
ANCHOR_PREFIX = "x-"
_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"


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


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_TAG + "timestamp", _TAG + "value")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ConfigLoader.add_implicit_resolver(
    _TAG + "float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))


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


# --- overrides ---------------------------------------------------------------------------

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


# --- the schema ----------------------------------------------------------------------------

def _named(registry: dict, what: str) -> s.OneOf:
    """'sigmoid' or {name: leaky_relu, alpha: 0.1}: a registered name and its parameters.

    A class's ``check_params`` (rules that tie its parameters together) validates them.
    """
    def variants():
        return {name: s.Section(cls.params, validate=getattr(cls, "check_params", None))
                for name, cls in registry.items()}
    return s.OneOf("name", variants, what=what, shorthand=True)


def build_schema(extra: dict | None = None, extra_check=None) -> s.Section:
    """The run-config schema; ``extra`` adds top-level sections (e.g. a sweep's ``sweep:``).

    Once every section is valid, the rules that tie sections together run: the model fits
    the task and the loss, the recording fits in memory, then ``extra_check(cfg, path,
    loc)``, for rules that tie the extra sections to the rest.
    """
    from lossexp import activations, losses, models, tasks

    def check_whole(cfg, path, loc):
        models.check_model_fits_task(cfg, loc)
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
        "model": s.OneOf("kind", lambda: models.model_schemas(
            _named(activations.ACTIVATIONS, "activation")), what="model"),
        "loss": _named(losses.LOSSES, "loss"),
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
    }, validate=check_whole)


def _check_recording_fits(cfg: dict, loc: s.Locator) -> None:
    from lossexp.models import model_layers
    from lossexp.trace import trace_bytes

    epochs = cfg["train"]["epochs"]
    need = trace_bytes(model_layers(cfg["model"], cfg["task"]), 1, epochs)
    if need > RECORD_BUDGET_BYTES:
        raise loc.fail(("train", "epochs"),
                       f"{epochs:.3g} epochs would need {need / 1024**2:.3g} MiB to record, "
                       f"more than the {RECORD_BUDGET_BYTES // 1024**2} MiB a run may use "
                       "(metrics.csv would be unreadably large); use fewer epochs")


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
        raise ConfigError(f"{source}:{lines.get(('sweep',), 1)}", "sweep",
                          f"this is a sweep config: run it with "
                          f"`{shell_command('lossexp', 'sweep', source)}` "
                          "(`lossexp run` trains the single start of model.init)")
    override_where = {}
    for text in overrides:
        path, value = parse_override(text)
        for created in apply_override(data, path, value, f"--set {text}", schema):
            override_where[created] = text
        override_where[path] = text
    return validate(data, s.Locator(source, lines, override_where), default_name=default_name,
                    schema=schema)


def dump(cfg: dict) -> str:
    """The config as YAML text, keys in schema order."""
    return yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None, width=100,
                          allow_unicode=True)
