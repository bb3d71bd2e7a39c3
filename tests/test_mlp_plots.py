"""An MLP run draws its figures: loss (with accuracy), output delta, layers, saturation."""

from pathlib import Path

from lossexp.config import load_config
from lossexp.run.experiment import run_experiment
from lossexp.run.figures import plot_run

XOR = Path(__file__).resolve().parents[1] / "configs" / "mlp_xor.yaml"


def test_an_mlp_run_draws_every_figure(tmp_path):
    cfg = load_config(XOR, ["train.epochs=20"])
    result = run_experiment(cfg)
    paths = plot_run(cfg, result.metrics, result.summary, tmp_path, result.output_preactivations)
    assert sorted(p.name for p in paths) == sorted(
        f"{stem}.{ext}" for stem in ("loss", "gradients", "layers", "saturation")
        for ext in ("png", "svg"))
    assert all(p.stat().st_size > 1000 for p in paths)


def test_without_preactivations_an_mlp_has_no_saturation_figure(tmp_path):
    cfg = load_config(XOR, ["train.epochs=5"])
    result = run_experiment(cfg)
    paths = plot_run(cfg, result.metrics, result.summary, tmp_path)
    assert "saturation.png" not in {p.name for p in paths}
