"""Sweeps read by z0: with one sample the outcome depends on (w0, b0) only through
z0 = w0 x + b0; starts already on target are counted apart."""

import itertools
import json

import numpy as np
from test_sweep_support import write_config

from lossexp.sweep import load_sweep_config, run_sweep
from lossexp.sweep.plan import Plan
from lossexp.sweep.summary import sentence_numbers

# Integer steps, so that many (w0, b0) share a z0 exactly: z0 = w0 + b0 on -8 .. 8.
LATTICE = {"grid": {"w": {"from": -4, "to": 4, "steps": 9}, "b": {"from": -4, "to": 4, "steps": 9}},
           "losses": ["quadratic", "cross_entropy"]}
OUTCOME = ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs", "diverged")


def read_rows(path):
    head, *lines = path.read_text().splitlines()
    return [dict(zip(head.split(","), line.split(","))) for line in lines]


def sweep(tmp_path, spec=LATTICE, **changes):
    cfg = load_sweep_config(write_config(tmp_path, spec, **changes))
    return cfg, run_sweep(cfg, tmp_path / "out").run_dir


def test_starts_with_the_same_z0_have_the_same_outcome(tmp_path):
    _, run_dir = sweep(tmp_path)
    by_z0 = {}
    for row in read_rows(run_dir / "sweep.csv"):
        by_z0.setdefault((row["series"], float(row["z0"])), []).append(row)
    shared = [rows for rows in by_z0.values() if len(rows) > 1]
    assert len(shared) >= 20  # the lattice puts up to 9 starts on one z0
    for rows in shared:
        first = rows[0]
        for row in rows[1:]:
            assert {k: row[k] for k in OUTCOME} == {k: first[k] for k in OUTCOME}
            # w and b move apart, z alike: only rounding separates their final losses.
            assert float(row["final_loss"]) == np.float64(first["final_loss"]) or abs(
                float(row["final_loss"]) - float(first["final_loss"])) <= 1e-12 * float(first["final_loss"])


def test_starts_on_target_at_epoch_0_are_counted_apart(tmp_path):
    _, run_dir = sweep(tmp_path)
    rows = read_rows(run_dir / "sweep.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    for series in summary["series"]:
        mine = [r for r in rows if r["series"] == series["series"]]
        at_start = sum(r["epochs_to_target"] == "0" for r in mine)
        assert series["on_target_at_start"] == at_start > 0  # z0 < -2.2: output below 0.1
        assert series["had_to_learn"] == len(mine) - at_start
        learners = [int(r["epochs_to_target"]) if r["epochs_to_target"] else None
                    for r in mine if r["epochs_to_target"] != "0"]
        # The sentence's N: the least N with 90 % of the learners on target in under N epochs.
        budget = summary["epochs"]
        hist = np.zeros(budget + 2, dtype=np.int64)
        for e in learners:
            hist[budget + 1 if e is None else e] += 1
        assert (series["usually_under"], series["some_more_than"]) == sentence_numbers(hist)
        assert hist[0] == 0


def test_the_figure_is_drawn_against_z0_for_one_sample_and_over_the_plane_for_several(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, LATTICE, name="one", plots=True))
    one = run_sweep(cfg, tmp_path / "one").run_dir
    assert (one / "z0.png").exists() and not (one / "heatmap.png").exists()
    several = {"kind": "regression", "samples": 8, "noise": 0.1}
    spec = {"grid": LATTICE["grid"], "losses": ["quadratic", "mae"]}
    cfg = load_sweep_config(write_config(tmp_path, spec, name="several", plots=True,
                                         task=several,
                                         model={"kind": "neuron", "activation": "identity",
                                                "init": {"w": 0.0, "b": 0.0}}))
    assert not Plan(cfg).one_sample
    plane = run_sweep(cfg, tmp_path / "several").run_dir
    assert (plane / "heatmap.png").exists() and not (plane / "z0.png").exists()


def test_the_z0_tallies_hold_the_rows(tmp_path):
    from lossexp.sweep.chunk import train_chunk
    from lossexp.sweep.starts import z0_bins

    cfg, run_dir = sweep(tmp_path)
    plan = Plan(cfg, chunk_size=25)
    rows = read_rows(run_dir / "sweep.csv")
    totals = sum(train_chunk(plan, plan.chunk(i)).z0 for i in range(plan.chunks_per_series))
    z0 = np.array([float(r["z0"]) for r in rows if r["series"].startswith("quadratic")])
    bins = z0_bins(z0, plan.z0_edges)
    assert (bins >= 0).all() and totals[0].sum() == z0.size  # every start in its bin
    np.testing.assert_array_equal(totals[0], np.bincount(bins, minlength=totals.shape[1]))
    reached = np.array([r["epochs_to_target"] != "" for r in rows if r["series"].startswith("quadratic")])
    np.testing.assert_array_equal(totals[1], np.bincount(bins, reached, minlength=totals.shape[1]))


def test_the_z0_figure_shades_exactly_the_bins_on_target_from_the_start(tmp_path, monkeypatch):
    from lossexp.sweep import figures

    drawn, real = {}, figures.z0_figure

    def keep(plan, tallies):
        drawn.update(plan=plan, tallies=tallies, fig=real(plan, tallies))
        return drawn["fig"]

    monkeypatch.setattr(figures, "z0_figure", keep)
    random = {"random": {"count": 5000, "seed": 3}, "losses": ["quadratic", "cross_entropy"]}
    for name, spec in (("lattice", LATTICE), ("random", random)):
        run_sweep(load_sweep_config(write_config(tmp_path, spec, name=name, plots=True)),
                  tmp_path / name)
        plan, tallies = drawn["plan"], drawn["tallies"]
        starts = sum(t.by_z0("starts") for t in tallies)
        on_target = (sum(t.by_z0("on_target_at_start") for t in tallies) == starts) & (starts > 0)
        assert on_target.any() and not on_target.all()
        centres = 0.5 * (plan.z0_edges[:-1] + plan.z0_edges[1:])
        for ax in drawn["fig"].axes[:2]:
            spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches)
            shaded = np.zeros(centres.size, dtype=bool)
            for lo, hi in spans:
                shaded |= (centres > lo) & (centres < hi)
            assert np.array_equal(shaded, on_target), name
            # One span for each run of neighbouring bins: none begins where another ends.
            assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), name


