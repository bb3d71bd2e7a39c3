"""lossexp list / explain: the loss and activation library (issue 3)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Optional

import typer

from lossexp.cli._app import DebugOpt, JsonOpt, QuietOpt, app, echo_json, guarded
from lossexp.cli.report import ReportOpt, share


@app.command("list")
def list_library(as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List every loss (formula, gradient, parameters) and activation (derivative, saturation)."""
    with guarded(debug):
        from lossexp.cli.console import out
        from lossexp.library import catalogue

        if as_json:
            echo_json({"losses": catalogue.loss_rows(), "activations": catalogue.activation_rows()})
            return
        if out.width >= WIDE_LIST:
            out.print(_loss_table(catalogue.loss_rows()))
            out.print(_activation_table(catalogue.activation_rows()))
        else:  # a table of five columns folds every cell into a tall thin strip
            out.print(_entries(LOSSES_TITLE, [_loss_fields(row) for row in catalogue.loss_rows()],
                               out.width))
            out.print(_entries(ACTIVATIONS_TITLE,
                               [_activation_fields(row) for row in catalogue.activation_rows()],
                               out.width))


@app.command()
def explain(loss: Annotated[str, typer.Argument(help="A loss name, e.g. quadratic.",
                                                metavar="LOSS", show_default=False)],
            activation: Annotated[str, typer.Argument(help="An activation name, e.g. sigmoid.",
                                                      metavar="ACTIVATION",
                                                      show_default=False)],
            as_json: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Show delta = dC/dz for LOSS after ACTIVATION and the factor that vanishes in saturation."""
    with guarded(debug):
        from lossexp.cli.console import out
        from lossexp.library import catalogue

        explanation = catalogue.explain(loss, activation)
        if as_json:
            echo_json(explanation)
            return
        for line in _explanation_lines(explanation) + _flow_lines(explanation):
            out.print(line, markup=False, soft_wrap=True)
        if explanation.warning:  # the formulas say why; the exit status says it is refused
            from lossexp.errors import LossexpError

            problem = loss_range_problem(explanation)
            raise LossexpError(f"{problem}: `lossexp run` refuses this pair")


@app.command()
def demo(name: Annotated[Optional[str], typer.Argument(
            help="The demo to run; leave out to list them.", metavar="NAME",
            show_default=False)] = None,
         outputs: Annotated[Path, typer.Option(
             "--outputs", help="Root directory for results; a demo goes to "
                               "OUTPUTS/demo_<NAME>/.")] = Path("outputs"),
         configs: Annotated[Optional[Path], typer.Option(
             help="Directory holding the demo configs [default: the shipped configs/].")]
         = None,
         quiet: QuietOpt = False, debug: DebugOpt = False,
         plots: Annotated[bool, typer.Option(help="Draw the PNG/SVG figure.")] = True,
         report_: ReportOpt = False) -> None:
    """Run one of the loss library's experiments and compare its variants side by side.

    Writes OUTPUTS/demo_<NAME>/ (summary.json, table.md, figure.png/svg) and prints the
    table, what it shows, and the `lossexp run` command of each variant.
    """
    with guarded(debug):
        from lossexp.cli.console import err, out
        from lossexp.demos import catalogue

        if name is None:
            for demo_name, d in catalogue.DEMOS.items():
                out.print(f"{demo_name:16} {d.summary}", markup=False, soft_wrap=True)
            return
        from lossexp.output.rundir import check_outputs_root

        check_outputs_root(outputs)  # before any training
        with err.status(f"running demo {name}") if not quiet else contextlib.nullcontext():
            report = catalogue.run_demo(name, configs)
        where = catalogue.save_demo(report, outputs, plots=plots)
        if not quiet:
            out.print(_report(report, out))
            for line in [*report.findings, f"written to {where}", *report.commands]:
                out.print(line, markup=False, soft_wrap=True)
        share([where], report=report_, quiet=quiet)


def _report(report, console):
    """The demo's table, or one entry per variant where the table would not fit."""
    rows = report.cells()
    table = _table(report.title, report.columns, rows)
    # Each column: its cells, a space either side and a rule; and the rule at the end.
    if sum(c.min_width + 3 for c in table.columns) + 1 <= console.width:
        return table
    return _entries(report.title, [(row[0], dict(zip(report.columns[1:], row[1:])))
                                   for row in rows], console.width)


def _table(title: str, columns: list[str], rows: list[list]):
    """A titled table whose columns are at least as wide as their longest word, so that
    a narrow terminal wraps cells between words, never inside a number or a formula."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_lines=True)
    for i, name in enumerate(columns):
        texts = [name, *(str(row[i]) for row in rows)]
        # The first column names the row and never wraps; the others wrap between words.
        pieces = texts if i == 0 else [word for text in texts for word in text.split()]
        table.add_column(name, overflow="fold", no_wrap=i == 0,
                         min_width=max(len(line) for p in pieces for line in p.splitlines()))
    for row in rows:
        table.add_row(*row)
    return table


# Narrower consoles than this get `lossexp list` as one entry per name, not as tables.
WIDE_LIST = 140
LOSSES_TITLE = "Losses (a: the output, y: the target)"
ACTIVATIONS_TITLE = "Activations (z: the pre-activation)"


def _loss_fields(row) -> tuple[str, dict[str, str]]:
    return row.name, {"loss": row.formula, "d loss / da": row.gradient,
                      "parameters": "; ".join(row.params) or "-", "note": row.note or "-"}


def _activation_fields(row) -> tuple[str, dict[str, str]]:
    return row.name, {"a(z)": row.formula, "da / dz": row.derivative,
                      "range": row.output_range, "saturates where": row.saturation_region,
                      "parameters": "; ".join(row.params) or "-"}


def _loss_table(rows):
    from rich.text import Text

    cells = []
    for row in rows:
        formula = Text(row.formula)
        if row.note:
            formula.append(f"\nnote: {row.note}", style="dim")
        cells.append([row.name, formula, row.gradient, "\n".join(row.params) or "-"])
    return _table(LOSSES_TITLE, ["name", "loss", "d loss / da", "parameters (default)"], cells)


def _activation_table(rows):
    return _table(ACTIVATIONS_TITLE,
                  ["name", "a(z)", "da / dz", "range", "saturates where", "parameters (default)"],
                  [[row.name, row.formula, row.derivative, row.output_range,
                    row.saturation_region, "\n".join(row.params) or "-"] for row in rows])


def _entries(title: str, entries: list[tuple[str, dict[str, str]]], width: int):
    """A titled list of names, each followed by its labelled fields, indented and wrapped
    between words to ``width`` (as plain lines: nothing padded with trailing spaces)."""
    import textwrap

    from rich.console import Group
    from rich.text import Text

    lines = [Text(title, style="bold underline")]
    for name, fields in entries:
        lines.append(Text(name, style="bold"))
        label_width = max(map(len, fields))
        room = max(20, width - label_width - 4)
        for label, value in fields.items():
            pieces = textwrap.wrap(str(value), room, break_long_words=False) or [""]
            for i, piece in enumerate(pieces):
                line = Text("  ")
                line.append((label if i == 0 else "").ljust(label_width), style="dim")
                lines.append(line.append(f"  {piece}"))
        lines.append(Text(""))
    return Group(*lines)


def _numbers(values) -> str:
    # + 0.0 turns -0.0 into 0.0
    text = ", ".join(f"{v + 0.0:.4g}" for v in values)
    return text if len(values) == 1 else f"({text})"


def loss_range_problem(e) -> str:
    return e.warning.removesuffix(": this pair is not meaningful")


def _explanation_lines(e) -> list[str]:
    lines = [f"{e.loss} + {e.activation}",
             f"  {e.cost}",
             f"  {e.output}",
             f"  delta = dC/dz = {e.delta}" + ("   (fused: computed from z)" if e.fused else "")]
    if e.warning:
        return lines  # the problem follows as the error
    if e.vanishing:
        lines.append(f"  vanishing factor: {e.vanishing}")
    lines.append(f"  {e.summary}")
    x = e.example
    if x is None:
        return lines + [f"  (no example start: {e.loss} needs more outputs than one "
                        f"{e.activation} unit gives)"]
    slope = "" if x.slope is None else f", da/dz = {_numbers(x.slope)}"
    step = "" if x.step is None else f" (the rule steps with {_numbers(x.step)} instead)"
    where = ("a start far from the target" if e.saturation_region == "never"
             else "a saturated start")
    lines.append(f"  at {where} z = {_numbers(x.z)}, y = {_numbers(x.y)}: "
                 f"a = {_numbers(x.a)}, dC/da = {_numbers(x.dc_da)}{step}{slope}, "
                 f"delta = {_numbers(x.delta)}")
    return lines


FLOW_LR, FLOW_X, FLOW_HORIZON = 0.15, 1.0, 100_000


def _flow_lines(e) -> list[str]:
    """One neuron on one sample as a flow of z, and what it predicts from the saturated
    start above (lossexp.train.theory); nothing where the pair or its example has no flow."""
    from lossexp.library import activations, losses
    from lossexp.output.text import cell
    from lossexp.train.engine import Network
    from lossexp.train.theory import predict

    loss, act = losses.get(e.loss), activations.get(e.activation)
    if e.warning or e.example is None or len(e.example.z) != 1 or loss.columns(1) != 1 \
            or loss.learned_per_target:
        return []
    (z0,), (y,) = e.example.z, e.example.y
    p = predict(Network([act], loss), z0=z0, x=FLOW_X, y=y, lr=FLOW_LR, epochs=FLOW_HORIZON,
                tolerance=0.1, plateau_fraction=0.1)

    def epochs(value):  # as `lossexp run` shows the theory: summary.json's 0.1 epoch
        return cell(None if value is None else round(value, 1), none="never")

    start = f"from z = {z0:g}, y = {y:g}, x = {FLOW_X:g}, lr = {FLOW_LR:g}"
    flow = ("  one neuron on one sample moves z by -lr (1 + x^2) delta per epoch: "
            "dz/dt = -lr (1 + x^2) delta(z)")
    if p is None:
        return [flow, f"  no prediction {start}: each step overshoots so far that the "
                      "steps oscillate or blow up where the flow glides in"]
    plateau = ("never left" if p.plateau_epochs is None
               else f"{epochs(p.plateau_epochs)} epochs")
    return [flow, f"  predicted {start} (target |a - y| < 0.1): plateau {plateau}, half way "
                  f"{epochs(p.half_way_epochs)}, target {epochs(p.epochs_to_target)}"]
