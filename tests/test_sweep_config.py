"""The sweep: section is validated like the rest of the config: file:line, key, problem."""

import pytest
from test_sweep_support import GRID, write_config

from lossexp.errors import ConfigError
from lossexp.sweep import load_sweep_config
from lossexp.sweep.series import series_of


def error_of(tmp_path, sweep, overrides=(), **changes) -> ConfigError:
    path = write_config(tmp_path, sweep, **changes)
    with pytest.raises(ConfigError) as info:
        load_sweep_config(path, overrides)
    return info.value


def line_of(path, text) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_a_grid_config_resolves_with_defaults(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    assert cfg["sweep"]["grid"]["w"] == {"from": -5.0, "to": 5.0, "steps": 7}
    assert cfg["sweep"]["random"] is None and cfg["sweep"]["curves"] == 0
    assert [s.config["loss"]["name"] for s in series_of(cfg)] == ["quadratic", "cross_entropy"]


def test_random_starts_default_to_a_standard_normal(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, {"random": {"count": 10}}))
    assert cfg["sweep"]["random"] == {"count": 10, "seed": 0,
                                      "distribution": {"name": "normal", "mean": 0.0, "std": 1.0}}


def test_both_grid_and_random_is_refused_at_the_sweep_line(tmp_path):
    err = error_of(tmp_path, {**GRID, "random": {"count": 5}})
    path = tmp_path / "sw.yaml"
    assert err.where == f"{path}:{line_of(path, 'sweep:')}"
    assert err.key == "sweep" and "exactly one of grid" in err.problem


def test_neither_grid_nor_random_is_refused(tmp_path):
    assert "exactly one of grid" in error_of(tmp_path, {"losses": ["quadratic"]}).problem


def test_a_bad_range_names_its_key_and_line(tmp_path):
    sweep = {"grid": {"w": {"from": 1, "to": -1, "steps": 3}, "b": {"from": 0, "to": 1, "steps": 2}}}
    err = error_of(tmp_path, sweep)
    assert err.key == "sweep.grid.w.to" and "greater than from" in err.problem
    assert err.where.endswith(f":{line_of(tmp_path / 'sw.yaml', 'to: -1')}")


@pytest.mark.parametrize("sweep, key", [
    ({"grid": {"w": {"from": -1e308, "to": 1e308, "steps": 2},
               "b": {"from": 0, "to": 1, "steps": 2}}}, "sweep.grid.w.to"),
    ({"random": {"count": 10, "distribution": {"name": "uniform", "low": -1e308, "high": 1e308}}},
     "sweep.random.distribution.high"),
])
def test_a_range_too_wide_for_float64_is_refused(tmp_path, sweep, key):
    # 1e308 - (-1e308) overflows: the grid's steps would be NaN starts.
    err = error_of(tmp_path, sweep)
    assert err.key == key and "too wide for float64" in err.problem


def test_a_single_step_range_must_be_one_value(tmp_path):
    sweep = {"grid": {"w": {"from": 1, "to": 2, "steps": 1}, "b": {"from": 0, "to": 1, "steps": 2}}}
    assert error_of(tmp_path, sweep).key == "sweep.grid.w.to"


def test_unknown_distribution_suggests_the_close_name(tmp_path):
    err = error_of(tmp_path, {"random": {"count": 5, "distribution": "normall"}})
    assert err.key == "sweep.random.distribution.name" and "'normal'" in err.problem


def test_unknown_loss_in_the_list_is_refused_with_its_index(tmp_path):
    err = error_of(tmp_path, {**GRID, "losses": ["quadratic", "cross_entropi"]})
    assert err.key == "sweep.losses.1.name" and "cross_entropy" in err.problem


def test_repeated_series_are_refused(tmp_path):
    err = error_of(tmp_path, {**GRID, "lrs": [0.1, 0.2, 0.1]})
    assert err.key == "sweep.lrs.2" and "repeats item 0" in err.problem


def test_override_errors_point_at_the_set(tmp_path):
    err = error_of(tmp_path, GRID, ["sweep.grid.b.steps=0"])
    assert err.where == "--set sweep.grid.b.steps=0"


def test_a_set_that_breaks_a_section_is_named_beside_the_section_line(tmp_path):
    # The file's grid is fine; the --set adds random starts beside it.
    err = error_of(tmp_path, GRID, ["sweep.random.count=10"])
    path = tmp_path / "sw.yaml"
    assert err.where == f"{path}:{line_of(path, 'sweep:')} (with --set sweep.random.count=10)"
    assert err.key == "sweep" and "exactly one of grid" in err.problem


def test_a_sweep_config_given_to_run_is_sent_to_sweep(tmp_path):
    from lossexp.config import load_config

    path = write_config(tmp_path, GRID, name="my sweep")  # a name a shell must see quoted
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.where == f"{path}:{line_of(path, 'sweep:')}"
    assert info.value.problem.startswith(f"this is a sweep config: run it with `lossexp sweep "
                                         f"'{path}'`")


