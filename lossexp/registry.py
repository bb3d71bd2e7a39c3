"""Name lookups for the plain-dict registries of losses, activations, tasks, ..."""

import difflib
from collections.abc import Mapping
from typing import TypeVar

from lossexp.errors import LossexpError

T = TypeVar("T")


def did_you_mean(name: str, known) -> str:
    """' (did you mean 'x'?)' for a close match among ``known``, else ''."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"


def unknown_name(kind: str, name: str, known) -> str:
    """The message for a name that is not registered: the close matches, then all names."""
    hint = did_you_mean(name, known)
    return f"unknown {kind} {name!r}{hint}; known: {', '.join(sorted(known))}"


def lookup(registry: Mapping[str, T], name: str, kind: str) -> T:
    try:
        return registry[name]
    except KeyError:
        raise LossexpError(unknown_name(kind, name, registry)) from None
