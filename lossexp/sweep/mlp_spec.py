"""The ``sweep:`` keys of an MLP sweep: which seeds, and the series they are trained in.

An MLP config (``model.kind: mlp``) becomes a sweep over initialisations with::

    sweep:
      seeds: 1000                   # seeds 0 .. 999; or {from: 5000, count: 1000}
      scales: [0.5, 1, 3]           # optional: one series per model.init.scale ...
      losses: [quadratic, cross_entropy]   # ... per loss ...
      lrs: [0.5]                    # ... and per learning rate
      longer_than: 100              # the sentence's plateau length (default: epochs // 10)
      rows: true                    # sweep.csv, a row per network
      rows_format: csv              # or parquet: sweep.parquet (needs pyarrow)

Network i of a series is the config's network with ``model.init.seed`` = seed i: its
weights are drawn exactly as ``lossexp run --set model.init.seed=<seed>`` draws them. The
data (and any mini-batch order) come from ``train.seed`` and are the same for every network.
"""

from __future__ import annotations

from lossexp import schema as s

_SEED_RANGE = s.Section({
    "from": s.Number(integer=True, ge=0, default=0, doc="first seed"),
    "count": s.Number(integer=True, ge=1, doc="number of seeds"),
})


class Seeds(s.Spec):
    """A count of seeds (0 .. count - 1) or a range ``{from, count}``; checked as the range."""

    doc = "seeds of the networks: a count (0 .. count - 1) or {from: first, count: n}"
    default = None
    nullable = True

    def check(self, value, path, loc):
        if value is None:
            return None
        if isinstance(value, dict):
            return _SEED_RANGE.check(value, path, loc)
        count = s.Number(integer=True, ge=1).check(value, path, loc)
        return {"from": 0, "count": count}

    def child(self, key, value):
        return _SEED_RANGE.child(key, value)


def mlp_fields() -> dict[str, s.Spec]:
    """The keys the ``sweep:`` section has for MLP sweeps only."""
    return {
        "seeds": Seeds(),
        "scales": s.ListOf(s.Number(gt=0), min_len=1, default=None, nullable=True,
                           doc="MLP sweeps: one series per model.init.scale (default: the "
                               "config's)"),
        "longer_than": s.Number(integer=True, ge=0, default=None, nullable=True,
                                doc="MLP sweeps: the plateau length the sentence counts "
                                    "seeds beyond (default: a tenth of the epochs)"),
    }


def check_mlp_keys(sweep: dict, path, loc) -> None:
    """Keys of the other kind of sweep are refused, one line naming the key."""
    if sweep["seeds"] is None:
        for key in ("scales", "longer_than"):
            if sweep[key] is not None:
                raise loc.fail(path + (key,), "only an MLP sweep (seeds:) takes this key")
        return
    for key in ("grid", "random"):
        if sweep[key] is not None:
            raise loc.fail(path + (key,), "give seeds: (an MLP sweep) or grid:/random: (a "
                                          "neuron sweep), not both")
    if sweep["curves"]:
        raise loc.fail(path + ("curves",), "an MLP sweep keeps no loss curves; leave curves out")
    seen = {}
    for i, item in enumerate(sweep["scales"] or ()):
        if item in seen:
            raise loc.fail(path + ("scales", i), f"repeats item {seen[item]}: each item is a "
                                                 f"series and series must differ")
        seen[item] = i


def check_mlp_fits(cfg: dict, path, loc) -> None:
    """An MLP sweep's model draws its weights, and with a scale where scales are swept."""
    model = cfg["model"]
    if model["kind"] != "mlp":
        raise loc.fail(path + ("sweep", "seeds"), f"seeds sweep the initial weights of an MLP; "
                       f"model kind {model['kind']!r} is not one (a neuron sweep takes grid: "
                       f"or random:)")
    scheme = model["init"]["scheme"]
    if scheme == "explicit":
        raise loc.fail(path + ("model", "init", "scheme"), "scheme explicit draws nothing: "
                       "a sweep over seeds needs a drawn init (normal, uniform, xavier, he)")
    if model["init"]["seed"] is not None:
        raise loc.fail(path + ("model", "init", "seed"), "the sweep's seeds: set the init "
                       "seed of each network; leave model.init.seed out")
    if cfg["sweep"]["scales"] and scheme not in ("normal", "uniform"):
        raise loc.fail(path + ("sweep", "scales"), f"scheme {scheme!r} takes no scale "
                       f"(only normal and uniform do)")
