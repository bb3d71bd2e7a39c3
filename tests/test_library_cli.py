"""lossexp list / explain / demo, and bad loss settings in configs (exit 2, one line)."""

import subprocess
import sys

import pytest
from conftest import NEURON_CONFIG

from lossexp.library import activations, catalogue, losses


@pytest.fixture
def console_width(monkeypatch):
    """console_width(n): lossexp's stdout console is n columns wide for this test."""
    from lossexp.cli import console

    def set_width(columns):
        monkeypatch.setattr(console._console("out"), "width", columns)
    return set_width


def test_list_on_a_wide_terminal_is_two_tables(cli, console_width):
    console_width(140)
    done = cli("list")
    assert done.exit_code == 0, done.output
    for name in losses.names() + activations.names():
        assert f"│ {name} " in done.stdout
    assert "│ huber " in done.stdout and "clip(a - y, -delta, delta)" in done.stdout


def test_list_on_80_columns_gives_each_name_its_own_lines(cli, console_width):
    console_width(80)
    done = cli("list")
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert "│" not in done.stdout and max(len(line.rstrip()) for line in lines) <= 80
    for name in losses.names() + activations.names():
        assert name in lines  # the name alone on its line, its fields indented below
    huber = lines[lines.index("huber"):lines.index("smooth_l1")]
    assert "  d loss / da  clip(a - y, -delta, delta)" in [line.rstrip() for line in huber]
    sigmoid = lines[lines.index("sigmoid"):lines.index("tanh")]
    assert "  saturates where  |z| > 3.6: slope < 0.025" in [line.rstrip() for line in sigmoid]


def test_a_demo_table_too_wide_for_the_console_becomes_one_entry_per_variant():
    from rich.console import Console

    from lossexp.cli.library import _report
    from lossexp.demos.reports import Report

    report = Report("r", "t", ["run", "final loss per sample", "max |w - w'|"],
                    [["N=1000, sum, lr 0.0001", 0.0013094, 4.4409e-16]], findings=[])

    def shown(width):
        console = Console(width=width, record=True)
        console.print(_report(report, console))
        return console.export_text()

    wide, narrow = shown(100), shown(40)
    assert "┃ run " in wide and "0.001309" in wide and "4.441e-16" in wide
    assert "┃" not in narrow and max(len(line.rstrip()) for line in narrow.splitlines()) <= 40
    assert "N=1000, sum, lr 0.0001" in narrow.splitlines()
    assert any(line.split() == ["max", "|w", "-", "w'|", "4.441e-16"] for line in narrow.splitlines())


def test_output_to_a_pipe_wraps_at_120_columns_unless_columns_says(monkeypatch):
    import io

    from lossexp.cli import console

    monkeypatch.setattr("sys.stdout", io.StringIO())  # a pipe, even under pytest -s
    console._console.cache_clear()
    try:
        assert console._console("out").width == console.PIPED_WIDTH == 120
        console._console.cache_clear()
        monkeypatch.setenv("COLUMNS", "90")
        assert console._console("out").width == 90
    finally:
        console._console.cache_clear()


def test_list_rows_carry_formulas_gradients_defaults_and_saturation():
    rows = {r.name: r for r in catalogue.loss_rows()}
    assert (rows["huber"].gradient, rows["huber"].params) == (
        "clip(a - y, -delta, delta)", ("delta = 1 (> 0)",))
    assert rows["quantile"].params == ("q = 0.5 (> 0, < 1)",)
    assert rows["quadratic"].params == ("convention = half (half | plain)",
                                        "weights = none (one per output)")
    acts = {r.name: r for r in catalogue.activation_rows()}
    assert (acts["sigmoid"].derivative, acts["sigmoid"].saturation_region) == (
        "sigma(z) (1 - sigma(z))", "|z| > 3.6: slope < 0.025")
    assert acts["leaky_relu"].params == ("alpha = 0.01 (> 0, < 1)",)


def test_explain_quadratic_sigmoid_names_the_vanishing_factor(cli):
    done = cli("explain", "quadratic", "sigmoid")
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert "delta = dC/dz = (a - y) * sigma(z) (1 - sigma(z))" in out
    assert "vanishing factor: sigma(z) (1 - sigma(z))" in out
    # At the classic unlucky start z = 4, y = 0: a = 0.982, sigma'(4) = 0.01766,
    # delta = 0.982 * 0.01766 = 0.01735.
    assert "a = 0.982, dC/da = 0.982, da/dz = 0.01766, delta = 0.01735" in out


