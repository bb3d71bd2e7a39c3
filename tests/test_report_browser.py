"""Each kind of report.html opened in headless Chromium, as a phone would show it, and
checked by an HTML validator (HTML Tidy).

Neither tool is skipped when missing: the test fails and says how to install it, so CI
cannot pass without having looked at the pages in a browser.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from PIL import Image

import chromium
from conftest import CONFIGS

PHONE = 390  # CSS pixels: an iPhone 12-15's viewport width

SWEEP = """\
name: tiny_sweep
task: {kind: one_to_zero}
model: {kind: neuron, activation: sigmoid, init: {w: 2.0, b: 2.0}}
loss: {name: quadratic}
train: {lr: 0.15, epochs: 60}
sweep:
  grid:
    w: {from: -6, to: 6, steps: 9}
    b: {from: -6, to: 6, steps: 9}
  losses: [quadratic, cross_entropy]
  curves: 5
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """report.html of a run (with its animation), a sweep, a comparison and a demo."""
    from typer.testing import CliRunner

    from lossexp.cli import app

    out = tmp_path_factory.mktemp("reports")

    def lossexp(*args):
        done = CliRunner().invoke(app, [str(a) for a in args])
        assert done.exit_code == 0, done.output

    for name in ("mse_lucky", "mse_unlucky", "ce_unlucky"):
        lossexp("run", CONFIGS / f"{name}.yaml", "--outputs", out, "--quiet",
                *(["--report", "--animate"] if name == "mse_unlucky" else []))
    lossexp("compare", out / "mse_lucky", out / "mse_unlucky", out / "ce_unlucky",
            "--out", out / "compare", "--report", "--animate", "--quiet")
    (out / "tiny_sweep.yaml").write_text(SWEEP, encoding="utf-8")
    lossexp("sweep", out / "tiny_sweep.yaml", "--outputs", out, "--report", "--quiet")
    lossexp("demo", "outlier_factor", "--outputs", out, "--report", "--quiet")
    return {"run": out / "mse_unlucky" / "report.html",
            "sweep": out / "tiny_sweep" / "report.html",
            "compare": out / "compare" / "report.html",
            "demo": out / "demo_outlier_factor" / "report.html"}


# Per kind: the figures the page must show (animation first where there is one), and the
# section headings it must have.
EXPECTED = {
    "run": (["img", "svg", "svg", "svg"],
            ["Summary", "Theory and measurement", "The neuron learning, epoch by epoch", "Figures", "Why: the derivation",
             "Config", "Reproduce it"]),
    "sweep": (["img", "img", "img"],
              ["Summary", "Figures", "Why: the derivation", "Config", "Reproduce it"]),
    "compare": (["img", "svg"] + ["svg"] * 9,
                ["Side by side", "The neuron learning, epoch by epoch", "The curves overlaid",
                 "Why: the derivation", "Each run", "Reproduce it"]),
    "demo": (["svg"], ["What it shows", "Summary", "Figures", "Reproduce it"]),
}


class Outline(HTMLParser):
    """From the DOM Chromium dumped: headings, tables (rows) and figures (their media)."""

    def __init__(self):
        super().__init__()
        self.h1, self.h2, self.tables, self.figures = [], [], [], []
        self._heading, self._figure = None, False

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2"):
            self._heading = tag
            getattr(self, tag).append("")
        elif tag == "table":
            self.tables.append(0)
        elif tag == "tr" and self.tables:
            self.tables[-1] += 1
        elif tag == "figure":
            self._figure = True
        elif tag in ("svg", "img") and self._figure:
            self.figures.append(tag)
            self._figure = False

    def handle_endtag(self, tag):
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            getattr(self, self._heading)[-1] += data


@pytest.fixture(scope="module")
def seen(pages):
    if chromium.find() is None:
        pytest.fail(chromium.INSTALL_HINT, pytrace=False)
    return {kind: chromium.load(path, width=PHONE) for kind, path in pages.items()}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_the_page_loads_alone_with_no_error(seen, kind):
    assert seen[kind].console_errors == []
    assert seen[kind].requests == []  # nothing fetched: no CDN, font, script or image


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_figure_heading_and_table_is_there(seen, kind):
    media, headings = EXPECTED[kind]
    outline = Outline()
    outline.feed(seen[kind].dom)
    assert len(outline.h1) == 1 and outline.h1[0]
    assert outline.h2 == headings
    assert outline.tables and all(rows >= 2 for rows in outline.tables)
    assert outline.figures == media
    for figure in seen[kind].measured["figures"]:
        assert figure["drawn"], figure
        assert figure["width"] > PHONE * 0.8 and figure["height"] > 100, figure
        assert figure["caption"].strip()


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_no_sideways_scrolling_on_a_phone(seen, kind):
    measured = seen[kind].measured
    assert measured["innerWidth"] == PHONE
    assert measured["scrollWidth"] <= PHONE


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_the_screenshot_shows_a_page(seen, kind):
    shot = Image.open(io.BytesIO(seen[kind].screenshot)).convert("L")
    assert shot.width == PHONE and shot.height > 1500
    top = shot.crop((0, 0, PHONE, 120))  # the title
    darkest, lightest = top.getextrema()
    assert darkest < 80 and lightest > 240
    colours = shot.convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    assert len(colours.getcolors()) > 16  # text and figures, not a blank or error page


def tidy() -> str:
    path = shutil.which("tidy")
    if path is None:
        pytest.fail("HTML Tidy (the HTML validator these tests use) was not found. Install it: "
                    "`apt-get install -y --no-install-recommends tidy` on Debian/Ubuntu "
                    "(.ci/run does)", pytrace=False)
    return path


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_the_html_validates(pages, kind):
    done = subprocess.run([tidy(), "-q", "-e", "--show-warnings", "yes", str(pages[kind])],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")


def test_the_validator_does_catch_mistakes(tmp_path):
    """Tidy is worth its place only if it fails a broken page: an unclosed element,
    a stray end tag and an id used twice."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>t'
                    '</title></head><body><main><p id="a">x</p><p id="a">y</p><div></h2>'
                    '</main></body></html>\n', encoding="utf-8")
    done = subprocess.run([tidy(), "-q", "-e", str(page)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert re.search(r'anchor "a" already defined', done.stderr)
    assert "missing </div>" in done.stderr or "discarding unexpected </h2>" in done.stderr


def test_printed_the_page_fits_the_paper_and_drops_the_links(pages):
    """As printed on A4 (about 700 CSS pixels inside the margins): no content cut off at
    the side, and the table of contents, useless on paper, left out."""
    if chromium.find() is None:
        pytest.fail(chromium.INSTALL_HINT, pytrace=False)
    printed = chromium.load(pages["compare"], width=700, media="print")
    assert printed.console_errors == [] and printed.requests == []
    assert printed.measured["scrollWidth"] <= 700
    assert not printed.measured["navShown"]
    assert all(f["drawn"] and f["width"] > 600 for f in printed.measured["figures"])
