"""The pieces of a sweep against plain references: starts, CSV rows, percentiles, sentence."""

import math

import numpy as np
import pytest

from lossexp.output.serialize import csv_text
from lossexp.sweep.chunk import sampled_starts, thinned_epochs
from lossexp.sweep.rows import COLUMNS, HEADER, rows_text
from lossexp.sweep.starts import RANDOM_BLOCK, GridStarts, RandomStarts
from lossexp.sweep.summary import percentile, sentence, sentence_numbers
from lossexp.train.outcome import NEVER

# --- starts --------------------------------------------------------------------------------

GRID = {"w": {"from": -2.0, "to": 3.0, "steps": 11}, "b": {"from": 1.0, "to": 4.0, "steps": 7}}


def test_grid_start_i_is_row_major_over_the_two_axes():
    starts = GridStarts(GRID)
    w, b = starts.values(0, starts.count)
    assert starts.count == 77
    for i in (0, 6, 7, 40, 76):
        assert w[i] == np.linspace(-2, 3, 11)[i // 7] and b[i] == np.linspace(1, 4, 7)[i % 7]
    assert (w[-1], b[-1]) == (3.0, 4.0)


@pytest.mark.parametrize("dist", [{"name": "normal", "mean": 0.5, "std": 2.0},
                                  {"name": "uniform", "low": -3.0, "high": 1.0}])
def test_random_starts_do_not_depend_on_how_they_are_cut(dist):
    starts = RandomStarts({"count": 2 * RANDOM_BLOCK + 100, "seed": 7, "distribution": dist})
    w_all, b_all = starts.values(0, starts.count)
    for lo, hi in ((0, 5), (RANDOM_BLOCK - 3, RANDOM_BLOCK + 4), (RANDOM_BLOCK + 9, 2 * RANDOM_BLOCK + 100)):
        w, b = starts.values(lo, hi)
        assert np.array_equal(w, w_all[lo:hi]) and np.array_equal(b, b_all[lo:hi])
    assert not np.array_equal(w_all, b_all)


def test_random_starts_follow_their_distribution():
    normal = RandomStarts({"count": 200_000, "seed": 1,
                           "distribution": {"name": "normal", "mean": 0.5, "std": 2.0}})
    w, b = normal.values(0, normal.count)
    for x in (w, b):  # standard error of the mean 0.0045, of the std 0.0032
        assert abs(x.mean() - 0.5) < 0.03 and abs(x.std() - 2.0) < 0.03
    assert abs(np.corrcoef(w, b)[0, 1]) < 0.01
    uniform = RandomStarts({"count": 50_000, "seed": 1,
                            "distribution": {"name": "uniform", "low": -3.0, "high": 1.0}})
    w, b = uniform.values(0, uniform.count)
    assert w.min() >= -3 and w.max() < 1 and abs(w.mean() + 1) < 0.03


def test_another_seed_gives_other_starts():
    a = RandomStarts({"count": 10, "seed": 1, "distribution": {"name": "normal", "mean": 0, "std": 1}})
    b = RandomStarts({"count": 10, "seed": 2, "distribution": {"name": "normal", "mean": 0, "std": 1}})
    assert not np.array_equal(a.values(0, 10)[0], b.values(0, 10)[0])


def test_grid_cells_are_grid_points_then_pooled():
    small = GridStarts(GRID)
    cells = small.cells(0, small.count, *small.values(0, small.count))
    assert np.array_equal(cells, np.arange(77))
    big = GridStarts({"w": {"from": 0, "to": 1, "steps": 300}, "b": {"from": 0, "to": 1, "steps": 3}})
    cells = big.cells(0, big.count, *big.values(0, big.count))
    assert big.cell_shape == (200, 3)
    assert np.array_equal(np.bincount(cells // 3, minlength=200),
                          np.bincount([iw * 200 // 300 for iw in range(300)], minlength=200) * 3)


def test_random_cells_bin_the_plane_and_leave_out_far_starts():
    starts = RandomStarts({"count": 1, "seed": 0, "distribution": {"name": "uniform", "low": -3.0, "high": 3.0}})
    w, b = np.array([-3.0, 2.999, 0.0, 5.0]), np.array([-3.0, 0.0, 2.999, 0.0])
    n = starts.cell_shape[0]
    assert starts.cells(0, 4, w, b).tolist() == [0, (n - 1) * n + n // 2, (n // 2) * n + n - 1, -1]


def test_sampled_starts_and_thinned_epochs():
    assert sampled_starts(100, 4).tolist() == [0, 25, 50, 75]
    assert sampled_starts(3, 10).tolist() == [0, 1, 2]
    assert sampled_starts(100, 0).size == 0
    assert thinned_epochs(5).tolist() == [0, 1, 2, 3, 4, 5]
    epochs = thinned_epochs(3000)
    assert epochs[0] == 0 and epochs[-1] == 3000 and epochs.size <= 201


# --- CSV rows --------------------------------------------------------------------------------

def test_rows_are_the_bytes_writers_csv_text_gives():
    # csv_text writes numbers only; the label column is prepended to its lines here.
    w0 = np.array([0.1, -0.0, 1e-300, 123456789.125])
    b0 = np.array([2.0, 1e16, -7.5, 3.0])
    z0 = w0 + b0
    outcome = {"epochs_to_target": np.array([0, NEVER, 17, 300]),
               "final_loss": np.array([np.nan, np.inf, 0.5, 1 / 3]),
               "final_output": np.array([0.25, 1.0, -np.inf, 2e-5]),
               "plateau_epochs": np.array([0, NEVER, 5, 0]),
               "half_way_epochs": np.array([0, NEVER, 9, 40]),
               "approach_epochs": np.array([0, NEVER, 8, 260]),
               "diverged": np.array([True, False, False, True])}
    text = HEADER + rows_text("quadratic lr=0.15", w0, b0, z0, outcome)
    epochs = {k: [None if v == NEVER else int(v) for v in outcome[k]]
              for k in ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs")}
    numbers = csv_text({"w0": w0, "b0": b0, "z0": z0, **{k: epochs.get(k, outcome[k]) for k in COLUMNS[4:]}})
    head, *lines = numbers.splitlines()
    reference = "".join(f"{label},{line}\n" for label, line in
                        zip(["series"] + ["quadratic lr=0.15"] * 4, [head, *lines]))
    assert text == reference
    assert text.splitlines()[2].split(",")[4] == "" and text.splitlines()[2].split(",")[7] == ""


# --- a chunk's tally --------------------------------------------------------------------------

def test_the_tally_sums_a_chunks_outcomes_as_plain_loops_do():
    from lossexp.sweep.starts import OUTSIDE
    from lossexp.sweep.tally import Z0_FIELDS, tally_chunk

    rng = np.random.default_rng(3)
    n, budget, n_bins = 500, 40, 9
    ett = rng.integers(0, budget + 1, n)
    ett[rng.random(n) < 0.3] = NEVER
    plateau = np.where(rng.random(n) < 0.5, 0, rng.integers(1, budget + 1, n))
    plateau[rng.random(n) < 0.2] = NEVER
    outcome = {"epochs_to_target": ett, "plateau_epochs": plateau,
               "diverged": rng.random(n) < 0.1}
    bins = rng.integers(0, n_bins, n)
    bins[rng.random(n) < 0.1] = OUTSIDE
    cells = rng.integers(0, 30, n)
    cells[rng.random(n) < 0.1] = OUTSIDE
    tally = tally_chunk(b"", outcome, cells, budget, [], np.empty((0, 0)), bins, n_bins)

    z0 = np.zeros((len(Z0_FIELDS), n_bins), dtype=np.int64)
    heat = {}  # cell: [starts, reached, epochs]
    diverged = outcome["diverged"]
    for t, p, k, c, d in zip(ett, plateau, bins, cells, diverged):
        if k != OUTSIDE:
            learnt = p > 0 and not d  # a start that blew up neither sat on a plateau nor left it
            z0[:, k] += [1, t != NEVER, t if t != NEVER else 0, learnt, p if learnt else 0,
                         p == NEVER and not d, t == 0, d]
        if c != OUTSIDE:
            cell = heat.setdefault(c, [0, 0, 0])
            cell[0] += 1
            cell[1] += t != NEVER
            cell[2] += t if t != NEVER else 0
    assert np.array_equal(tally.z0, z0)
    assert tally.heat_cells.tolist() == sorted(heat)
    assert np.array_equal(np.stack([tally.heat_count, tally.heat_reached, tally.heat_epochs]),
                          np.array([heat[c] for c in sorted(heat)]).T)
    assert np.array_equal(tally.epochs_to_target,
                          histogram([None if t == NEVER else t for t in ett], budget))
    # The plateaus of the starts that had to learn and did not diverge.
    assert np.array_equal(tally.plateau_epochs,
                          histogram([None if p == NEVER else p for p, t, d
                                     in zip(plateau, ett, diverged) if t != 0 and not d],
                                    budget))
    assert tally.diverged == outcome["diverged"].sum()

    none = tally_chunk(b"", outcome, None, budget, [], np.empty((0, 0)), None, n_bins)
    assert none.heat_cells.size == none.heat_count.size == 0
    assert none.z0.shape == (len(Z0_FIELDS), n_bins) and not none.z0.any()


def test_a_series_keeps_its_sampled_curves_not_the_chunk_files_they_came_in():
    from lossexp.sweep.tally import ChunkTally, SeriesTally, tally_chunk

    budget, n = 10, 4
    outcome = {"epochs_to_target": np.arange(n), "plateau_epochs": np.zeros(n, np.int64),
               "diverged": np.zeros(n, bool)}
    rows = b"w0,b0\n" * 100_000  # a chunk file is mostly its rows
    data = tally_chunk(rows, outcome, None, budget, [7, 9], np.ones((2, 5)), None, 3).to_bytes()
    read = ChunkTally.from_bytes(data)
    series = SeriesTally(budget, (2, 2), 3)
    series.add(read)
    assert sorted(series.curves) == [7, 9]
    for losses in series.curves.values():
        assert np.array_equal(losses, np.ones(5))
        assert losses.flags.owndata  # a view would keep the whole file, rows and all, alive


# --- percentiles and the sentence -----------------------------------------------------------

def histogram(epochs_to_target, budget):
    hist = np.zeros(budget + 2, dtype=np.int64)
    for t in epochs_to_target:
        hist[budget + 1 if t is None else t] += 1
    return hist


def reference_percentile(values, budget, percent):
    ordered = sorted(math.inf if v is None else v for v in values)
    value = ordered[math.ceil(percent * len(ordered) / 100) - 1]
    return None if value == math.inf else value


def reference_numbers(values, budget):
    slow = [math.inf if v is None else v for v in values]
    usual = [n for n in range(budget + 2) if 10 * sum(v < n for v in slow) >= 9 * len(slow)]
    some = [m for m in range(budget + 1) if 100 * sum(v > m for v in slow) >= len(slow)]
    return (usual[0] if usual else None), (some[-1] if some else None)


@pytest.mark.parametrize("seed", range(12))
def test_percentiles_and_sentence_numbers_match_a_sorted_list(seed):
    rng = np.random.default_rng(seed)
    budget = int(rng.integers(5, 60))
    n = int(rng.integers(1, 400))
    values = rng.integers(0, budget + 1, n).tolist()
    never = rng.random(n) < rng.choice([0.0, 0.005, 0.05, 0.3])
    values = [None if gone else v for v, gone in zip(values, never)]
    hist = histogram(values, budget)
    for percent in (50, 90, 99):
        assert percentile(hist, percent) == reference_percentile(values, budget, percent)
    assert sentence_numbers(hist) == reference_numbers(values, budget)


def test_no_starts_have_no_percentiles():
    # Every start on target at epoch 0 leaves no learners: nothing to take a percentile of.
    from lossexp.sweep.summary import _distribution

    empty = np.zeros(12, dtype=np.int64)
    assert all(percentile(empty, p) is None for p in (50, 90, 99))
    assert sentence_numbers(empty) == (None, None)
    assert _distribution(empty) == {"median": None, "p90": None, "p99": None, "max": None}


def test_the_sentence_reads_the_numbers():
    values = [3] * 80 + [10] * 15 + [40] * 5
    hist = histogram(values, 50)
    assert sentence_numbers(hist) == (11, 39)
    assert sentence(hist, 50) == ("usually reaches the target in under 11 epochs, "
                                  "but some starts take more than 39")


def test_the_sentence_when_many_never_arrive_or_all_arrive_together():
    assert sentence(histogram([2] * 5 + [None] * 5, 20), 20) == (
        "does not usually reach the target: only 50% of the starts that had to learn do within "
        "the 20-epoch budget")
    assert sentence(np.zeros(22, dtype=np.int64), 20).endswith("there is nothing to learn")
    assert sentence(histogram([4] * 100, 20), 20) == (
        "usually reaches the target in under 5 epochs, and over 99% of starts need no more than 4")
    assert sentence(histogram([0] * 100, 20), 20).endswith("on target from epoch 0")
    # 90% in under 15 and 1% over 15, but no tail: "more than 15" would read as a contradiction
    even = histogram([14] * 90 + [15] * 9 + [16] * 1, 20)
    assert sentence_numbers(even) == (15, 15)
    assert sentence(even, 20) == ("usually reaches the target in under 15 epochs, and over 99% "
                                  "of starts need no more than 16")
    tail = sentence(histogram([1] * 95 + [None] * 5, 20), 20)
    assert tail.endswith("more than 20 (the whole budget: 5 of 100 never reach it)")


def test_local_runs_threads_only_where_they_keep_up_with_processes():
    from lossexp.sweep.executors import THREADS_AT_MOST, local_kind

    assert local_kind(1) == local_kind(1, True) == "threads"
    assert local_kind(2) == "processes"  # rows of sweep.csv are formatted in Python
    assert local_kind(THREADS_AT_MOST, threads_suffice=True) == "threads"
    assert local_kind(16, threads_suffice=True) == "processes"  # the lock would be a queue
