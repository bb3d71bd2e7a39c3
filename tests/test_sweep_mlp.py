"""MLP sweeps over seeds: a row is `lossexp run` with that init seed and values, bit for bit;
the files do not depend on executor, worker count or chunk size; resume; the config's
errors; the summary's sentence."""

import json

import numpy as np
import pytest
import yaml
from test_sweep_support import fail_chunk, run_files

from lossexp.config import load_config
from lossexp.errors import ConfigError, LossexpError
from lossexp.run.experiment import run_experiment
from lossexp.sweep import SweepIncomplete, load_sweep_config, run_sweep
from lossexp.sweep.kinds import plan_of
from lossexp.sweep.mlp_chunk import majority_share, seed_params
from lossexp.sweep.mlp_summary import sentences
from lossexp.train.model import build_model

MLP = {
    "task": {"kind": "blobs", "classes": 2, "one_hot": False, "per_class": 10, "radius": 2.0,
             "spread": 0.6},
    "model": {"kind": "mlp", "layers": [2, 6, 1], "hidden_activation": "sigmoid",
              "output_activation": "sigmoid", "init": {"scheme": "normal", "scale": 3.0}},
    "loss": "quadratic",
    "train": {"lr": 0.5, "epochs": 30, "seed": 6},
    "plots": False,
}
SEEDS = {"seeds": 6, "scales": [1.0, 3.0], "losses": ["quadratic", "cross_entropy"]}


def write(tmp_path, sweep=SEEDS, name="ms", **changes):
    data = {"name": name, **MLP, **changes}
    if sweep is not None:
        data["sweep"] = sweep
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def read_rows(path):
    head, *lines = path.read_text().splitlines()
    return [dict(zip(head.split(","), line.split(","))) for line in lines]


def epochs(cell):
    return int(cell) if cell else None


def test_every_row_equals_lossexp_run_with_that_seed_and_scale_bit_for_bit(tmp_path):
    cfg = load_sweep_config(write(tmp_path))
    rows = read_rows(run_sweep(cfg, tmp_path / "out", executor="threads", workers=1,
                               chunk_size=4).run_dir / "sweep.csv")
    assert len(rows) == 4 * 6
    run_path = write(tmp_path, sweep=None, name="single")
    kinds = set()
    for row in rows:
        loss, scale = row["series"].split()[0], row["series"].split()[1].split("=")[1]
        single = run_experiment(load_config(run_path, [
            f"model.init.seed={row['seed']}", f"model.init.scale={scale}", f"loss.name={loss}"]))
        s = single.summary
        assert row["final_loss"] == repr(s["final_loss"])
        assert row["initial_loss"] == repr(s["initial_loss"])
        assert float(row["final_accuracy"]) == s["final_accuracy"]
        assert float(row["initial_accuracy"]) == s["initial_accuracy"]
        for name in ("epochs_to_95pct_accuracy", "epochs_to_target", "plateau_epochs",
                     "half_way_epochs", "approach_epochs"):
            assert epochs(row[name]) == s[name], name
        assert float(row["final_saturated"]) == single.metrics["saturated_2"][-1]
        assert row["diverged"] == ("true" if s["diverged"] else "false")
        kinds.add((loss, s["plateau_epochs"] != 0))
    assert ("quadratic", True) in kinds  # the sweep holds plateaus to compare


def test_a_network_of_seed_s_is_drawn_as_run_draws_it_for_seed_s(tmp_path):
    path = write(tmp_path, sweep=None, name="single")
    cfg = load_config(path)
    batch = seed_params(cfg["model"]["init"], [2, 6, 1], [3, 7])
    for i, seed in enumerate((3, 7)):
        _, alone, _ = build_model(load_config(path, [f"train.seed={seed}"]))
        for got, want in zip((*batch.weights, *batch.biases), (*alone.weights, *alone.biases)):
            assert np.array_equal(got[i:i + 1], want)


def test_files_do_not_depend_on_executor_workers_or_chunk_size(tmp_path):
    cfg = load_sweep_config(write(tmp_path, plots=True))
    whole = run_files(run_sweep(cfg, tmp_path / "a", executor="threads", workers=1).run_dir)
    assert {"sweep.csv", "summary.json", "plateaus.png", "cdf.png", "stuck.png"} <= set(whole)
    small = run_sweep(cfg, tmp_path / "b", executor="processes", workers=2, chunk_size=4)
    assert run_files(small.run_dir) == whole
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = run_sweep(cfg, tmp_path / "c", executor="dask", client=client, chunk_size=5)
    assert run_files(dask.run_dir) == whole


