"""Keyword-only hyperparameters of losses and activations, checked against their specs.

A loss or activation declares ``params``: a dict of schema specs (``Number``, ``Text``,
``ListOf``, ...). The same specs validate a config's ``loss:`` section (with file:line) and
the keywords of ``lossexp.library.losses.get`` (with the owner's name), so both say the same thing.
"""

from __future__ import annotations

from lossexp import schema as s


class Parameterised:
    """Base of losses and activations: hyperparameters declared in ``params``, checked
    when the object is built and set as attributes of the same names."""

    kind = ""  # "loss" or "activation", for messages
    name = ""
    params: dict = {}

    def __init__(self, **given):
        self._set_params(given)

    def _set_params(self, given: dict) -> None:
        for key, value in checked(f"{self.kind} {self.name!r}", self.params, given).items():
            setattr(self, key, value)

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.params)
        return f"{type(self).__name__}({args})"


def checked(owner: str, specs: dict, given: dict) -> dict:
    """``given`` validated against ``specs``, defaults filled in.

    Raises ``ConfigError`` (a ``LossexpError``) naming the owner, the key and the value,
    e.g. "loss 'huber': delta: must be > 0, got -1.0".
    """
    return s.Section(specs).check(dict(given), (), s.Locator(owner))


def describe(key: str, spec) -> str:
    """'delta = 1.0 (> 0)': a parameter, its default and what it accepts."""
    default = "required" if spec.default is s.MISSING else _plain(spec.default)
    accepts = []
    for attr, word in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        bound = getattr(spec, attr, None)
        if bound is not None:
            accepts.append(f"{word} {_plain(bound)}")
    choices = getattr(spec, "choices", None)
    if choices:
        accepts.append(" | ".join(choices))
    if isinstance(spec, s.ListOf):
        accepts.append("one per output")
    if isinstance(spec, s.Boolean):
        accepts.append("true | false")
    return f"{key} = {default}" + (f" ({', '.join(accepts)})" if accepts else "")


def _plain(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)
