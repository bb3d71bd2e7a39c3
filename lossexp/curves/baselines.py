"""Curve baselines: a run's shape features and thinned loss curve, with tolerances.

A baseline is one JSON file per config (``<dir>/<config stem>.json``)::

    {"format": 1, "name": "mse_unlucky", "versions": {...},
     "features": {"plateau_epochs": 120, ...},
     "tolerances": {"plateau_epochs": {"rtol": 0.02, "atol": 2}, ..., "curve.loss": {...}},
     "curve": {"epoch": [0, 3, ...], "loss": [0.482, ...]}}

A value passes when |got - expected| <= atol + rtol * |expected| (numpy.isclose's rule);
null (never reached, or non-finite) and true/false must match exactly. The tolerances are
written out in full so that a person can loosen or tighten one field by editing the file;
rewriting a baseline keeps the tolerances it already had.
"""

from __future__ import annotations

import json
import math
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from lossexp.curves.baseline_file import (
    CURVE_FIELD,
    FORMAT,
    Tolerance,
    _is_number,
    read_baseline,
)
from lossexp.errors import LossexpError
from lossexp.output import atomic, serialize
from lossexp.output.text import shell_command
from lossexp.train.features import FEATURES, thin_epochs

CURVE_POINTS = 101
DEFAULT_DIR = Path("tests/baselines")


# Floating-point noise between machines and NumPy versions is ~1e-13 relative here; each
# tolerance sits orders of magnitude above it and well below the smallest change that alters
# what a figure shows (see docs/curves.md for the changes each one catches).
_EPOCHS = Tolerance(rtol=0.02, atol=2)
_LOSS = Tolerance(rtol=1e-3, atol=1e-9)
DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "initial_loss": Tolerance(rtol=1e-9, atol=1e-12),
    "final_loss": _LOSS,
    "epochs_to_target": _EPOCHS,
    "plateau_epochs": _EPOCHS,
    "half_way_epochs": _EPOCHS,
    "approach_epochs": _EPOCHS,
    "steepest_descent_epoch": _EPOCHS,
    "loss_rises": Tolerance(rtol=0.05, atol=2),
    "loss_at_10pct": _LOSS,
    "loss_at_25pct": _LOSS,
    "loss_at_50pct": _LOSS,
    "loss_at_100pct": _LOSS,
    "max_grad_norm": Tolerance(rtol=1e-3, atol=1e-12),
    "saturated_fraction": Tolerance(rtol=0.0, atol=0.01),
    CURVE_FIELD: _LOSS,
}
EXACT = Tolerance(rtol=0.0, atol=0.0)


@dataclass
class Failure:
    """One field out of tolerance. ``got``/``expected`` is MISSING when a side lacks it."""

    field: str
    expected: object
    got: object
    tolerance: Tolerance | None = None
    note: str = ""


MISSING = object()


@dataclass
class Measurement:
    """What a rerun of a config produced: its features and its full loss curve."""

    features: dict
    loss: list


@dataclass
class Comparison:
    failures: list[Failure] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # fields the baseline does not record

    @property
    def passed(self) -> bool:
        return not self.failures


# --- configs and paths ---------------------------------------------------------------------

def baseline_path(config_path: Path, directory: Path) -> Path:
    return Path(directory) / f"{Path(config_path).stem}.json"


def creation_command(config_path: Path, directory: Path, *flags: str) -> str:
    """The shell command that (re)creates the baseline of ``config_path``."""
    return shell_command("lossexp", "baseline", *flags, config_path, "--dir", directory)


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@dataclass
class Case:
    """One run config and the file its baseline lives in."""

    config_path: Path
    cfg: dict
    path: Path
    directory: Path

    @property
    def name(self) -> str:
        return self.cfg["name"]

    def command(self, *flags: str) -> str:
        return creation_command(self.config_path, self.directory, *flags)


