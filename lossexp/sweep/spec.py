"""The ``sweep:`` section of a config, and loading a sweep config.

A sweep config is a run config plus::

    sweep:
      grid:                        # either a grid of starts ...
        w: {from: -6, to: 6, steps: 121}
        b: {from: -6, to: 6, steps: 121}
      random:                      # ... or random ones
        count: 100000
        distribution: normal       # or {name: normal, mean: 0, std: 1}, {name: uniform, low, high}
        seed: 0
      losses: [quadratic, cross_entropy]   # optional: one series per loss ...
      lrs: [0.15]                          # ... and per learning rate
      curves: 0                            # loss curves kept per series, for curves.png
      rows: true                           # sweep.csv, a row per start (false: none)
      rows_format: csv                     # or parquet: sweep.parquet (needs pyarrow)

The run config's ``model.init`` is the start ``lossexp run`` would train; the sweep replaces
it by each of its starts. An MLP sweep gives ``seeds:`` instead (``lossexp.sweep.mlp_spec``).
"""

from __future__ import annotations

import math

from lossexp import schema as s
from lossexp.sweep.mlp_spec import check_mlp_fits, check_mlp_keys, mlp_fields


def _check_range(rng: dict, path, loc) -> None:
    if rng["steps"] == 1 and rng["to"] != rng["from"]:
        raise loc.fail(path + ("to",), f"a range of 1 step is the single value 'from'; set to: "
                                       f"{rng['from']!r} or use more steps")
    if rng["steps"] > 1 and not rng["to"] > rng["from"]:
        raise loc.fail(path + ("to",), f"must be greater than from ({rng['from']!r}), "
                                       f"got {rng['to']!r}")
    _check_span(rng["from"], rng["to"], path + ("to",), loc)


def _check_span(low: float, high: float, path, loc) -> None:
    """The steps between low and high, and the heatmap's cells around them, need
    high - low and a margin of that much on either side to stay finite."""
    span = high - low
    if not all(math.isfinite(v) for v in (span, low - span, high + span)):
        raise loc.fail(path, f"the range {low!r} .. {high!r} is too wide for float64 (its "
                             "width, and that again on either side, must be finite)")


def _range() -> s.Section:
    return s.Section({
        "from": s.Number(doc="first value"),
        "to": s.Number(doc="last value (included)"),
        "steps": s.Number(integer=True, ge=1, doc="number of values, evenly spaced"),
    }, validate=_check_range)


def _check_uniform(dist: dict, path, loc) -> None:
    if not dist["high"] > dist["low"]:
        raise loc.fail(path + ("high",), f"must be greater than low ({dist['low']!r}), "
                                         f"got {dist['high']!r}")
    _check_span(dist["low"], dist["high"], path + ("high",), loc)


DISTRIBUTIONS = {
    "normal": s.Section({"mean": s.Number(default=0.0), "std": s.Number(default=1.0, gt=0)}),
    "uniform": s.Section({"low": s.Number(default=-1.0), "high": s.Number(default=1.0)},
                         validate=_check_uniform),
}


# The most starts a sweep may train, over all its series: a billion sigmoid neurons for
# 300 epochs take about an hour on a few cores, and sweep.csv would hold some 100 GB.
MAX_STARTS = 10**9
# An MLP is some hundred times a neuron's work an epoch: 1000 networks of 2-16-1 over 1000
# epochs take about 2.5 s of a core, so 1e7 networks are about 7 hours of two cores.
MAX_NETWORKS = 10**7


def _check_size(sweep: dict, path, loc) -> None:
    series = len(sweep["losses"] or [None]) * len(sweep["lrs"] or [None])
    if sweep["seeds"] is not None:
        series *= len(sweep["scales"] or [None])
        count = sweep["seeds"]["count"]
        if count * series > MAX_NETWORKS:
            each = f" in each of {series} series" if series > 1 else ""
            raise loc.fail(path + ("seeds",), f"{count:,} seeds{each} is more than the "
                                              f"{MAX_NETWORKS:,} networks a sweep may train; "
                                              "sweep fewer")
        return
    if sweep["grid"] is not None:
        starts, where = sweep["grid"]["w"]["steps"] * sweep["grid"]["b"]["steps"], ("grid",)
        what = f"a grid of {sweep['grid']['w']['steps']} x {sweep['grid']['b']['steps']}"
    else:
        starts, where = sweep["random"]["count"], ("random", "count")
        what = f"{starts:,} starts"
    if starts * series > MAX_STARTS:
        each = f" in each of {series} series" if series > 1 else ""
        raise loc.fail(path + where, f"{what}{each} is more than the {MAX_STARTS:,} starts "
                                     "a sweep may train; sweep fewer")


