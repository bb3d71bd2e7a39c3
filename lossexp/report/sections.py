"""The parts of a report page, each an HTML fragment built from a results directory.

Every value that came from a file is escaped; figures are inlined (SVG as markup, PNG and
GIF as data: URLs), so the page needs nothing but itself.
"""

from __future__ import annotations

import base64
import math
import re
from html import escape
from pathlib import Path

from lossexp.output.rundir import ANIMATION
from lossexp.report import sources
from lossexp.report.captions import CAPTIONS, caption
from lossexp.run.outcome_rows import never_reached

RUN_FIGURES = ("loss", "gradients", "saturation", "residuals", "layers")
SWEEP_FIGURES = ("z0", "heatmap", "cdf", "curves")
MLP_SWEEP_FIGURES = ("plateaus", "cdf", "stuck")


def number(value) -> str:
    """A value for a table cell: 4 significant digits, integers and text as they are."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4g}" if value != int(value) or abs(value) >= 1e6 else f"{value:.0f}"
    return str(value)


def heading(level: int, text: str, anchor: str | None = None) -> str:
    ident = f' id="{escape(anchor)}"' if anchor else ""
    return f"<h{level}{ident}>{escape(text)}</h{level}>"


def table(header: list[str] | None, rows: list[list], *, caption: str = "",
          row_headers: bool = True) -> str:
    """A table in a box that scrolls sideways by itself, never the page."""
    # The caption as a paragraph above, not a <caption>: that would be as wide as the
    # table and scroll out of sight with it on a phone.
    parts = [f'<p class="table-caption">{escape(caption)}</p>' if caption else "",
             '<div class="table-wrap"><table>']
    if header:
        parts.append("<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>'
                                             for h in header) + "</tr></thead>")
    parts.append("<tbody>")
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f'<th scope="row">{escape(number(value))}</th>')
            else:
                numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
                cls = ' class="num"' if numeric else ""
                cells.append(f"<td{cls}>{escape(number(value))}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def pre(text: str, label: str = "") -> str:
    aria = f' aria-label="{escape(label)}"' if label else ""
    return f"<pre{aria}><code>{escape(text.rstrip())}</code></pre>"


# --- figures ---------------------------------------------------------------------------------

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_DROPPED = re.compile(r"<metadata>.*?</metadata>|<style[^>]*>.*?</style>|<!--.*?-->", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def inline_svg(text: str, prefix: str, label: str) -> str:
    """matplotlib's SVG as inline markup: no XML prologue, metadata or global style, ids
    prefixed so that several figures on one page never share one, and sized by the page."""
    svg = _DROPPED.sub("", _PROLOGUE.sub("", text, count=1))
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f'{head} role="img" aria-label="{escape(label)}">{rest.strip()}'


def data_url(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def figure(path: Path, caption: str, prefix: str, label: str) -> str:
    """One figure and its sentence; SVG inline, a PNG or GIF as a data: URL."""
    if path.suffix == ".svg":
        body = inline_svg(path.read_text(encoding="utf-8"), prefix, label)
    else:
        mime = {".png": "image/png", ".gif": "image/gif"}[path.suffix]
        body = f'<img src="{data_url(path, mime)}" alt="{escape(label)}">'
    return f"<figure>{body}<figcaption>{escape(caption)}</figcaption></figure>"


def figures(directory: Path, stems, *, kind: str = "", prefix: str = "",
            run: sources.Results | None = None) -> str:
    """The figures of ``stems`` found in ``directory``, each with what to read in it (for
    a ``run``'s own figures, what this run's figure shows)."""
    parts = []
    for stem, path in sources.figures(directory, stems):
        text = caption(stem, kind, run.config if run else None, run.summary if run else None)
        parts.append(figure(path, text, f"{prefix}{stem}", f"{stem} figure ({path.name})"))
    return "".join(parts)


def animation(directory: Path) -> str:
    path = directory / ANIMATION
    if not path.is_file():
        return ""
    return (heading(2, "The neuron learning, epoch by epoch", "animation")
            + figure(path, CAPTIONS["animation"], "animation",
                     "animation: the point moving along the activation and the cost"))


# --- numbers ---------------------------------------------------------------------------------

PREDICTED = "predicted_"


def shown(key: str, value, summary: dict):
    """A summary value as a page shows it: an epoch count never reached as "never", as the
    terminal's table and compare.md do."""
    return "never" if value is None and never_reached(key, summary) else value