def test_a_failed_chunk_is_reported_by_seeds_and_resume_finishes_the_same_files(
        tmp_path, monkeypatch):
    cfg = load_sweep_config(write(tmp_path))
    whole = run_files(run_sweep(cfg, tmp_path / "whole", chunk_size=4, workers=1).run_dir)
    with monkeypatch.context() as patch:
        fail_chunk(patch, 3)
        with pytest.raises(SweepIncomplete) as info:
            run_sweep(cfg, tmp_path / "out", executor="threads", workers=1, chunk_size=4)
    (failure,) = info.value.failures
    assert "seeds 4..5" in str(failure) and "scale=3 " in str(failure)
    resumed = run_sweep(cfg, tmp_path / "out", executor="threads", workers=1, resume=True)
    assert (resumed.computed, resumed.reused) == (1, 7)
    assert run_files(resumed.run_dir) == whole


def test_summary_counts_match_the_rows_and_the_sentence_compares_the_losses(tmp_path):
    cfg = load_sweep_config(write(tmp_path, {**SEEDS, "scales": None, "longer_than": 2}))
    run_dir = run_sweep(cfg, tmp_path / "out", workers=1).run_dir
    rows = read_rows(run_dir / "sweep.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    for series in summary["series"]:
        mine = [r for r in rows if r["series"] == series["series"]]
        # A network that diverged neither sat on a plateau nor left one.
        plateaus = [epochs(r["plateau_epochs"]) for r in mine if r["diverged"] == "false"]
        longer = sum(p is None or p > 2 for p in plateaus)
        assert series["plateau_longer_than_percent"] == 100 * longer / len(mine)
        assert series["plateaued"] == sum(p != 0 for p in plateaus)
        assert series["stuck"] == sum(r["stuck"] == "true" for r in mine)
        assert series["never_reached"] == sum(not r["epochs_to_95pct_accuracy"] for r in mine)
    (text,) = summary["sentences"]
    q, ce = (f"{s['plateau_longer_than_percent']:.3g}%" for s in summary["series"])
    assert text == (f"with the quadratic cost {q} of seeds sit on a plateau longer than 2 "
                    f"epochs; with cross-entropy {ce}")


def test_sentences_name_scale_and_lr_only_where_the_sweep_varies_them():
    rows = [{"series": "quadratic scale=1 lr=0.5", "loss": {"name": "quadratic"}, "init_scale": s,
             "lr": 0.5, "plateau_longer_than_percent": p} for s, p in ((1.0, 10.0), (3.0, 41.5))]
    assert sentences(rows, 100) == [
        "init scale 1 lr 0.5: with the quadratic cost 10% of seeds sit on a plateau longer than "
        "100 epochs", "init scale 3 lr 0.5: with the quadratic cost 41.5% of seeds sit on a "
        "plateau longer than 100 epochs"]


def test_the_majority_share_of_labels_and_one_hot_targets():
    assert majority_share(np.array([[1.0], [0.0], [0.0], [0.0]])) == 0.75
    assert majority_share(np.eye(3)[[0, 1, 1, 2, 1]]) == 0.6


def test_seeds_are_a_count_or_a_range_and_set_works(tmp_path):
    cfg = load_sweep_config(write(tmp_path), ["sweep.seeds={from: 100, count: 3}"])
    assert cfg["sweep"]["seeds"] == {"from": 100, "count": 3}
    plan = plan_of(cfg)
    assert plan.seeds(plan.chunk(0)).tolist() == [100, 101, 102]
    assert load_sweep_config(write(tmp_path), ["sweep.seeds=2"])["sweep"]["seeds"] == {
        "from": 0, "count": 2}
    assert [s.label for s in plan.series] == [
        "quadratic scale=1 lr=0.5", "quadratic scale=3 lr=0.5",
        "cross_entropy scale=1 lr=0.5", "cross_entropy scale=3 lr=0.5"]


@pytest.mark.parametrize("sweep, changes, key, words", [
    ({"seeds": 0}, {}, "sweep.seeds", "must be >= 1"),
    ({"seeds": 3, "scales": [1.0, 1.0]}, {}, "sweep.scales.1", "repeats item 0"),
    ({"seeds": 3, "curves": 2}, {}, "sweep.curves", "keeps no loss curves"),
    ({"seeds": 3, "grid": {"w": {"from": 0, "to": 1, "steps": 2},
                           "b": {"from": 0, "to": 1, "steps": 2}}}, {}, "sweep.grid", "not both"),
    ({"seeds": 3, "scales": [1.0]}, {"model": {**MLP["model"], "init": {"scheme": "he"}}},
     "sweep.scales", "takes no scale"),
    ({"seeds": 3}, {"model": {**MLP["model"], "init": {"scheme": "normal", "seed": 4}}},
     "model.init.seed", "leave model.init.seed out"),
    ({"random": {"count": 3}, "scales": [1.0]}, {}, "sweep.scales", "only an MLP sweep"),
])
def test_config_errors_are_one_line_naming_file_line_and_key(tmp_path, sweep, changes, key, words):
    path = write(tmp_path, sweep, **changes)
    with pytest.raises(ConfigError) as info:
        load_sweep_config(path)
    err = info.value
    assert err.key == key and words in err.problem, str(err)
    assert err.where.startswith(str(path) + ":") and "\n" not in str(err)


def test_seeds_need_an_mlp(tmp_path):
    neuron = {"kind": "neuron", "activation": "sigmoid", "init": {"w": 1.0, "b": 1.0}}
    with pytest.raises(ConfigError) as info:
        load_sweep_config(write(tmp_path, {"seeds": 3}, model=neuron,
                                task={"kind": "one_to_zero"}))
    assert info.value.key == "sweep.seeds" and "neuron sweep takes grid" in info.value.problem


def test_the_report_of_an_mlp_sweep_shows_its_sentences_table_and_figures(tmp_path):
    from lossexp.report.page import write_report

    cfg = load_sweep_config(write(tmp_path, plots=True))
    result = run_sweep(cfg, tmp_path / "out", executor="threads", workers=1)
    page = write_report([result.run_dir]).read_text(encoding="utf-8")
    assert "a sweep over seeds" in page and page.count("<figure") == 3
    for text in result.summary["sentences"]:
        assert text in page
    assert "cross_entropy scale=3 lr=0.5" in page


def test_the_command_prints_the_table_and_the_sentences_and_takes_sets(tmp_path, cli):
    path = write(tmp_path)
    result = cli("sweep", path, "--outputs", tmp_path / "out", "--workers", "1",
                 "--set", "sweep.seeds=3", "--set", "sweep.longer_than=5")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "ms" / "summary.json").read_text())
    assert summary["seeds"] == {"from": 0, "count": 3} and summary["longer_than"] == 5
    assert "ms: 3 seeds x 4 series, 30 epochs" in result.stdout
    for text in summary["sentences"]:
        assert text in result.stdout
    bad = cli("sweep", path, "--outputs", tmp_path / "bad", "--set", "sweep.scales=[0]")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1, bad.stderr
    assert "sweep.scales.0" in bad.stderr and not (tmp_path / "bad").exists()


