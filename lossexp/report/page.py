"""report.html: one self-contained page per run, sweep, comparison or demo.

``write_report(dirs)`` reads the results directories and writes the page beside them: a
run, sweep or demo directory gets its own report.html; several runs (or a directory made
by ``lossexp compare``) get one comparison page in the comparison's directory. The page
works offline: styles in the page, figures inlined, no script, no external font.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from lossexp.curves.compare import Run, column_labels, side_by_side
from lossexp.errors import LossexpError
from lossexp.output import atomic
from lossexp.output.rundir import ANIMATION, REPORT_PAGE, claim
from lossexp.output.text import shell_command
from lossexp.report import sections as s
from lossexp.report import sources

STYLE = """
:root{color-scheme:light;--ink:#1d2433;--muted:#5b6475;--rule:#d8dce3;--band:#f4f6f9}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--rule)}
h3{font-size:1.05rem;margin:1.25rem 0 .25rem}
p,li{overflow-wrap:anywhere}
.lede{color:var(--muted);margin-top:0}
figure{margin:1rem 0;padding:0;break-inside:avoid}
figure svg,figure img{display:block;width:100%;height:auto;max-width:100%}
figcaption{color:var(--muted);font-size:.95rem;margin-top:.25rem}
svg *{stroke-linejoin:round;stroke-linecap:butt}
pre{background:var(--band);padding:.75rem;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;line-height:1.4}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
.table-caption{color:var(--muted);font-size:.9rem;margin:.5rem 0 .25rem}
th,td{border-bottom:1px solid var(--rule);padding:.3rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th{border-bottom:2px solid var(--ink)}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;list-style:none;margin:.5rem 0}
footer{color:var(--muted);font-size:.85rem;margin-top:2rem;border-top:1px solid var(--rule);padding-top:.5rem}
@media print{
 body{font-size:11pt}
 main{max-width:none;padding:0}
 nav{display:none}
 h2{break-after:avoid}
 pre,table{break-inside:avoid}
 .table-wrap{overflow:visible}
 a{color:inherit;text-decoration:none}
}
""".strip()


def document(title: str, lede: str, body: list[str], source: str) -> str:
    """The whole page: head with the style, a table of contents, the sections, a footer."""
    from lossexp import __version__

    content = "\n".join(part for part in body if part)
    links = [f'<li><a href="#{anchor}">{text}</a></li>'
             for anchor, text in re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', content)]
    nav = f'<nav aria-label="contents"><ul>{"".join(links)}</ul></nav>' if links else ""
    return ("<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            # an empty icon: a browser asks for no /favicon.ico, so the page makes no request
            '<link rel="icon" href="data:,">\n'
            f"<title>{escape(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{escape(title)}</h1>\n<p class=\"lede\">{escape(lede)}</p>\n{nav}\n"
            + content
            + f"\n<footer>Made by lossexp {escape(__version__)} from "
              f"<code>{escape(source)}</code>. Everything is in this one file.</footer>\n"
              "</main>\n</body>\n</html>\n")


# --- one kind of page each -------------------------------------------------------------------

def _titled(title: str, anchor: str, content: str) -> str:
    """A section under its heading, or nothing when it is empty (a run without plots)."""
    return s.heading(2, title, anchor) + content if content else ""


def describe(config: dict, *, start: bool = True) -> str:
    """Loss, model, start (unless ``start`` is false) and training of a config, in one line."""
    model, train = config.get("model", {}), config.get("train", {})
    parts = [f"loss {config.get('loss', {}).get('name', '?')}"]
    if model.get("kind") == "neuron":
        init = model.get("init", {})
        parts.append(f"one {sources.output_activation(config).get('name', '?')} neuron")
        if start:
            parts.append(f"start w0 = {s.number(init.get('w'))}, b0 = {s.number(init.get('b'))}")
    elif model.get("kind") == "mlp":
        parts.append(f"MLP {'-'.join(str(n) for n in model.get('layers', []))}, "
                     f"{model.get('hidden_activation', {}).get('name', '?')}/"
                     f"{model.get('output_activation', {}).get('name', '?')}")
    parts += [f"learning rate {s.number(train.get('lr'))}", f"{train.get('epochs', '?')} epochs"]
    return ", ".join(parts)


def every_series(results: sources.Results) -> dict:
    """The config with the loss and the learning rate of every series of a sweep, each
    named once, for ``describe``."""
    rows = results.summary.get("series", [])
    losses = dict.fromkeys(row.get("loss", {}).get("name", "?") for row in rows)
    rates = dict.fromkeys(s.number(row.get("lr")) for row in rows)
    train = {**results.config.get("train", {}), "lr": ", ".join(rates) or None}
    return {**results.config, "loss": {"name": ", ".join(losses) or "?"}, "train": train}


def run_page(results: sources.Results) -> str:
    kind = results.config.get("model", {}).get("kind", "")
    body = [s.heading(2, "Summary", "summary"),
            s.table(["quantity", "value"], s.summary_rows(results.summary),
                    caption="summary.json: how the run went."),
            s.theory(results.summary),
            s.animation(results.directory),
            _titled("Figures", "figures", s.figures(results.directory, s.RUN_FIGURES, kind=kind,
                                                    run=results)),
            s.derivations([results.config]),
            s.config_block(results),
            s.reproduce([f"lossexp run {results.name}.yaml --report{_animated(results.directory)}"],
                        f"Save the config above as {results.name}.yaml, then run:")]
    return document(f"{results.name}: one run", describe(results.config), body,
                    str(results.directory))


def sweep_page(results: sources.Results) -> str:
    summary = results.summary
    if summary.get("kind") == "mlp":
        return mlp_sweep_page(results)
    rows, sentences = [], []
    for series in summary.get("series", []):
        ett = series.get("epochs_to_target", {})
        rows.append([series.get("series"), series.get("starts"),
                     series.get("on_target_at_start"),
                     *(_or_never(ett.get(k)) for k in ("median", "p90", "p99", "max")),
                     series.get("never_reached"), series.get("diverged")])
        sentences.append(f"<li><strong>{escape(str(series.get('series')))}</strong>: "
                         f"{escape(str(series.get('sentence', '')))}</li>")
    body = [s.heading(2, "Summary", "summary"),
            f"<ul>{''.join(sentences)}</ul>" if sentences else "",
            s.table(["series", "starts", "on target at start", "median", "p90", "p99", "max",
                     "never reached", "diverged"], rows,
                    caption=f"Epochs to target per series ({summary.get('percentiles', '')})."),
            s.theory(summary),
            _titled("Figures", "figures", s.figures(results.directory, s.SWEEP_FIGURES)),
            s.derivations([{**results.config, "loss": loss} for loss in
                           (row.get("loss", {}) for row in summary.get("series", []))]
                          or [results.config]),
            s.config_block(results),
            s.reproduce([f"lossexp sweep {results.name}.yaml --report"],
                        f"Save the config above as {results.name}.yaml, then run:")]
    starts = summary.get("series", [{}])[0].get("starts", "?")
    lede = (f"{starts} starts per series; {describe(every_series(results), start=False)}; "
            f"target |a - y| < {s.number(summary.get('tolerance'))}")
    return document(f"{results.name}: a sweep over starts", lede, body, str(results.directory))


def mlp_sweep_page(results: sources.Results) -> str:
    """An MLP sweep over seeds: its sentences, a row per series, its figures."""
    summary = results.summary
    rows = []
    for series in summary.get("series", []):
        ett = series.get("epochs_to_milestone", {})
        rows.append([series.get("series"), series.get("networks"),
                     s.number(series.get("plateaued_percent")),
                     s.number(series.get("plateau_longer_than_percent")),
                     *(_or_never(ett.get(k)) for k in ("median", "p90")),
                     series.get("never_reached"), s.number(series.get("stuck_percent")),
                     series.get("diverged")])
    sentences = "".join(f"<li>{escape(str(text))}</li>" for text in summary.get("sentences", []))
    longer = summary.get("longer_than", "?")
    body = [s.heading(2, "Summary", "summary"),
            f"<ul>{sentences}</ul>" if sentences else "",
            s.table(["series", "seeds", "plateaued %", f"plateau > {longer} %", "median",
                     "p90", "never reached", "stuck %", "diverged"], rows,
                    caption=f"Epochs to the milestone ({summary.get('milestone', '?')}) per "
                            f"series ({summary.get('percentiles', '')})."),
            _titled("Figures", "figures", s.figures(results.directory, s.MLP_SWEEP_FIGURES,
                                                    kind="mlp")),
            s.config_block(results),
            s.reproduce([f"lossexp sweep {results.name}.yaml --report"],
                        f"Save the config above as {results.name}.yaml, then run:")]
    seeds = summary.get("seeds") or {}
    lede = (f"{seeds.get('count', '?')} seeds per series from {seeds.get('from', '?')}; "
            f"{describe(every_series(results), start=False)}")
    return document(f"{results.name}: a sweep over seeds", lede, body, str(results.directory))


def _or_never(epochs):
    """A percentile of epochs to target; null in summary.json means beyond the budget."""
    return "never" if epochs is None else epochs


def _never_in(column: str, value):
    """A demo table's cell: null in a column of epochs is "never", as in its table.md."""
    return "never" if value is None and column.startswith("epochs") else value


def demo_page(results: sources.Results) -> str:
    summary = results.summary
    table = summary.get("table", [])
    header = list(table[0]) if table else []
    body = [s.heading(2, "What it shows", "findings"),
            "<ul>" + "".join(f"<li>{escape(str(f))}</li>" for f in summary.get("findings", []))
            + "</ul>",
            s.heading(2, "Summary", "summary"),
            s.table(header, [[_never_in(h, row.get(h)) for h in header] for row in table],
                    caption="table.md: one row per variant."),
            s.theory(summary),
            _titled("Figures", "figures", s.figures(results.directory, ("figure",))),
            s.reproduce([f"lossexp demo {summary.get('name', results.name)} --report",
                         "", "# each variant on its own:", *summary.get("commands", [])],
                        "Run the demo again, with this page:")]
    return document(f"Demo {summary.get('name', results.name)}: {summary.get('title', '')}",
                    f"lossexp demo {summary.get('name', results.name)}", body,
                    str(results.directory))


def compare_rows(runs: list[sources.Results]) -> list[list]:
    """(quantity, a value per run): compare.md's rows (the start, the settings and the
    outcome side by side), then each prediction of the theory beside its measure."""
    rows = [[label, *values] for label, values in
            side_by_side([Run(r.directory, r.config, r.metrics(), r.summary) for r in runs])]
    predicted = sorted({k for r in runs for k in r.summary if k.startswith(s.PREDICTED)})
    for key in predicted:
        measured = key[len(s.PREDICTED):]
        rows.append([f"{measured}: predicted",
                     *(s.shown(measured, r.summary.get(key), r.summary) if key in r.summary
                       else None for r in runs)])
        rows.append([f"{measured}: measured",
                     *(s.shown(measured, r.summary.get(measured), r.summary) if key in r.summary
                       else None for r in runs)])
    return rows


def _animated(directory: Path) -> str:
    """" --animate" where the page shows an animation, so the command remakes what it shows."""
    return " --animate" if (Path(directory) / ANIMATION).is_file() else ""


def compare_page(runs: list[sources.Results], out: Path) -> str:
    names = [r.name for r in runs]
    labels = column_labels(runs)
    body = [s.heading(2, "Side by side", "summary"),
            s.table(["", *labels], compare_rows(runs),
                    caption="Each run's start, settings and outcome."),
            s.animation(out)]
    if sources.figures(out, ("compare",)):
        body += [s.heading(2, "The curves overlaid", "figures"), s.figures(out, ("compare",))]
    body.append(s.derivations([r.config for r in runs]))
    body.append(s.heading(2, "Each run", "runs"))
    for index, (r, label) in enumerate(zip(runs, labels)):
        body += [s.heading(3, f"{label}: {describe(r.config)}"),
                 s.figures(r.directory, s.RUN_FIGURES,
                           kind=r.config.get("model", {}).get("kind", ""), prefix=f"r{index}-",
                           run=r),
                 f"<details><summary>config.yaml of {escape(label)}</summary>"
                 + s.pre((r.directory / "config.yaml").read_text(encoding="utf-8"))
                 + "</details>"]
    commands = [f"lossexp run {name}.yaml" for name in names]
    commands.append(shell_command("lossexp", "compare", *(f"outputs/{n}" for n in names),
                                  "--out", out, "--report") + _animated(out))
    body.append(s.reproduce(commands, "Save each run's config.yaml (under \"Each run\") as "
                                      "NAME.yaml, then run:"))
    return document(f"{len(runs)} runs compared", ", ".join(labels), body,
                    ", ".join(str(r.directory) for r in runs))


# --- choosing and writing --------------------------------------------------------------------

PAGES = {sources.RUN: run_page, sources.SWEEP: sweep_page, sources.DEMO: demo_page}


def write_report(directories, *, out: Path | None = None) -> Path:
    """Write report.html for the given results directories; return its path.

    One run, sweep or demo directory: its own page, in it. Several run directories: one
    comparison page in ``out`` (where ``lossexp compare`` wrote, or will write, its
    figure). One compare directory: its comparison page, from the runs its compare.md
    names.
    """
    found = [sources.read_results(d) for d in directories]
    if not found:
        raise LossexpError("give at least one results directory")
    if len(found) == 1 and found[0].kind in PAGES:
        page, where = PAGES[found[0].kind](found[0]), found[0].directory
    else:
        runs, where = _compared(found, out)
        page = compare_page(runs, where)
    where.mkdir(parents=True, exist_ok=True)
    claim(where, REPORT_PAGE)
    path = where / REPORT_PAGE
    atomic.write_text(path, page)
    return path


def _compared(found: list[sources.Results], out: Path | None):
    if len(found) == 1:  # a compare directory
        listed = sources.compared_runs(found[0])
        missing = [p for p in listed if not p.is_dir()]
        if not listed or missing:
            raise LossexpError(
                f"{found[0].directory}: the runs its compare.md lists "
                f"({', '.join(map(str, missing or listed)) or 'none'}) are not there from "
                f"here; name them: lossexp report RUN_DIR... --out {found[0].directory}")
        return [sources.read_results(p) for p in listed], found[0].directory
    others = [r for r in found if r.kind != sources.RUN]
    if others:
        raise LossexpError(f"{others[0].directory}: a {others[0].kind}; only runs can be "
                           f"compared on one page (report it on its own)")
    if out is None:
        raise LossexpError("several runs make one comparison page: say where with --out")
    return found, Path(out)