def collect(config_paths, directory: Path) -> tuple[list[Case], list[Path]]:
    """The run configs among ``config_paths`` (all validated first), and the sweep configs.

    A bad config raises ConfigError before anything runs; a sweep config (with a
    ``sweep:`` section) is not a run and is returned separately, to be reported as skipped.
    """
    from lossexp import config

    cases, sweeps = [], []
    for path in map(Path, config_paths):
        data, lines = config.parse_yaml(config.read_text(path), str(path))
        if isinstance(data, dict) and "sweep" in data:
            sweeps.append(path)
            continue
        cfg = config.resolve(data, lines, str(path), default_name=path.stem)
        cases.append(Case(path, cfg, baseline_path(path, directory), Path(directory)))
    by_file: dict[Path, Path] = {}
    for case in cases:  # one file per config: two that share a name would overwrite each other
        other = by_file.setdefault(case.path, case.config_path)
        if other != case.config_path and other.resolve() != case.config_path.resolve():
            raise LossexpError(f"{other} and {case.config_path} would share the baseline "
                               f"{case.path}: rename one, or give each its own --dir")
    return cases, sweeps


def existing_baseline(case: Case) -> dict | None:
    """The case's validated baseline, or None when there is no file (ConfigError if bad)."""
    if not case.path.exists():
        return None
    return read_baseline(case.path, case.command("--update"))


# --- measuring -----------------------------------------------------------------------------

def measure(cfg: dict) -> Measurement:
    """Rerun ``cfg`` (no files, no plots) and keep its features and loss curve."""
    from lossexp.run.experiment import run_experiment

    result = run_experiment(cfg)
    features = {name: result.summary[name] for name in FEATURES}
    loss = serialize.plain(result.metrics["loss"])
    return Measurement(features, loss)


# Config keys that change no number of a curve, or that name a machine's files: a baseline
# records the config it was written for without them.
_NOT_RECORDED = ("name", "description", "plots", "train.record_every", "task.path")


def recorded_config(cfg: dict) -> dict:
    """The part of resolved config ``cfg`` a baseline records, to tell when it is checked
    against another config than the one it was written for."""
    cfg = json.loads(json.dumps(cfg))  # a deep copy, as plain JSON
    for key in _NOT_RECORDED:
        *parents, last = key.split(".")
        node = cfg
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)
    return cfg


def config_changes(baseline: dict, cfg: dict) -> list[str]:
    """The dotted keys in which ``cfg`` differs from the config ``baseline`` was written for;
    empty when they agree or the baseline does not record one (written by an older lossexp)."""
    from lossexp.sweep.store import config_changes as changes

    if not isinstance(baseline.get("config"), dict):
        return []
    return changes(baseline["config"], recorded_config(cfg))


def build_baseline(name: str, measured: Measurement, tolerances: dict | None = None,
                   cfg: dict | None = None) -> dict:
    """The baseline document; ``tolerances`` (field -> Tolerance) override the defaults;
    ``cfg``, the resolved config measured, is recorded (``recorded_config``)."""
    from lossexp.output.rundir import versions

    kept = tolerances or {}
    fields = [*measured.features, CURVE_FIELD]
    epochs = thin_epochs(len(measured.loss) - 1, CURVE_POINTS)
    return {
        "format": FORMAT,
        "name": name,
        **({"config": recorded_config(cfg)} if cfg is not None else {}),
        "versions": {**versions(), "python": platform.python_version()},
        "features": dict(measured.features),
        "tolerances": {f: kept.get(f, DEFAULT_TOLERANCES.get(f, EXACT)).as_dict() for f in fields},
        "curve": {"epoch": epochs, "loss": [measured.loss[e] for e in epochs]},
    }


def write_baseline(path: Path, baseline: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, serialize.json_text(baseline))


