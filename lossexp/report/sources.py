"""Reading a results directory, and the few pieces of the loss library a report needs.

A report is made from the files a command left in its directory (config.yaml,
summary.json, metrics.csv, table.md, compare.md and the figures), never from the code that
trained it, so any results directory can be reported on later. Every import from the rest
of lossexp outside ``errors`` and ``atomic`` is in this module: the loss and activation
objects, the fused output layer, ``explain``'s derivation and the config reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lossexp.config import read_resolved_config
from lossexp.errors import LossexpError
from lossexp.output.reading import read_json, read_metrics, read_text

RUN, SWEEP, COMPARE, DEMO = "run", "sweep", "compare", "demo"


@dataclass
class Results:
    """One results directory: what kind it is and what its files say."""

    directory: Path
    kind: str
    config: dict = field(default_factory=dict)  # config.yaml ({} for compare and demo)
    summary: dict = field(default_factory=dict)  # summary.json ({} for compare)
    table_md: str = ""  # table.md or compare.md

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.summary.get("name") or self.directory.name)

    def metrics(self) -> dict:
        """metrics.csv as column -> values (a run's only)."""
        return read_metrics(self.directory / "metrics.csv")


def read_results(directory) -> Results:
    """The results in ``directory``: a run, a sweep, a comparison or a demo."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LossexpError(f"{directory}: no such results directory")
    has = {p.name for p in directory.iterdir()}
    if "compare.md" in has:
        return Results(directory, COMPARE, table_md=read_text(directory / "compare.md"))
    if {"summary.json", "table.md"} <= has:
        return Results(directory, DEMO, summary=read_json(directory / "summary.json"),
                       table_md=read_text(directory / "table.md"))
    if {"config.yaml", "summary.json"} <= has:
        config = read_resolved_config(directory / "config.yaml")
        kind = SWEEP if "sweep" in config else RUN
        if kind == RUN and "metrics.csv" not in has:
            raise LossexpError(f"{directory}: a run directory without metrics.csv")
        return Results(directory, kind, config, read_json(directory / "summary.json"))
    raise LossexpError(f"{directory}: not a results directory of lossexp run, sweep, compare "
                       f"or demo (no config.yaml + summary.json, table.md or compare.md)")


def compared_runs(results: Results) -> list[Path]:
    """The run directories a compare.md lists on its "Runs:" line, as written there."""
    match = re.search(r"^Runs: (.*)\.$", results.table_md, re.MULTILINE)
    return [Path(p) for p in re.findall(r"`([^`]+)`", match.group(1))] if match else []


def figures(directory: Path, stems) -> list[tuple[str, Path]]:
    """(stem, file) for each figure present: its SVG, else its PNG."""
    found = []
    for stem in stems:
        for ext in ("svg", "png"):
            if (directory / f"{stem}.{ext}").is_file():
                found.append((stem, directory / f"{stem}.{ext}"))
                break
    return found


# --- the loss library -------------------------------------------------------------------------

def output_activation(config: dict) -> dict:
    model = config.get("model", {})
    return model.get("activation" if model.get("kind") == "neuron" else "output_activation") or {}


def explanation(config: dict):
    """``lossexp explain``'s derivation for the config's loss and output activation, or None
    when either is missing or not in the library."""
    from lossexp.library import catalogue

    loss, act = config.get("loss", {}).get("name"), output_activation(config).get("name")
    if not (loss and act):
        return None
    try:
        return catalogue.explain(loss, act)
    except LossexpError:
        return None


def cost_of_z(config: dict):
    """(a(z), C(z)): the activation and the cost as functions of z, for a one-sample neuron
    with the config's loss, activation and target; the fused, stable form where there is one."""
    import numpy as np

    from lossexp.library import activations, losses
    from lossexp.library.fused import fused_output

    def build(registry, named: dict):
        return registry.get(named["name"], **{k: v for k, v in named.items() if k != "name"})

    act, loss = build(activations, output_activation(config)), build(losses, config["loss"])
    y = float(config["task"]["y"])
    fused = fused_output(loss, act)

    def cost(z):
        z = np.asarray(z, dtype=np.float64)[..., None]
        if fused:
            return fused.loss(z, y)[..., 0]
        return loss.value(act.value(z), np.full_like(z, y))[..., 0]

    return act.value, cost
