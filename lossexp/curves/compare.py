"""Several runs side by side: their curves overlaid (compare.png) and a table (compare.md).

Reads run directories as ``lossexp run`` writes them (config.yaml, metrics.csv,
summary.json), so a comparison can be made long after the runs. matplotlib is imported
only when the figure is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lossexp.config import read_resolved_config
from lossexp.errors import LossexpError
from lossexp.output import atomic
from lossexp.output.reading import read_json, read_metrics
from lossexp.output.rundir import (
    ANIMATION,
    REPORT_PAGE,
    check_files_replaceable,
    check_no_other_result,
    discard_listed,
    mark_files,
)
from lossexp.output.text import cell, markdown_table
from lossexp.run.outcome_rows import never_reached, outcome_rows
from lossexp.train.model import output_activation_key

RUN_FILES = ("config.yaml", "metrics.csv", "summary.json")
COMPARE_FILES = ("compare.png", "compare.svg", "compare.md")


@dataclass
class Run:
    directory: Path
    config: dict
    metrics: dict[str, np.ndarray]
    summary: dict

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.directory.name)


# --- reading -------------------------------------------------------------------------------

def read_run(directory) -> Run:
    """The run saved in ``directory``; LossexpError naming the file if it is not one."""
    directory = Path(directory)
    if not directory.is_dir():
        raise LossexpError(f"{directory}: no such run directory")
    for name in RUN_FILES:
        if not (directory / name).is_file():
            raise LossexpError(f"{directory}: not a run directory written by `lossexp run` "
                               f"(no {name})")
    run = Run(directory, read_resolved_config(directory / "config.yaml"),
              read_metrics(directory / "metrics.csv"), read_json(directory / "summary.json"))
    _check_complete(run)
    return run


def _check_complete(run: Run) -> None:
    """metrics.csv ends at the config's last epoch: a truncated file is refused, not drawn."""
    train = run.config.get("train")
    epochs = train.get("epochs") if isinstance(train, dict) else None
    last = run.metrics["epoch"][-1]
    if isinstance(epochs, int) and last != epochs:
        raise LossexpError(f"{run.directory / 'metrics.csv'}: ends at epoch {last:g}, but the run "
                           f"trained {epochs} epochs: the file is incomplete")


# --- the table -----------------------------------------------------------------------------

def _first(run: Run, column: str):
    values = run.metrics.get(column)
    return None if values is None else float(values[0])


# The start and the settings; a start row no run has (an MLP's) is left out.
_START = (("input x", lambda r: r.config.get("task", {}).get("x")),
          ("desired output y", lambda r: r.config.get("task", {}).get("y")),
          ("initial w", lambda r: _first(r, "w")),
          ("initial b", lambda r: _first(r, "b")),
          ("initial z = w x + b", lambda r: _first(r, "z")))
_SETTINGS = (("learning rate", lambda r: r.config.get("train", {}).get("lr")),
             ("loss", lambda r: r.config.get("loss", {}).get("name")),
             ("output activation",
              lambda r: r.config["model"][output_activation_key(r.config["model"])]["name"]))


def side_by_side(runs: list[Run]) -> list[tuple[str, list]]:
    """(quantity, a value per run): the start, the settings, then the outcome rows
    ``lossexp run`` prints for each run's model, lined up by label. A value is None where
    a run has no number (a start row that is not its model's, or not finite); an epoch
    count never reached reads "never (in N)"; a row that is not its model's is empty."""
    rows = [(label, [get(run) for run in runs]) for label, get in _START
            if any(get(run) is not None for run in runs)]
    rows += [(label, [get(run) for run in runs]) for label, get in _SETTINGS]
    # Lined up by summary key, so one quantity is one row whatever each run calls it (a
    # neuron's "epochs to target (|a - y| < 0.1)" is a regression's "every |a - y|").
    outcomes = [{key or label: (label, value)
                 for label, key, value in outcome_rows(run.config, run.summary)}
                for run in runs]
    names: dict[str, str] = {}
    for outcome in outcomes:
        for ident, (label, _) in outcome.items():
            names.setdefault(ident, label)
    for ident, label in names.items():
        rows.append((label, [_outcome(run, outcome.get(ident))
                             for run, outcome in zip(runs, outcomes)]))
    return rows


def _outcome(run: Run, row: tuple[str, object] | None):
    if row is None:
        return ""
    label, value = row
    if value is None and never_reached(label, run.summary):
        return f"never (in {run.config['train']['epochs']})"
    return value


def table_rows(runs: list[Run]) -> list[tuple[str, list[str]]]:
    """``side_by_side`` as markdown cells."""
    return [(label, [cell(v) for v in values]) for label, values in side_by_side(runs)]


def column_labels(runs) -> list[str]:
    """Each run's name, or its directory where another run has the same name (``runs``:
    anything with a name and a directory)."""
    names = [run.name for run in runs]
    return [str(run.directory) if names.count(run.name) > 1 else run.name for run in runs]


def comparison_table(runs: list[Run]) -> str:
    rows = [[label, *cells] for label, cells in table_rows(runs)]
    return markdown_table(["", *column_labels(runs)], rows, numeric=True)


def markdown_document(runs: list[Run]) -> str:
    sources = ", ".join(f"`{run.directory}`" for run in runs)
    return f"# Comparison of {len(runs)} runs\n\n{comparison_table(runs)}\nRuns: {sources}.\n"


def write_comparison(runs: list[Run], out: Path) -> tuple[str, list[Path]]:
    """Write compare.png, compare.svg and compare.md into ``out``; return the table."""
    from lossexp.curves.figures import compare_figure
    from lossexp.output.figure_files import save_all

    if not runs:
        raise LossexpError("give at least one run directory")
    out = Path(out)
    check_no_other_result(out, "compare")
    check_files_replaceable(out, COMPARE_FILES)
    out.mkdir(parents=True, exist_ok=True)
    # Listed before they are written: a stop in between leaves no file the marker omits
    # (the next comparison would take it for the user's and refuse).
    mark_files(out, COMPARE_FILES, "compare")
    paths = save_all([(compare_figure(runs, column_labels(runs)), "compare")], out)
    atomic.write_text(out / "compare.md", markdown_document(runs))
    # An earlier comparison's page and animation (--report, --animate) no longer match.
    discard_listed(out, (REPORT_PAGE, ANIMATION))
    return comparison_table(runs), [*paths, out / "compare.md"]
