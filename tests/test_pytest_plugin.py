"""The pytest plugin, used as a course would: a test project of its own in a temp dir,
run by pytest in a subprocess, holding a curve with the curve_baseline fixture."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import CONFIGS

TEST_FILE = '''
def test_the_plateau_is_still_there(curve_baseline):
    curve_baseline("configs/unlucky.yaml")


def test_a_shipped_config_by_name(curve_baseline):
    curve_baseline("ce_lucky")
'''


def pytest_in(project, *args):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          check=False, cwd=project, env=env, capture_output=True, text=True, timeout=120)


def test_a_course_holds_its_curves_with_the_fixture(tmp_path):
    project = tmp_path / "course"
    (project / "configs").mkdir(parents=True)
    (project / "tests").mkdir()
    text = (CONFIGS / "mse_unlucky.yaml").read_text().replace("name: mse_unlucky", "name: unlucky")
    (project / "configs" / "unlucky.yaml").write_text(text)
    (project / "tests" / "test_curves.py").write_text(TEST_FILE)
    (project / "pytest.ini").write_text("[pytest]\n")

    missing = pytest_in(project)
    assert missing.returncode == 1, missing.stdout
    assert "no curve baseline" in missing.stdout and "--lossexp-update-baselines" in missing.stdout

    created = pytest_in(project, "--lossexp-update-baselines")
    assert created.returncode == 0, created.stdout + created.stderr
    baseline = project / "tests" / "baselines" / "unlucky.json"
    assert json.loads(baseline.read_text())["name"] == "unlucky"
    assert (project / "tests" / "baselines" / "ce_lucky.json").is_file()

    passed = pytest_in(project)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "2 passed" in passed.stdout

    # The curve moves (a larger lr): the test fails with the table of fields.
    (project / "configs" / "unlucky.yaml").write_text(text.replace("lr: 0.15", "lr: 0.3"))
    moved = pytest_in(project)
    assert moved.returncode == 1
    assert "out of tolerance" in moved.stdout and "final_loss" in moved.stdout
    assert "pytest --lossexp-update-baselines" in moved.stdout


def test_the_baseline_directory_comes_from_the_ini_option(tmp_path):
    project = tmp_path / "course"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_curves.py").write_text(
        'def test_it(curve_baseline):\n    curve_baseline("mse_lucky")\n')
    (project / "pytest.ini").write_text("[pytest]\nlossexp_baseline_dir = curves\n")
    done = pytest_in(project, "--lossexp-update-baselines")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "curves" / "mse_lucky.json").is_file()
