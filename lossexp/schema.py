"""A small declarative schema for configs: types, ranges, defaults and close-match hints.

Each spec checks one value and returns it normalised (ints widened to float where a float
is asked for, defaults filled in). Failures raise ``ConfigError`` through ``Locator``,
which knows the file:line of every key, so the message can point at the line to fix.
This module imports neither numpy nor yaml.
"""

from __future__ import annotations

import copy
import contextvars
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path as FilePath
from typing import Any

from lossexp.errors import ConfigError, did_you_mean, unknown_name

Path = tuple  # a key path such as ("train", "lr") or ("model", "layers", 2)
MISSING = object()


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


class Locator:
    """Turns a key path into 'file:line' (or '--set key=value' for overridden keys)."""

    def __init__(self, source: str, lines: Mapping[Path, int] | None = None,
                 overrides: Mapping[Path, str] | None = None):
        self.source = source
        self.lines = dict(lines or {})
        self.overrides = dict(overrides or {})

    def _set_of(self, path: Path) -> str | None:
        """The --set that gave the value at ``path`` or above it, if one did."""
        for n in range(len(path), -1, -1):
            if tuple(path[:n]) in self.overrides:
                return self.overrides[tuple(path[:n])]
        return None

    def where(self, path: Path) -> str:
        """The --set that gave the value at ``path`` or above it, else the nearest known line,
        naming any --set that changed something inside ``path`` (it may be what broke it)."""
        given = self._set_of(path)
        if given is not None:
            return f"--set {given}"
        place = self.source
        for n in range(len(path), -1, -1):
            if tuple(path[:n]) in self.lines:
                place = f"{self.source}:{self.lines[tuple(path[:n])]}"
                break
        inside = [text for p, text in self.overrides.items()
                  if path and p[:len(path)] == tuple(path)]  # (at the root: every --set)
        return f"{place} (with --set {', --set '.join(dict.fromkeys(inside))})" if inside else place

    def directory(self, path: Path) -> str:
        """Where a relative file name at ``path`` is taken from: the config file's directory,
        or the current directory ("") for a value given by --set."""
        return "" if self._set_of(path) is not None else os.path.dirname(self.source)

    def fail(self, path: Path, problem: str) -> ConfigError:
        return ConfigError(self.where(path), dotted(path), problem)