def test_explain_cross_entropy_sigmoid_is_fused_and_nothing_vanishes(cli):
    out = cli("explain", "cross_entropy", "sigmoid").stdout
    assert "delta = dC/dz = a - y   (fused" in out
    assert "vanishing factor" not in out
    assert "delta = 0.982" in out


@pytest.mark.parametrize("activation, gives", [("tanh", "(-1, 1)"), ("identity", "all reals")])
def test_explain_refuses_a_pair_that_run_refuses_exit_2(cli, activation, gives, tmp_path,
                                                        write_config):
    result = cli("explain", "cross_entropy", activation)
    assert result.exit_code == 2
    assert "delta = dC/dz = " in result.stdout  # the formulas still show why
    problem = f"cross_entropy reads outputs in [0, 1] but {activation} gives {gives}"
    assert result.stderr == f"error: {problem}: `lossexp run` refuses this pair\n"
    run = cli("run", write_config(NEURON_CONFIG), "--set", f"model.activation={activation}",
              "--set", "loss=cross_entropy", "--outputs", tmp_path)
    assert run.exit_code == 2 and problem in run.stderr


@pytest.mark.parametrize("args, message", [
    (("explain", "quadratc", "sigmoid"), "unknown loss 'quadratc' (did you mean 'quadratic'?)"),
    (("explain", "mae", "sigmod"), "unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
    (("demo", "outlyers"), "unknown demo 'outlyers' (did you mean 'outliers'?)"),
])
def test_unknown_names_exit_2_with_one_line(cli, args, message):
    done = cli(*args)
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr


def bad_config(loss_line: str) -> str:
    return NEURON_CONFIG.replace("loss: {name: quadratic}", loss_line)


@pytest.mark.parametrize("loss_line, overrides, message", [
    ("loss: quadratc", (), "cfg.yaml:7: loss.name: unknown loss 'quadratc' "
                           "(did you mean 'quadratic'?)"),
    ("loss: {name: huber, delta: -1}", (), "cfg.yaml:7: loss.delta: must be > 0, got -1"),
    ("loss: {name: quantile, q: 1.5}", (), "cfg.yaml:7: loss.q: must be < 1, got 1.5"),
    ("loss: {name: huber, delt: 2}", (), "cfg.yaml:7: loss.delt: unknown key "
                                         "(did you mean 'delta'?)"),
    ("loss: {name: quadratic, convention: halve}", (),
     "loss.convention: must be one of half, plain, got 'halve' (did you mean 'half'?)"),
    ("loss: {name: quantile}", ("--set", "loss.q=0"), "--set loss.q=0: loss.q: must be > 0, got 0"),
])
def test_bad_loss_settings_in_a_config_exit_2_with_one_line(cli, write_config, tmp_path,
                                                            loss_line, overrides, message):
    path = write_config(bad_config(loss_line))
    done = cli("run", path, "--outputs", tmp_path / "out", *overrides)
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1
    assert message in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_loss_parameter_clash_found_when_the_model_is_built_still_exits_2(cli, write_config,
                                                                             tmp_path):
    path = write_config(bad_config("loss: {name: gaussian_nll, heteroscedastic: true, "
                                   "variance: 2.0}"))
    done = cli("run", path, "--outputs", tmp_path / "out")
    assert done.exit_code == 2 and done.stderr.count("\n") == 1
    assert "variance" in done.stderr and not (tmp_path / "out").exists()


def test_demo_without_a_name_lists_the_demos(cli):
    done = cli("demo")
    assert done.exit_code == 0
    for name in ("outlier_factor", "outliers", "quantiles", "heteroscedastic", "sse_vs_mse",
                 "signed_error", "multi_output"):
        assert name in done.stdout


def test_demo_outlier_factor_prints_and_writes_its_table(cli, tmp_path):
    done = cli("demo", "outlier_factor", "--outputs", tmp_path, "--no-plots")
    assert done.exit_code == 0, done.output
    assert "grows 18328-fold" in done.stdout
    written = sorted(p.name for p in (tmp_path / "demo_outlier_factor").iterdir())
    assert written == [".lossexp.json", "summary.json", "table.md"]


def test_library_commands_do_not_import_numpy_for_help():
    code = ("import sys\nfrom lossexp.cli import app\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'matplotlib')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "[]", done.stderr


def test_explain_signed_error_gives_the_true_derivative_and_the_rules_step_apart(cli):
    out = cli("explain", "signed_error", "sigmoid").stdout
    assert "dC/da = -1 (the rule steps with 1 instead)" in out  # C = y - a: dC/da is -1
    assert "delta = 0.01766" in out