def _check_sweep(sweep: dict, path, loc) -> None:
    check_mlp_keys(sweep, path, loc)
    if sweep["seeds"] is None and (sweep["grid"] is None) == (sweep["random"] is None):
        raise loc.fail(path, "give exactly one of grid: (w and b ranges) or random: "
                             "(count, distribution, seed), or seeds: for an MLP")
    _check_size(sweep, path, loc)
    if sweep["rows_format"] == "parquet":  # (even with rows: false, which --rows overrides)
        from lossexp.sweep.row_files import pyarrow_installed

        if not pyarrow_installed():
            raise loc.fail(path + ("rows_format",), "parquet needs pyarrow, an optional "
                           "extra: pip install 'lossexp[parquet]' (or rows_format: csv)")
    for key in ("losses", "lrs"):
        seen = {}
        for i, item in enumerate(sweep[key] or ()):
            if repr(item) in seen:
                raise loc.fail(path + (key, i), f"repeats item {seen[repr(item)]}: each item "
                                                f"is a series and series must differ")
            seen[repr(item)] = i


def sweep_section() -> s.Section:
    """The spec of the ``sweep:`` section, for ``load_config(..., extra={"sweep": ...})``."""
    from lossexp.config.load import build_schema

    loss_spec = build_schema().fields["loss"]
    return s.Section({
        "grid": s.Section({"w": _range(), "b": _range()}, default=None, nullable=True),
        "random": s.Section({
            "count": s.Number(integer=True, ge=1, doc="number of starts"),
            "distribution": s.OneOf("name", DISTRIBUTIONS, what="distribution", shorthand=True,
                                    default={"name": "normal", "mean": 0.0, "std": 1.0}),
            "seed": s.Number(integer=True, ge=0, default=0),
        }, default=None, nullable=True),
        "losses": s.ListOf(loss_spec, min_len=1, default=None, nullable=True,
                           doc="one series per loss (default: the config's loss)"),
        "lrs": s.ListOf(s.Number(gt=0), min_len=1, default=None, nullable=True,
                        doc="one series per learning rate (default: train.lr)"),
        "curves": s.Number(integer=True, ge=0, le=1000, default=0,
                           doc="loss curves kept per series for curves.png (0: none)"),
        "rows": s.Boolean(default=True,
                          doc="write sweep.csv, a row per start (false: only the summary and "
                              "figures, much faster for millions of starts)"),
        "rows_format": s.Text(default="csv", choices=("csv", "parquet"),
                              doc="the rows as sweep.csv, or as sweep.parquet: typed columns, "
                                  "about three times faster to write for a big sweep, and "
                                  "smaller (needs pyarrow: pip install 'lossexp[parquet]')"),
        **mlp_fields(),
    }, validate=_check_sweep)


def _check_sweep_fits_model(cfg: dict, path, loc) -> None:
    """The model is a single neuron (an MLP for seeds:), and it fits every loss of the series."""
    from lossexp.config.model import check_model_fits_task

    if cfg["sweep"]["seeds"] is not None:
        check_mlp_fits(cfg, path, loc)
    elif cfg["model"]["kind"] != "neuron":
        raise loc.fail(path + ("model", "kind"), f"a sweep varies the starting w and b of a "
                       f"single neuron; model kind {cfg['model']['kind']!r} is not one")
    for i in range(len(cfg["sweep"]["losses"] or ())):
        check_model_fits_task(cfg, loc, path + ("sweep", "losses", i))


def load_sweep_config(path, overrides=()) -> dict:
    """The resolved config of sweep file ``path``, or ConfigError naming file:line and key."""
    from lossexp.config import load_config
    from lossexp.errors import ConfigError
    from lossexp.output.text import shell_command

    try:
        return load_config(path, overrides, extra={"sweep": sweep_section()},
                           extra_check=_check_sweep_fits_model)
    except ConfigError as exc:
        if exc.key == "sweep" and exc.problem == "missing required key":
            raise ConfigError(exc.where, "sweep", "this is a run config, with no sweep: "
                              "section: train its one start with "
                              f"`{shell_command('lossexp', 'run', str(path))}`, or add a sweep: "
                              "section (grid: or random: for a neuron, seeds: for an MLP; "
                              "see docs/sweeps.md)") from None
        raise