def summary_rows(summary: dict) -> list[list]:
    """summary.json as (key, value) rows; predicted_* keys go to theory_rows instead."""
    return [[key, shown(key, value, summary)] for key, value in summary.items()
            if not key.startswith(PREDICTED) and not isinstance(value, (dict, list))]


def theory_rows(summary: dict) -> list[list]:
    """(quantity, predicted, measured) for each predicted_<key> in the summary."""
    rows = []
    for key, value in summary.items():
        if key.startswith(PREDICTED):
            measured = key[len(PREDICTED):]
            rows.append([measured, shown(measured, value, summary),
                         shown(measured, summary.get(measured), summary)])
    return rows


def theory(summary: dict) -> str:
    rows = theory_rows(summary)
    if not rows:
        return ""
    return (heading(2, "Theory and measurement", "theory")
            + table(["quantity", "predicted", "measured"], rows,
                    caption="What the theory predicts (predicted_* in summary.json) beside "
                            "what the run measured."))


def explanation(e) -> str:
    """``lossexp explain``'s derivation for one loss × activation pair."""
    if e is None:
        return ""
    lines = [e.cost, e.output, f"delta = dC/dz = {e.delta}" + ("   (fused: computed from z)"
                                                                if e.fused else "")]
    if e.warning:
        lines.append(f"warning: {e.warning}")
    else:
        if e.vanishing:
            lines.append(f"vanishing factor: {e.vanishing}")
        x = e.example
        if x is not None:
            def nums(values):
                text = ", ".join(f"{v + 0.0:.4g}" for v in values)
                return text if len(values) == 1 else f"({text})"
            slope = "" if x.slope is None else f", da/dz = {nums(x.slope)}"
            where = ("a start far from the target" if e.saturation_region == "never"
                     else "a saturated start")
            lines.append(f"at {where} z = {nums(x.z)}, "
                         f"y = {nums(x.y)}: "
                         f"a = {nums(x.a)}, dC/da = {nums(x.dc_da)}{slope}, "
                         f"delta = {nums(x.delta)}")
    return (heading(3, f"{e.loss} + {e.activation}")
            + f"<p>{escape(e.summary)}</p>"
            + pre("\n".join(lines), f"lossexp explain {e.loss} {e.activation}"))


def derivations(configs: list[dict]) -> str:
    seen, parts = set(), []
    for config in configs:
        e = sources.explanation(config)
        if e is not None and (e.loss, e.activation) not in seen:
            seen.add((e.loss, e.activation))
            parts.append(explanation(e))
    if not parts:
        return ""
    return (heading(2, "Why: the derivation", "why")
            + "<p>What <code>lossexp explain LOSS ACTIVATION</code> prints for the pair: the "
              "output error δ = dC/dz, and the factor in it that vanishes when the "
              "activation saturates.</p>" + "".join(parts))


def config_block(results: sources.Results) -> str:
    path = results.directory / "config.yaml"
    if not path.is_file():
        return ""
    return (heading(2, "Config", "config")
            + f"<p>The fully resolved <code>config.yaml</code> of {escape(results.name)}.</p>"
            + pre(path.read_text(encoding="utf-8"), "config.yaml"))


def reproduce(lines: list[str], note: str) -> str:
    return (heading(2, "Reproduce it", "reproduce") + f"<p>{escape(note)}</p>"
            + pre("\n".join(lines), "commands"))