def test_diverging_starts_draw_their_figures_without_a_warning(tmp_path):
    # The identity neuron's losses overflow at lr 100: matplotlib's log axis overflows on
    # them too, which must not escape as a warning (pytest turns warnings into errors).
    several = {"kind": "regression", "samples": 8, "noise": 0.1}
    identity = {"kind": "neuron", "activation": "identity", "init": {"w": 0.0, "b": 0.0}}
    spec = {"grid": LATTICE["grid"], "lrs": [0.1, 100.0], "curves": 3}
    cfg = load_sweep_config(write_config(tmp_path, spec, name="wild", plots=True,
                                         task=several, model=identity))
    run_dir = run_sweep(cfg, tmp_path / "out").run_dir
    assert {"heatmap.png", "cdf.png", "curves.png"} <= {p.name for p in run_dir.iterdir()}


def test_the_z0_legend_names_only_what_the_figure_draws(tmp_path, monkeypatch):
    from lossexp.sweep import figures

    drawn, real = [], figures.z0_figure
    monkeypatch.setattr(figures, "z0_figure", lambda *a: drawn.append(real(*a)) or drawn[-1])
    none_on_target = {"grid": {"w": {"from": 0, "to": 0, "steps": 1},
                               "b": {"from": 0, "to": 6, "steps": 13}}}
    for name, spec in (("lattice", LATTICE), ("upper", none_on_target)):
        run_sweep(load_sweep_config(write_config(tmp_path, spec, name=name, plots=True)),
                  tmp_path / name)
    labels = [[t.get_text() for t in fig.axes[0].get_legend().get_texts()] for fig in drawn]
    on_target = "on target from epoch 0: nothing to learn"
    assert on_target in labels[0] and on_target not in labels[1]


def test_starts_that_blow_up_are_counted_as_diverged_not_as_still_on_the_plateau(tmp_path,
                                                                                 monkeypatch):
    """An identity neuron at lr 1.5 flips z past the target and twice as far out each epoch:
    its loss is finite but beyond 1e100 after 300 epochs. Those starts diverged (as their
    loss.png says), and the figure marks them so, not as sitting on a plateau."""
    from lossexp.sweep import figures

    drawn, real = [], figures.z0_figure
    monkeypatch.setattr(figures, "z0_figure", lambda *a: drawn.append(real(*a)) or drawn[-1])
    identity = {"kind": "neuron", "activation": "identity", "init": {"w": 0.0, "b": 0.0}}
    spec = {"grid": LATTICE["grid"], "lrs": [0.1, 1.5]}
    cfg, run_dir = sweep(tmp_path, spec, model=identity, plots=True)
    rows = read_rows(run_dir / "sweep.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    calm, wild = summary["series"]
    flipped = [r for r in rows if r["series"] == wild["series"]]
    assert wild["diverged"] == sum(r["diverged"] == "true" for r in flipped) > 70
    assert calm["diverged"] == 0 and "diverged" not in calm["sentence"]
    assert wild["sentence"].endswith(f"({wild['diverged']} of {wild['starts']} starts diverged)")
    assert all(float(r["final_loss"]) > 1e100 for r in flipped if r["diverged"] == "true")
    labels = [t.get_text() for t in drawn[0].axes[0].get_legend().get_texts()]
    assert "most starts diverged (loss beyond 1e+100)" in labels
    assert not any(label.startswith("most starts still on the plateau") for label in labels)


def test_the_cdf_counts_the_starts_the_table_counts_so_its_90_percent_line_is_p90(
        tmp_path, monkeypatch):
    from lossexp.sweep import figures

    drawn, real = [], figures.cdf_figure
    monkeypatch.setattr(figures, "cdf_figure", lambda *a: drawn.append(real(*a)) or drawn[-1])
    _, run_dir = sweep(tmp_path, plots=True)  # a third of the lattice is on target at epoch 0
    summary = json.loads((run_dir / "summary.json").read_text())
    lines = [line for line in drawn[0].axes[0].get_lines() if line.get_label()[0] != "_"]
    for series, line in zip(summary["series"], lines):
        assert series["on_target_at_start"] > 0
        share = np.asarray(line.get_ydata())
        assert share[0] == 0  # those on target from epoch 0 are left out, as in the table
        for name, level in (("p90", 0.9), ("p99", 0.99)):
            reached = np.flatnonzero(share >= level)
            assert series["epochs_to_target"][name] == (int(reached[0]) if reached.size
                                                        else None), name


def test_a_sweep_too_short_to_reach_anything_draws_its_figures_without_a_warning(tmp_path):
    # In 5 epochs only the starts next to the target reach it: the epochs-to-target panel
    # held nothing positive for its log axis, and matplotlib warned on stderr.
    import subprocess
    import sys

    from conftest import CONFIGS

    done = subprocess.run([sys.executable, "-m", "lossexp", "sweep",
                           str(CONFIGS / "sweep_grid.yaml"), "--set", "train.epochs=5",
                           "--set", "sweep.grid.w.steps=5", "--set", "sweep.grid.b.steps=5",
                           "--outputs", str(tmp_path), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
