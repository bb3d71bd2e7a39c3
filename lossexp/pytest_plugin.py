"""A pytest plugin (entry point ``pytest11``): hold curve shapes in a course's own tests.

    def test_the_plateau_is_still_there(curve_baseline):
        curve_baseline("configs/mse_unlucky.yaml")

``curve_baseline(config)`` reruns a run config and compares it with its baseline, exactly
as ``lossexp check`` does, failing the test with the table of fields out of tolerance. A
missing baseline fails too, naming the option that creates it:

    pytest --lossexp-update-baselines

creates missing baselines and rewrites those the rerun no longer matches (keeping their
tolerances), and the tests pass. Baselines live in ``<rootdir>/tests/baselines`` unless
the ini option ``lossexp_baseline_dir`` (relative to the rootdir) or the fixture's
``baseline_dir=`` says otherwise. A relative config path is taken from the rootdir; a bare
name such as ``"mse_unlucky"`` is the shipped config of that name.

Loading the plugin imports nothing heavy: numpy comes in when a test first uses the fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

UPDATE_OPTION = "--lossexp-update-baselines"
DIR_INI = "lossexp_baseline_dir"


def pytest_addoption(parser):
    group = parser.getgroup("lossexp", "lossexp curve baselines")
    group.addoption(UPDATE_OPTION, action="store_true", default=False,
                    help="Create missing lossexp curve baselines and rewrite those that no "
                         "longer match, instead of failing the tests that use them.")
    parser.addini(DIR_INI, default="tests/baselines",
                  help="Directory of lossexp curve baselines, relative to the rootdir "
                       "(default: tests/baselines).")


class CurveBaseline:
    """The ``curve_baseline`` fixture: call it with a config to check (or update) its curve."""

    def __init__(self, root: Path, directory: Path, update: bool):
        self.root, self.directory, self.update = root, directory, update
        self.done: list[str] = []  # what each call did, for the test to look at

    def __call__(self, config, *, baseline_dir=None) -> None:
        from lossexp.config import shipped
        from lossexp.curves import baselines
        from lossexp.errors import LossexpError

        given = Path(config)
        path = given if given.is_absolute() else self.root / given
        if not path.exists():
            path = shipped.resolve(given)
        directory = Path(baseline_dir) if baseline_dir is not None else self.directory
        if not directory.is_absolute():
            directory = self.root / directory
        cases, sweeps = baselines.collect([path], directory)
        if sweeps:
            raise LossexpError(f"{config}: a sweep config (it has a sweep: section); curve "
                               "baselines are for run configs")
        case = cases[0]
        if self.update:
            directory.mkdir(parents=True, exist_ok=True)
            self.done.append(f"{case.path}: {baselines.make_baseline(case)}")
            return
        expected = baselines.existing_baseline(case)
        if expected is None:
            pytest.fail(f"no curve baseline for {config} at {case.path}; create it with: "
                        f"pytest {UPDATE_OPTION}", pytrace=False)
        comparison = baselines.compare(expected, baselines.measure(case.cfg))
        if not comparison.passed:
            pytest.fail(f"{baselines.failure_report(case, comparison)}\nif the change is "
                        f"intended: pytest {UPDATE_OPTION}", pytrace=False)
        self.done.append(f"{case.path}: matches")


@pytest.fixture
def curve_baseline(request) -> CurveBaseline:
    """Call with a run config (path or shipped name): its curve must match its baseline."""
    config = request.config
    return CurveBaseline(Path(config.rootpath), Path(config.getini(DIR_INI)),
                         bool(config.getoption(UPDATE_OPTION)))
