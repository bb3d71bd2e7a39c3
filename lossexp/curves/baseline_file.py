"""A baseline file: its JSON layout, checked field by field when read.

See ``lossexp.curves.baselines`` for what a baseline holds and how it is compared.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from lossexp.errors import ConfigError

FORMAT = 1
CURVE_FIELD = "curve.loss"


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float

    def allowed(self, expected: float) -> float:
        return self.atol + self.rtol * abs(expected)

    def as_dict(self) -> dict:
        return {"rtol": self.rtol, "atol": self.atol}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed (write null for a non-finite value)")


def read_baseline(path: Path, remedy: str = "") -> dict:
    """The validated baseline at ``path``; tolerances become Tolerance objects.

    Raises ConfigError naming the file, the key and the problem (plus ``remedy``, the
    command that recreates it) when the file cannot be read or is malformed.
    """
    path = Path(path)
    hint = f"; fix it or recreate it with: {remedy}" if remedy else ""

    def fail(where: str, key: str, problem: str) -> ConfigError:
        return ConfigError(where, key, f"{problem}{hint}")

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(str(path), "", "not a baseline: the file is not UTF-8 text") from None
    except OSError as exc:
        raise fail(str(path), "", f"cannot read the baseline: {exc.strerror}") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        where = f"{path}:{exc.lineno}"
        raise fail(where, "", f"not valid JSON ({exc.msg}, column {exc.colno})") from None
    except ValueError as exc:
        raise fail(str(path), "", f"not valid baseline JSON: {exc}") from None
    problem = _structure_problem(data)
    if problem:
        raise fail(str(path), *problem)
    # Kept as written (2 stays 2, not 2.0): a rewrite changes only what was measured.
    data["tolerances"] = {f: Tolerance(t["rtol"], t["atol"]) for f, t in data["tolerances"].items()}
    return data


def _structure_problem(data) -> tuple[str, str] | None:
    """(key, problem) for the first thing wrong with a parsed baseline, else None."""
    if not isinstance(data, dict):
        return "", "the top level must be a JSON object"
    for key in ("format", "features", "curve", "tolerances"):
        if key not in data:
            return key, "missing (is this a lossexp baseline?)"
    if data["format"] != FORMAT:
        return "format", f"unsupported format {data['format']!r} (this lossexp reads {FORMAT})"
    return (_features_problem(data["features"]) or _curve_problem(data["curve"])
            or _tolerances_problem(data["tolerances"], data["features"]))


def _features_problem(features) -> tuple[str, str] | None:
    if not isinstance(features, dict):
        return "features", "must be an object of field: value"
    for name, value in features.items():
        if value is not None and not isinstance(value, bool) and not _is_number(value):
            return f"features.{name}", f"must be a number, true/false or null, got {value!r}"
    return None


def _curve_problem(curve) -> tuple[str, str] | None:
    if not isinstance(curve, dict) or not isinstance(curve.get("epoch"), list) \
            or not isinstance(curve.get("loss"), list):
        return "curve", "must be an object with lists 'epoch' and 'loss'"
    epochs, loss = curve["epoch"], curve["loss"]
    if not epochs or len(epochs) != len(loss):
        return "curve", f"'epoch' and 'loss' must be non-empty and of equal length " \
                        f"(got {len(epochs)} and {len(loss)})"
    if any(not isinstance(e, int) or isinstance(e, bool) or e < 0 for e in epochs) \
            or any(b <= a for a, b in zip(epochs, epochs[1:])):
        return "curve.epoch", "must be increasing epoch numbers (integers >= 0)"
    if any(v is not None and not _is_number(v) for v in loss):
        return "curve.loss", "must hold numbers or null"
    return None


def _tolerances_problem(tolerances, features) -> tuple[str, str] | None:
    if not isinstance(tolerances, dict):
        return "tolerances", "must be an object of field: {rtol, atol}"
    for name, tol in tolerances.items():
        key = f"tolerances.{name}"
        if name not in features and name != CURVE_FIELD:
            return key, f"no such field in 'features' (known: {', '.join(features)})"
        if not isinstance(tol, dict) or set(tol) != {"rtol", "atol"}:
            return key, "must be an object with exactly 'rtol' and 'atol'"
        for part, value in tol.items():
            if not _is_number(value) or not math.isfinite(value) or value < 0:
                return f"{key}.{part}", f"must be a number >= 0, got {value!r}"
    return None
