"""A pytest helper: fail a test when a config's curve no longer has the shape it had.

    from lossexp.testing import assert_curve_matches

    def test_plateau_is_still_there():
        assert_curve_matches("configs/mse_unlucky.yaml")

The baseline is the file ``lossexp baseline`` writes (``<baseline_dir>/<config stem>.json``);
the comparison is exactly the one ``lossexp check`` makes.
"""

from __future__ import annotations

from pathlib import Path

from lossexp.curves.baselines import DEFAULT_DIR


def assert_curve_matches(config, *, baseline_dir=DEFAULT_DIR) -> None:
    """Rerun ``config`` and raise AssertionError listing every field out of tolerance.

    Args:
        config: path of a run config (YAML).
        baseline_dir: directory holding the baselines; relative paths are taken from the
            current directory, as on the command line.
    Raises:
        AssertionError: a field is out of tolerance, or the baseline does not exist (it is
            never created here; the message gives the command that creates it).
        lossexp.errors.LossexpError: the config or the baseline file is malformed, or
            ``config`` is a sweep config.
    """
    from lossexp.curves import baselines
    from lossexp.errors import LossexpError

    cases, sweeps = baselines.collect([config], Path(baseline_dir))
    if sweeps:
        raise LossexpError(f"{config}: a sweep config (it has a sweep: section); "
                           "curve baselines are for run configs")
    case = cases[0]
    expected = baselines.existing_baseline(case)
    if expected is None:
        raise AssertionError(f"no curve baseline for {config} at {case.path}; "
                             f"create it with: {case.command()}")
    comparison = baselines.compare(expected, baselines.measure(case.cfg))
    if not comparison.passed:
        raise AssertionError(baselines.failure_report(case, comparison))
