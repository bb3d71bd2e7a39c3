"""User-facing errors: each becomes one line on stderr and exit code 2 in the CLI.

Also the lookups in the plain-dict registries of losses, activations, tasks, ..., whose
failure names the close matches.
"""

import difflib
from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, so it prints as one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class LossexpError(Exception):
    """A problem with the user's input, reported without a traceback."""

    def __str__(self) -> str:
        return one_line(super().__str__())


class ConfigError(LossexpError):
    """A bad config value, located by file:line (or by the --set that gave it).

    The message reads ``<where>: <dotted.key>: <problem>``; ``where`` is ``file:line``,
    ``file`` alone when no line is known, or ``--set KEY=VALUE``.
    """

    def __init__(self, where: str, key: str, problem: str):
        self.where, self.key, self.problem = where, key, problem
        parts = [p for p in (where, key) if p != ""]
        super().__init__(": ".join(parts + [problem]))


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


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the signal lands so that the command unwinds exactly
    as after Ctrl-C: nothing half-written is left, finished results are kept. The exit
    status is 128 + ``signum`` (143 for SIGTERM, 129 for SIGHUP), as a shell reports."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


# The stop signals received: each raises Stopped where it lands, but where that is inside
# a finaliser or a weakref callback Python reports the exception and goes on. The command
# then stops at its next check (``stop_if_requested``) or when it ends.
_REQUESTED: list[int] = []


def request_stop(signum: int) -> None:
    _REQUESTED.append(signum)


def forget_stop_requests() -> None:
    _REQUESTED.clear()


def stop_if_requested() -> None:
    """Raise Stopped for a stop signal received earlier whose exception was swallowed."""
    if _REQUESTED:
        raise Stopped(_REQUESTED[0])


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """128 + the signal that stopped the command: 130 for Ctrl-C (SIGINT)."""
    return 128 + getattr(interrupt, "signum", 2)
