"""The loss library's experiments: each trains one config under a few variants and reports
what the source notes claim, in numbers.

A demo is a config in ``configs/`` plus variants, each a list of ``--set`` overrides, so
every variant is also a plain ``lossexp run CONFIG --set ...``. ``run_demo`` trains the
variants and returns a ``Report`` (built in ``lossexp.demos.reports``): a table, sentences
with the numbers in them, and the fitted models for the figure. ``save_demo`` writes it.
The notes' outlier-factor table needs no training. Nothing here prints or plots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lossexp.config import load_config
from lossexp.demos.fit import Fit, fit
from lossexp.demos.reports import (
    Report,
    heteroscedastic_report,
    multi_output_report,
    outlier_factor_report,
    outliers_report,
    quantiles_report,
    signed_error_report,
    sse_vs_mse_report,
)
from lossexp.demos.seed_reports import (
    BATCH_SIZES,
    LR_EXPONENTS,
    batch_sizes_report,
    conditional_mean_report,
    naive_sigmoid_report,
    smoothness_report,
)
from lossexp.errors import LossexpError, unknown_name
from lossexp.output import atomic, serialize
from lossexp.output.rundir import result_directory
from lossexp.output.text import markdown_table, shell_command

# --- the demos ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Demo:
    name: str
    summary: str
    config: str | None  # file name in the configs directory; None: nothing to train
    variants: tuple[tuple[str, tuple[str, ...]], ...]
    report: Callable[[list[Fit]], Report]


def _losses(*names: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((n, (f"loss={n}", f"name={{}}_{n}")) for n in names)


STARTS = {"lucky": (0.6, 0.9), "unlucky": (2.0, 2.0)}  # z0 = 1.5 and z0 = 4


DEMOS: dict[str, Demo] = {d.name: d for d in (
    Demo("outlier_factor", "the notes' table: by what factor each loss grows when one of "
         "five targets becomes 50", None, (), outlier_factor_report),
    Demo("outliers", "a line fit with 10% gross outliers under quadratic, mae, huber, log_cosh",
         "outliers.yaml", _losses("quadratic", "mae", "huber", "log_cosh"), outliers_report),
    Demo("quantiles", "pinball losses q = 0.1, 0.5, 0.9 on noise that grows with x",
         "quantiles.yaml",
         tuple((f"quantile q={q}", (f"loss.q={q}", f"name={{}}_q{q}")) for q in (0.1, 0.5, 0.9)),
         quantiles_report),
    Demo("heteroscedastic", "a (mu, log sigma^2) head trained with gaussian_nll recovers "
         "input-dependent noise", "heteroscedastic.yaml", (("gaussian_nll", ()),),
         heteroscedastic_report),
    Demo("sse_vs_mse", "reduction sum needs lr / N to match mean, at N = 10 and N = 1000",
         "sse_vs_mse.yaml", tuple(
             (f"N={n}, {red}, lr {lr:g}",
              (f"task.samples={n}", f"train.reduction={red}", f"train.lr={lr!r}",
               f"name={{}}_{red}_n{n}" + ("_scaled" if red == "sum" and lr < 0.1 else "")))
             for n in (10, 1000) for red, lr in (("mean", 0.1), ("sum", 0.1 / n), ("sum", 0.1))),
         sse_vs_mse_report),
    Demo("signed_error", "the naive rule Cost = y - a on the 1 -> 0 neuron, beside mae and "
         "quadratic", "naive_rule.yaml", _losses("signed_error", "mae", "quadratic"),
         signed_error_report),
    Demo("naive_sigmoid", "the naive rule Cost = y - a after a sigmoid, as note 000 uses it, "
         "beside quadratic and cross_entropy from the lucky and the unlucky start",
         "naive_rule_sigmoid.yaml", tuple(
             (f"{loss}, {start}", (f"loss={loss}", f"model.init.w={w}", f"model.init.b={b}",
                                   f"name={{}}_{loss}_{start}"))
             for start, (w, b) in STARTS.items()
             for loss in ("signed_error", "quadratic", "cross_entropy")),
         naive_sigmoid_report),
    Demo("batch_sizes", "SSE vs MSE at batch sizes 1, 16 and 64: the largest stable lr of each",
         "sse_vs_mse_batches.yaml", tuple(
             (f"{red}, batch {n}, lr 2^{e}",
              (f"train.reduction={red}", f"train.batch_size={n}", f"train.lr={2.0 ** e!r}",
               f"name={{}}_{red}_b{n}_lr{e}"))
             for red in ("sum", "mean") for n in BATCH_SIZES for e in LR_EXPONENTS),
         batch_sizes_report),
    Demo("conditional_mean", "two targets per input: quadratic fits the mean between the "
         "modes, mae the median", "bimodal.yaml", _losses("quadratic", "mae"),
         conditional_mean_report),
    Demo("smoothness", "gradient and curvature of mae, huber and log_cosh around the kink",
         None, (), smoothness_report),
    Demo("multi_output", "outputs at scales 10, 1000, 0.1: raw, weighted, standardised and "
         "uncertainty-weighted losses", "multi_output.yaml", (
             ("raw quadratic", ()),
             ("weights 1/scale^2", ("loss.weights=[0.01, 1.0e-6, 100.0]",
                                    "name={}_weighted")),
             ("standardised targets", ("task.normalize=true", "name={}_standardised")),
             ("uncertainty, raw targets", ("loss=uncertainty_weighted",
                                           "name={}_uncertainty_raw")),
             ("uncertainty, standardised", ("loss=uncertainty_weighted", "task.normalize=true",
                                            "name={}_uncertainty")),
         ), multi_output_report),
)}


def names() -> list[str]:
    return list(DEMOS)


def _overrides(demo: Demo, overrides: tuple[str, ...]) -> list[str]:
    base = Path(demo.config).stem
    return [o.replace("{}", base) for o in overrides]


def shipped_configs() -> Path:
    """The configs shipped with the package (the repository's configs/ when editable)."""
    from lossexp.config import shipped

    return shipped.directory()


def run_demo(name: str, configs: Path | None = None) -> Report:
    """Train every variant of demo ``name`` and report; configs are read from ``configs``
    (default: ``shipped_configs()``)."""
    if name not in DEMOS:
        raise LossexpError(unknown_name("demo", name, DEMOS))
    demo = DEMOS[name]
    if demo.config is None:
        return demo.report([])
    path = Path(configs or shipped_configs()) / demo.config
    shown = path if configs else path.stem  # a shipped config runs by its name
    fits, commands = [], []
    for label, overrides in demo.variants:
        sets = _overrides(demo, overrides)
        fits.append(fit(label, load_config(path, sets)))
        commands.append(shell_command("lossexp", "run", shown, *(w for s in sets for w in ("--set", s))))
    report = demo.report(fits)
    report.commands = commands
    return report


def report_table(report: Report) -> str:
    return markdown_table(report.columns, report.cells())


def save_demo(report: Report, outputs: Path, *, plots: bool = True) -> Path:
    """Write outputs/demo_<name>/: summary.json, table.md and the figure, all or nothing."""
    final = Path(outputs) / f"demo_{report.name}"
    with result_directory(final, "demo") as tmp:
        atomic.write_text(tmp / "summary.json", serialize.json_text(report.as_dict()))
        atomic.write_text(tmp / "table.md", report_table(report))
        if plots:
            from lossexp.demos.figures import plot_demo
            plot_demo(report, tmp)
    return final