def test_missing_sweep_section_is_reported(tmp_path):
    path = tmp_path / "plain.yaml"
    path.write_text("task: {kind: one_to_zero}\nmodel: {kind: neuron, activation: sigmoid, "
                    "init: {w: 1, b: 1}}\nloss: quadratic\ntrain: {lr: 0.1, epochs: 5}\n")
    with pytest.raises(ConfigError) as info:
        load_sweep_config(path)
    assert info.value.key == "sweep" and "missing" in info.value.problem


def test_a_sweep_needs_a_single_neuron(tmp_path):
    mlp = {"kind": "mlp", "layers": [1, 3, 1], "output_activation": "sigmoid"}
    err = error_of(tmp_path, GRID, model=mlp)
    assert err.key == "model.kind" and "single neuron" in err.problem
    assert err.where.endswith(f":{line_of(tmp_path / 'sw.yaml', 'kind: mlp')}")


def test_series_are_losses_times_learning_rates_losses_outermost(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, {**GRID, "lrs": [0.5, 0.05]}))
    labels = [s.label for s in series_of(cfg)]
    assert labels == ["quadratic lr=0.5", "quadratic lr=0.05",
                      "cross_entropy lr=0.5", "cross_entropy lr=0.05"]
    assert [s.config["train"]["lr"] for s in series_of(cfg)] == [0.5, 0.05, 0.5, 0.05]
    assert all("sweep" not in s.config for s in series_of(cfg))


def test_without_lists_the_config_itself_is_the_one_series(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, {"random": {"count": 3}}, loss="cross_entropy"))
    (only,) = series_of(cfg)
    assert only.label == "cross_entropy lr=0.15" and only.config["loss"] == {"name": "cross_entropy"}


def test_a_set_that_makes_the_model_an_mlp_is_named(tmp_path):
    mlp = "model={kind: mlp, layers: [1, 1], output_activation: sigmoid}"
    err = error_of(tmp_path, GRID, [mlp])
    assert (err.where, err.key) == (f"--set {mlp}", "model.kind")
    assert "single neuron" in err.problem


def test_every_loss_of_the_series_must_fit_the_neuron(tmp_path):
    two_heads = {"name": "gaussian_nll", "heteroscedastic": True}
    err = error_of(tmp_path, {**GRID, "losses": ["quadratic", two_heads]})
    assert err.key == "sweep.losses.1" and "needs 2 outputs" in err.problem
    assert err.where.endswith(f":{line_of(tmp_path / 'sw.yaml', 'name: gaussian_nll')}")


@pytest.mark.parametrize("sweep, overrides, problem", [
    ({"random": {"count": 5}}, ["sweep.random.count=1e12"],
     "1,000,000,000,000 starts is more than the 1,000,000,000 starts a sweep may train; "
     "sweep fewer"),
    ({"grid": {"w": {"from": -1, "to": 1, "steps": 40000},
               "b": {"from": -1, "to": 1, "steps": 40000}}}, [],
     "a grid of 40000 x 40000 is more than the 1,000,000,000 starts a sweep may train; "
     "sweep fewer"),
    ({"random": {"count": 600_000_000}, "lrs": [0.1, 0.2]}, [],
     "600,000,000 starts in each of 2 series is more than the 1,000,000,000 starts a sweep "
     "may train; "
     "sweep fewer"),
])
def test_a_sweep_too_big_to_train_is_refused_at_validation_with_the_limit(tmp_path, sweep,
                                                                         overrides, problem):
    err = error_of(tmp_path, sweep, overrides)
    assert err.problem == problem
    assert err.key in ("sweep.random.count", "sweep.grid")


def test_a_run_config_given_to_sweep_says_what_to_do_instead(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("name: r\ntask: {kind: one_to_zero}\nmodel: {kind: neuron, activation: "
                    "sigmoid, init: {w: 2.0, b: 2.0}}\nloss: quadratic\ntrain: {lr: 0.1, epochs: 5}\n")
    with pytest.raises(ConfigError) as info:
        load_sweep_config(path)
    assert info.value.key == "sweep"
    assert info.value.problem.startswith(f"this is a run config, with no sweep: section: train "
                                         f"its one start with `lossexp run {path}`, or add")


def test_an_mlp_sweep_too_big_to_train_is_refused_with_its_limit(cli, tmp_path):
    """1e12 seeds were accepted, and the command took 7 GB listing their chunks."""
    from conftest import CONFIGS

    result = cli("sweep", CONFIGS / "sweep_mlp_seeds.yaml", "--set", "sweep.seeds=2000000",
                 "--outputs", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.endswith("sweep.seeds: 2,000,000 seeds in each of 6 series is more "
                                  "than the 10,000,000 networks a sweep may train; sweep "
                                  "fewer\n")
    assert not (tmp_path / "out").exists()
