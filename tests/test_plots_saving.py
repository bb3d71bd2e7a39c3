"""Figure files: the same bytes whether saved in one process or split with a forked child."""

import sys

import pytest
from conftest import CONFIGS

from lossexp.config import load_config
from lossexp.output import figure_files
from lossexp.run import figures
from lossexp.run.experiment import run_experiment

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork path is Linux-only")


@pytest.fixture(scope="module")
def unlucky():
    cfg = load_config(CONFIGS / "mse_unlucky.yaml")
    return cfg, run_experiment(cfg)


def draw(unlucky, directory, *, fork):
    cfg, result = unlucky
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(figure_files, "_can_fork", lambda: fork)
        return figures.plot_run(cfg, result.metrics, result.summary, directory)


def test_forked_and_serial_saving_write_the_same_files(unlucky, tmp_path):
    for name in ("forked", "serial"):
        (tmp_path / name).mkdir()
    forked = draw(unlucky, tmp_path / "forked", fork=True)
    serial = draw(unlucky, tmp_path / "serial", fork=False)
    names = sorted(p.name for p in forked)
    assert names == sorted(p.name for p in serial) == sorted(
        f"{stem}.{fmt}" for stem in ("loss", "gradients", "saturation") for fmt in ("png", "svg"))
    for name in names:
        assert (tmp_path / "forked" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes(), name


def test_a_failure_in_the_child_fails_the_call(unlucky, tmp_path, monkeypatch):
    real = figure_files._save_as

    def broken(fig, directory, stem, fmt):
        if (stem, fmt) == ("saturation", "svg"):  # the last file: always the child's share
            raise OSError("disk full")
        return real(fig, directory, stem, fmt)

    monkeypatch.setattr(figure_files, "_save_as", broken)
    with pytest.raises(RuntimeError, match="saturation.svg failed: OSError: disk full"):
        draw(unlucky, tmp_path, fork=True)
