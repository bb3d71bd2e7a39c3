"""The compiled repr(float) of whole arrays writes exactly repr's strings, or is not used."""

import numpy as np
import pytest

from lossexp.output import serialize

float_repr = pytest.importorskip("lossexp.output._float_repr")


def assert_reprs(values):
    values = np.ascontiguousarray(values, dtype=np.float64)
    assert float_repr.reprs(values) == list(map(repr, values.tolist()))


def test_the_values_a_sweep_writes():
    rng = np.random.default_rng(0)
    assert_reprs(rng.normal(size=200_000))
    assert_reprs(1.0 / (1.0 + np.exp(-rng.normal(0, 4, size=200_000))))  # outputs
    assert_reprs(rng.exponential(size=200_000) ** 4)  # losses, tiny to large


def test_every_magnitude_and_bit_pattern():
    rng = np.random.default_rng(1)
    assert_reprs(rng.integers(0, 2**64, size=300_000, dtype=np.uint64).view(np.float64))
    exponents = rng.integers(1023 - 16, 1023 + 56, size=300_000).astype(np.uint64)
    mantissas = rng.integers(0, 2**52, size=300_000, dtype=np.uint64)
    assert_reprs(((exponents << np.uint64(52)) | mantissas).view(np.float64))
    assert_reprs(rng.normal(size=300_000) * 10.0 ** rng.integers(-8, 20, size=300_000))


def test_short_decimals_integers_and_edges():
    rng = np.random.default_rng(2)
    assert_reprs(np.round(rng.normal(size=100_000) * 1e6) / 1e3)
    assert_reprs(rng.integers(-10**16, 10**16, size=100_000).astype(np.float64))
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e16, 1e15, 9999999999999998.0, 1e-4,
             9.999999999999999e-05, 1e-4 * (1 + 2**-52), 5e-324, 1.7976931348623157e308,
             1.0, -1.0, 123.0, 2.0**60, 2.0**53 + 2, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 0.5, 0.125,
             1e15 + 0.5, 4503599627370497.5, 9007199254740993.0, 123456789012345.67]
    with np.errstate(over="ignore"):  # the next double after the largest is inf
        edges += [np.nextafter(v, w) for v in edges[5:] for w in (0.0, np.inf)]
    assert_reprs(edges)
    assert_reprs(-np.array(edges))
    powers = 2.0 ** np.arange(-20, 60)
    assert_reprs(np.concatenate([powers, np.nextafter(powers, 0), np.nextafter(powers, 1e300)]))
    tens = 10.0 ** np.arange(-6, 18)
    assert_reprs(np.concatenate([tens, np.nextafter(tens, 0), np.nextafter(tens, 1e300)]))


def test_format_column_uses_it_for_any_float_array():
    values = np.array([[0.1, 2.5], [np.nan, -1e-7]], dtype=np.float32)[:, 1]  # strided, float32
    assert serialize.format_column(values) == [repr(float(v)) for v in values.tolist()]
    with pytest.raises(TypeError):
        float_repr.reprs(np.arange(3))
