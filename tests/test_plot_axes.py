"""Axis labelling shared by the figures."""

import pytest

from lossexp.output.plotting import log_y


@pytest.mark.parametrize("low, high, labels", [
    (0.018, 0.25, ["2e-02", "5e-02", "2e-01"]),  # inside about one decade: read off 2x and 5x
    (1e-5, 1.0, []),                               # five decades: the majors are enough
])
def test_a_log_axis_labels_its_2x_and_5x_ticks_only_when_it_spans_two_decades_or_less(
        low, high, labels):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [low, high])
    log_y(ax)
    fig.canvas.draw()  # the labels are decided with the final limits
    minor = [ascii_minus(t.get_text()) for t in ax.yaxis.get_minorticklabels() if t.get_text()]
    lo, hi = ax.get_ylim()
    assert [m for m in minor if lo <= float(m) <= hi] == labels


def ascii_minus(text: str) -> str:
    return text.replace("\N{MINUS SIGN}", "-")


def test_minor_and_major_labels_are_written_alike():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0.005, 0.3])
    log_y(ax)
    fig.canvas.draw()
    major = [t.get_text() for t in ax.yaxis.get_majorticklabels() if t.get_text()]
    minor = [t.get_text() for t in ax.yaxis.get_minorticklabels() if t.get_text()]
    assert "1e\N{MINUS SIGN}02" in major and "2e\N{MINUS SIGN}02" in minor
    assert all("-" not in label for label in major + minor)  # one minus sign throughout