def test_an_mlp_sweep_replaces_only_what_lossexp_wrote(tmp_path):
    cfg = load_sweep_config(write(tmp_path, {"seeds": 2}))
    foreign = tmp_path / "out" / "ms"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(LossexpError, match="not a directory lossexp wrote"):
        run_sweep(cfg, tmp_path / "out")
    assert (foreign / "notes.txt").read_text() == "mine"
    (foreign / "notes.txt").unlink()
    first = run_sweep(cfg, tmp_path / "out")
    assert (first.run_dir / ".lossexp.json").is_file()  # marked: a rerun may replace it
    assert run_sweep(cfg, tmp_path / "out").replaced


def test_the_sentence_names_two_variants_of_one_loss_apart():
    from lossexp.sweep.mlp_summary import sentences

    def row(series, loss, share):
        return {"series": series, "loss": loss, "init_scale": 1.0, "lr": 0.5,
                "plateau_longer_than_percent": share}

    plain = row("quadratic convention=plain scale=1 lr=0.5",
                {"name": "quadratic", "convention": "plain"}, 20.0)
    half = row("quadratic scale=1 lr=0.5", {"name": "quadratic"}, 10.0)
    ce = row("cross_entropy scale=1 lr=0.5", {"name": "cross_entropy"}, 0.0)
    assert sentences([half, plain], 100) == [
        "with quadratic 10% of seeds sit on a plateau longer than 100 epochs; with quadratic "
        "convention=plain 20%"]
    assert sentences([half, ce], 100) == [  # one of each: in words
        "with the quadratic cost 10% of seeds sit on a plateau longer than 100 epochs; with "
        "cross-entropy 0%"]