def describe(value: Any, limit: int = 60) -> str:
    """A short, one-line rendering of a config value for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text


def _quote_hint(value: Any) -> str:
    """Why YAML may have read a word as something other than text, and the fix."""
    if isinstance(value, bool):
        return " (YAML reads yes/no/on/off/true/false as booleans; quote it to mean text)"
    if isinstance(value, (int, float)):
        return " (quote it to mean text)"
    return ""


def similar_files(path: FilePath) -> str:
    """' (did you mean ...?)' naming files beside ``path`` with a similar name, or ''."""
    try:
        siblings = [p.name for _, p in zip(range(1000), path.parent.iterdir())]
    except OSError:
        return ""
    return did_you_mean(path.name, siblings)


class Spec:
    default: Any = MISSING
    doc: str = ""

    def check(self, value: Any, path: Path, loc: Locator) -> Any:
        raise NotImplementedError

    def child(self, key, value) -> Spec | None:
        """The spec of ``value[key]`` (``value``: a raw, unchecked value of this spec)."""
        return None

    def expand(self, value: Any) -> Any:
        """``value`` with any shorthand written out in full (see ``OneOf``)."""
        return value


class Number(Spec):
    """A finite real (or, with ``integer=True``, a whole number) within bounds."""

    def __init__(self, *, default=MISSING, integer=False, gt=None, ge=None, lt=None, le=None,
                 nullable=False, doc=""):
        self.default, self.integer, self.nullable, self.doc = default, integer, nullable, doc
        self.gt, self.ge, self.lt, self.le = gt, ge, lt, le

    def check(self, value, path, loc):
        if value is None and self.nullable:
            return None
        kind = "a whole number" if self.integer else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise loc.fail(path, f"must be {kind}, got {describe(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise loc.fail(path, f"must be finite, got {value}")
        if isinstance(value, int) and not self.integer and abs(value) > sys.float_info.max:
            raise loc.fail(path, f"must be finite, got a {len(str(abs(value)))}-digit number")
        if self.integer and not isinstance(value, int):
            if not float(value).is_integer():
                raise loc.fail(path, f"must be {kind}, got {describe(value)}")
            value = int(value)
        for bound, ok, word in ((self.gt, lambda v, b: v > b, ">"), (self.ge, lambda v, b: v >= b, ">="),
                                (self.lt, lambda v, b: v < b, "<"), (self.le, lambda v, b: v <= b, "<=")):
            if bound is not None and not ok(value, bound):
                raise loc.fail(path, f"must be {word} {bound}, got {describe(value)}")
        return value if self.integer else float(value)


class Text(Spec):
    """A string, optionally one of ``choices`` or matching ``pattern``."""

    def __init__(self, *, default=MISSING, choices=None, pattern=None, pattern_help="",
                 nullable=False, doc=""):
        self.default, self.choices, self.nullable, self.doc = default, choices, nullable, doc
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_help = pattern_help

    def check(self, value, path, loc):
        if value is None and self.nullable:
            return None
        if not isinstance(value, str):
            raise loc.fail(path, f"must be a string, got {describe(value)}{_quote_hint(value)}")
        choices = self.choices() if callable(self.choices) else self.choices
        if choices is not None and value not in choices:
            raise loc.fail(path, f"must be one of {', '.join(choices)}, got {describe(value)}"
                           + did_you_mean(value, choices))
        if self.pattern and not self.pattern.fullmatch(value):
            raise loc.fail(path, f"{self.pattern_help}, got {describe(value)}")
        return value


# Directories a data file may be read from besides the config's own (--data-dir).
DATA_DIRS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("data_dirs",
                                                                           default=())


def _inside(path: str, directory: str) -> bool:
    return os.path.commonpath([path, directory]) == directory


class File(Text):
    """The name of an existing regular file. A relative name is taken from the directory of
    the config file that gave it (the current directory for a --set); the check returns
    the absolute path, so the resolved config reads the same file from anywhere.

    The file must lie in that directory or below it (links followed), or in a directory of
    ``DATA_DIRS`` (``--data-dir``): a config handed to you cannot read ../../etc/passwd or
    /dev/zero."""

    def check(self, value, path, loc):
        value = super().check(value, path, loc)
        if value is None:
            return None
        base = os.path.abspath(loc.directory(path))
        full = FilePath(os.path.abspath(os.path.join(base, value)))
        real = os.path.realpath(full)
        allowed = [os.path.realpath(d) for d in (base, *DATA_DIRS.get())]
        if not any(_inside(real, d) for d in allowed):
            given = "the current directory" if loc.directory(path) == "" else "the config's directory"
            raise loc.fail(path, f"{full} is outside {given} {base}: a data file must be "
                                 "there or below it, or in a directory given with --data-dir")
        if full.is_dir():
            raise loc.fail(path, f"{full} is a directory, not a file")
        if full.exists() and not full.is_file():
            raise loc.fail(path, f"{full} is not a regular file")
        if not full.is_file():
            raise loc.fail(path, f"no such file: {full}{similar_files(full)}")
        return str(full)


class Boolean(Spec):
    def __init__(self, *, default=MISSING, doc=""):
        self.default, self.doc = default, doc

    def check(self, value, path, loc):
        if not isinstance(value, bool):
            raise loc.fail(path, f"must be true or false, got {describe(value)}")
        return value


class ListOf(Spec):
    def __init__(self, item: Spec, *, default=MISSING, min_len=0, max_len=None, nullable=False,
                 doc=""):
        self.item, self.default, self.min_len, self.max_len = item, default, min_len, max_len
        self.nullable, self.doc = nullable, doc

    def check(self, value, path, loc):
        if value is None and self.nullable:
            return None
        if not isinstance(value, list):
            raise loc.fail(path, f"must be a list, got {describe(value)}")
        if len(value) < self.min_len:
            items = "1 item" if self.min_len == 1 else f"{self.min_len} items"
            raise loc.fail(path, f"must have at least {items}, got {len(value)}")
        if self.max_len is not None and len(value) > self.max_len:
            raise loc.fail(path, f"must have at most {self.max_len} items, got {len(value)}")
        return [self.item.check(v, path + (i,), loc) for i, v in enumerate(value)]

    def child(self, key, value):
        return self.item


class Section(Spec):
    """A mapping with known keys; unknown keys are errors with a close-match hint.

    ``validate`` runs after the fields, for rules that tie several keys together; it gets
    the normalised mapping and may raise through ``loc.fail``.
    """

    def __init__(self, fields: Mapping[str, Spec], *, default=MISSING, nullable=False,
                 validate: Callable | None = None, doc=""):
        self.fields, self.nullable, self.validate, self.doc = dict(fields), nullable, validate, doc
        self.default = default

    def check(self, value, path, loc):
        if value is None and self.nullable:
            return None
        if value is None and self.default is not MISSING:
            value = {}
        if not isinstance(value, dict):
            raise loc.fail(path, f"must be a mapping, got {describe(value)}")
        for key in value:
            if key not in self.fields:
                allowed = ", ".join(self.fields) or "none"
                raise loc.fail(path + (key,), "unknown key" + did_you_mean(key, self.fields)
                               + f"; allowed here: {allowed}")
        out = {}
        for key, spec in self.fields.items():
            if key in value:
                out[key] = spec.check(value[key], path + (key,), loc)
            elif spec.default is MISSING:
                raise loc.fail(path + (key,), "missing required key")
            elif isinstance(spec, (Section, OneOf)) and spec.default is not None:
                out[key] = spec.check(copy.deepcopy(spec.default), path + (key,), loc)
            else:
                out[key] = spec.default
        if self.validate:
            self.validate(out, path, loc)
        return out

    def child(self, key, value):
        return self.fields.get(key)


class Named(dict):
    """A checked ``{name: ..., <parameters>}`` section and the object it names, ``built``
    once, when checked. As data it is the plain mapping (written, compared, fingerprinted)."""

    def __init__(self, fields: Mapping, built):
        super().__init__(fields)
        self.built = built

    def __deepcopy__(self, memo):
        return Named(copy.deepcopy(dict(self), memo), self.built)

    def __reduce__(self):
        return Named, (dict(self), self.built)


class OneOf(Spec):
    """A mapping whose ``tag`` key (e.g. ``kind`` or ``name``) selects the Section to use.

    A plain string is accepted as shorthand for ``{tag: string}`` when ``shorthand`` is set,
    so ``activation: sigmoid`` and ``activation: {name: leaky_relu, alpha: 0.1}`` both work.
    With ``build``, the checked mapping comes back as a ``Named`` holding ``build(mapping)``.
    """

    def __init__(self, tag: str, variants: Callable[[], Mapping[str, Section]] | Mapping,
                 *, what: str, default=MISSING, shorthand=False, doc="", build=None):
        self.tag, self._variants, self.what = tag, variants, what
        self.default, self.shorthand, self.doc, self.build = default, shorthand, doc, build

    @property
    def variants(self) -> Mapping[str, Section]:
        return self._variants() if callable(self._variants) else self._variants

    def with_default(self, default) -> OneOf:
        """The same choice, made optional: ``default`` stands in when the key is left out."""
        return OneOf(self.tag, self._variants, what=self.what, default=default,
                     shorthand=self.shorthand, doc=self.doc, build=self.build)

    def expand(self, value):
        return {self.tag: value} if self.shorthand and isinstance(value, str) else value

    def child(self, key, value):
        value = self.expand(value)
        name = value.get(self.tag) if isinstance(value, dict) else None
        variant = self.variants.get(name) if isinstance(name, str) else None
        return variant.child(key, value) if variant else None

    def check(self, value, path, loc):
        variants = self.variants
        value = self.expand(value)
        if not isinstance(value, dict):
            hint = f"; write {{{self.tag}: {value}}}" if isinstance(value, str) else ""
            raise loc.fail(path, f"must be a mapping with a {self.tag!r} key, got "
                                 f"{describe(value)}{hint}")
        if self.tag not in value:
            raise loc.fail(path + (self.tag,), f"missing required key; one of: "
                                               f"{', '.join(sorted(variants))}")
        name = value[self.tag]
        if not isinstance(name, str):
            raise loc.fail(path + (self.tag,), f"must be the name of a {self.what}, got "
                           f"{describe(name)}; known: {', '.join(sorted(variants))}")
        if name not in variants:
            raise loc.fail(path + (self.tag,), unknown_name(self.what, name, variants))
        rest = {k: v for k, v in value.items() if k != self.tag}
        checked = {self.tag: name, **variants[name].check(rest, path, loc)}
        return Named(checked, self.build(checked)) if self.build else checked