def make_baseline(case: Case, *, update: bool = False, missing_only: bool = False) -> str:
    """Create or refresh the baseline of ``case``; return what was done, in a few words.

    By default a baseline is created when absent, rewritten when the rerun no longer
    matches it (or reports fields it lacks) and left alone when it still matches.
    ``update`` rewrites it whatever it holds; ``missing_only`` only creates absent ones.
    A rewrite keeps the tolerances already in the file.
    """
    if not case.path.exists():
        write_baseline(case.path, build_baseline(case.name, measure(case.cfg), cfg=case.cfg))
        return "created"
    if missing_only:
        return "exists, left as it is"
    if update:
        try:
            tolerances, done = existing_baseline(case)["tolerances"], "rewrote"
        except LossexpError:
            tolerances, done = None, "rewrote an unreadable file (tolerances reset to defaults)"
        write_baseline(case.path, build_baseline(case.name, measure(case.cfg), tolerances,
                                                 case.cfg))
        return done
    old = existing_baseline(case)
    measured = measure(case.cfg)
    comparison = compare(old, measured)
    if comparison.passed and not comparison.extra:
        return "unchanged (the rerun is within tolerance)"
    write_baseline(case.path, build_baseline(case.name, measured, old["tolerances"], case.cfg))
    changed = [f.field for f in comparison.failures] + [f"new {f}" for f in comparison.extra]
    return f"rewrote ({', '.join(changed)})"


# --- comparing -----------------------------------------------------------------------------

def within(expected, got, tolerance: Tolerance) -> bool:
    """True when ``got`` matches ``expected``: null and booleans exactly, numbers within."""
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    return abs(got - expected) <= tolerance.allowed(expected)


def tolerance_of(baseline: dict, name: str) -> Tolerance:
    return baseline["tolerances"].get(name, DEFAULT_TOLERANCES.get(name, EXACT))


def compare(baseline: dict, measured: Measurement) -> Comparison:
    """Every feature and the thinned curve of ``measured`` against ``baseline``."""
    result = Comparison()
    expected, got = baseline["features"], measured.features
    for name, value in expected.items():
        tol = tolerance_of(baseline, name)
        if name not in got:
            result.failures.append(Failure(name, value, MISSING, tol,
                                            "the run no longer reports this field"))
        elif not within(value, got[name], tol):
            result.failures.append(Failure(name, value, got[name], tol))
    result.extra = [name for name in got if name not in expected]
    curve_failure = _compare_curve(baseline, measured.loss)
    if curve_failure:
        result.failures.append(curve_failure)
    return result


def _compare_curve(baseline: dict, loss: list) -> Failure | None:
    """The worst point of the loss curve that is out of tolerance, if any."""
    curve, tol = baseline["curve"], tolerance_of(baseline, CURVE_FIELD)
    if curve["epoch"][-1] != len(loss) - 1:
        return Failure(CURVE_FIELD, f"epochs 0..{curve['epoch'][-1]}", f"epochs 0..{len(loss) - 1}",
                       None, "the number of epochs changed")
    bad = [(e, want) for e, want in zip(curve["epoch"], curve["loss"])
           if not within(want, loss[e], tol)]
    if not bad:
        return None

    def excess(point):
        e, want = point
        if want is None or loss[e] is None:
            return math.inf
        return abs(loss[e] - want) / max(tol.allowed(want), 1e-300)

    epoch, want = max(bad, key=excess)
    return Failure(f"{CURVE_FIELD} @ epoch {epoch}", want, loss[epoch], tol,
                   f"{len(bad)} of {len(curve['epoch'])} points out of tolerance")


# --- reporting -----------------------------------------------------------------------------

def reported_value(value) -> str:
    """A feature's value as the failure table prints it."""
    if value is MISSING:
        return "(missing)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def format_tolerance(failure: Failure) -> str:
    tol, expected = failure.tolerance, failure.expected
    if tol is None or not _is_number(expected):
        return "exact"
    return f"±{tol.allowed(expected):.3g} (rtol {tol.rtol:g}, atol {tol.atol:g})"


def failure_report(case: Case, comparison: Comparison) -> str:
    """The heading and the table of a failed comparison."""
    return (f"{case.name}: {len(comparison.failures)} field(s) out of tolerance of {case.path}\n"
            f"{failure_table(comparison.failures)}")


def failure_table(failures: list[Failure]) -> str:
    """A plain-text table of failing fields: field, expected, got, tolerance, note."""
    header = ("field", "expected", "got", "tolerance", "")
    rows = [header] + [(f.field, reported_value(f.expected), reported_value(f.got),
                        format_tolerance(f), f.note) for f in failures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)
