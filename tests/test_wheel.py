"""The tool as a new user gets it: a wheel built with `pip wheel .`, installed into a fresh
virtual environment, and used from an empty directory (no checkout anywhere in sight).

One wheel and one venv per session (~20 s on 2 cores, most of it pip installing numpy and
matplotlib from the package index or its cache). Set LOSSEXP_SKIP_WHEEL_TEST=1 to skip it
where pip cannot reach an index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import CONFIGS, REPO

pytestmark = pytest.mark.skipif(os.environ.get("LOSSEXP_SKIP_WHEEL_TEST") == "1",
                                reason="LOSSEXP_SKIP_WHEEL_TEST=1")


def run(*args, cwd, env=None, timeout=300):
    done = subprocess.run([str(a) for a in args], check=False, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A clean copy of the source tree: no build/ folder or compiled kernel to reuse."""
    copy = tmp_path_factory.mktemp("source") / "lossexp"
    skip = shutil.ignore_patterns(".git", "build", "dist", "outputs", "*.egg-info", "__pycache__",
                                  "*.so", "*.pyd", ".pytest_cache", "venv", ".venv")
    shutil.copytree(REPO, copy, ignore=skip)
    return copy


def build_wheel(source: Path, out: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
                           "--quiet", "-w", str(out), str(source)], check=False, cwd=out, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **env})


@pytest.fixture(scope="module")
def wheel(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = build_wheel(source, out)
    assert done.returncode == 0, done.stderr
    (found,) = out.glob("lossexp-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The bin/ (Scripts/) directory of a fresh venv with the wheel installed."""
    where = tmp_path_factory.mktemp("venv")
    venv.create(where, with_pip=True)
    bin_dir = where / ("Scripts" if sys.platform == "win32" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        wheel, cwd=where)
    return bin_dir


@pytest.fixture
def empty(tmp_path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def test_the_wheel_is_abi3_and_holds_the_kernel_and_the_configs(wheel):
    if sys.version_info >= (3, 11):
        assert "-cp311-abi3-" in wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    for compiled in ("lossexp/train/_neuron_kernel", "lossexp/train/_layers",
                     "lossexp/library/_sigmoid", "lossexp/output/_float_repr"):
        assert any(n.startswith(compiled) and n.endswith((".so", ".pyd")) for n in names)
    for config in CONFIGS.glob("*.yaml"):
        assert f"lossexp/configs/{config.name}" in names
    assert "lossexp/configs/baselines/mse_unlucky.json" in names
    assert "lossexp/py.typed" in names
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Typing :: Typed" in metadata


def test_run_sweep_demo_and_check_work_from_an_empty_directory(installed, empty):
    lossexp = installed / "lossexp"
    version = run(lossexp, "--version", cwd=empty).stdout
    assert "kernel: present" in version
    run(lossexp, "run", "mse_unlucky", "--quiet", "--no-plots", cwd=empty)
    summary = json.loads((empty / "outputs" / "mse_unlucky" / "summary.json").read_text())
    assert summary["final_output"] == pytest.approx(0.20, abs=0.01)
    run(lossexp, "sweep", "sweep_grid", "--set", "sweep.grid.w.steps=5",
        "--set", "sweep.grid.b.steps=5", "--workers", "1", "--no-plots", "--quiet", cwd=empty)
    assert (empty / "outputs" / "sweep_grid" / "summary.json").is_file()
    demo = run(lossexp, "demo", "outliers", "--no-plots", cwd=empty)
    assert "huber" in demo.stdout
    check = run(lossexp, "check", "mse_unlucky", "ce_unlucky_same_lr", "--json", cwd=empty)
    assert json.loads(check.stdout)["passed"] is True
    listed = run(lossexp, "configs", cwd=empty).stdout
    assert "mse_unlucky" in listed
    run(lossexp, "init", "mine", "--quiet", cwd=empty)
    assert (empty / "mine" / "mse_unlucky.yaml").is_file()
    assert sorted(p.name for p in empty.iterdir()) == ["mine", "outputs"]


@pytest.mark.skipif(sys.platform == "win32", reason="CC is how setuptools picks a compiler on POSIX")
def test_without_a_compiler_the_build_fails_unless_told_to_go_without_the_kernel(source,
                                                                                  tmp_path):
    shutil.rmtree(source / "build", ignore_errors=True)
    failed = build_wheel(source, tmp_path, CC="false", LDSHARED="false")
    assert failed.returncode != 0
    assert "set LOSSEXP_NO_KERNEL=1 to install without it" in failed.stdout + failed.stderr
    assert not list(tmp_path.glob("*.whl"))  # nothing for pip's cache to hand out later
    shutil.rmtree(source / "build", ignore_errors=True)
    done = build_wheel(source, tmp_path, CC="false", LDSHARED="false", LOSSEXP_NO_KERNEL="1")
    assert done.returncode == 0, done.stderr
    (plain,) = tmp_path.glob("*.whl")
    assert plain.name.endswith("-py3-none-any.whl")
    assert not any(n.endswith((".so", ".pyd")) for n in zipfile.ZipFile(plain).namelist())
