"""Chunk files' .npy records: read back as NumPy's own reader reads them, and refused when
they are not what lossexp packed."""

import io

import numpy as np
import pytest

from lossexp.sweep import npy_records

ARRAYS = {
    "counts": np.arange(7, dtype=np.int64),
    "losses": np.linspace(-1.0, 1.0, 12).reshape(3, 4),
    "flags": np.array([True, False, True]),
    "empty": np.empty((0, 5)),
    "scalar": np.asarray(3),
    "text": np.frombuffer(b"w0,b0\n1,2\n", dtype=np.uint8),
    "specials": np.array([np.inf, -np.inf, np.nan, -0.0]),
}


def numpy_reads(data: bytes, n: int) -> list[np.ndarray]:
    buf = io.BytesIO(data)
    return [np.lib.format.read_array(buf, allow_pickle=False) for _ in range(n)]


def test_records_read_back_as_numpys_own_reader_reads_them():
    data = npy_records.pack(ARRAYS.values())
    got = npy_records.unpack(data, list(ARRAYS))
    assert list(got) == list(ARRAYS)
    for (name, mine), reference in zip(got.items(), numpy_reads(data, len(ARRAYS))):
        assert mine.dtype == reference.dtype and mine.shape == reference.shape, name
        assert mine.shape == np.shape(ARRAYS[name]), name  # a 0-d record stays 0-d
        assert mine.tobytes() == reference.tobytes(), name
    # Twice: the second reading takes the cached headers.
    again = npy_records.unpack(data, list(ARRAYS))
    assert all(again[k].tobytes() == got[k].tobytes() for k in ARRAYS)


def test_a_fortran_ordered_record_keeps_its_element_order():
    array = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array)  # as NumPy writes it: fortran_order True
    assert np.array_equal(npy_records.unpack(buf.getvalue(), ["a"])["a"], array)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d + b"\0", "1 bytes after the last record"),
    (lambda d: d[:-1], "record 'specials' is cut short"),
    (lambda d: b"PK" + d[2:], "record 'counts' is not a .npy record"),
])
def test_damaged_records_are_refused(damage, message):
    data = npy_records.pack(ARRAYS.values())
    with pytest.raises(ValueError, match=message):
        npy_records.unpack(damage(data), list(ARRAYS))


def test_a_record_of_negative_length_is_refused():
    data = npy_records.pack([np.arange(3)]).replace(b"(3,)", b"(-1,)", 1)
    with pytest.raises(ValueError, match="negative length"):
        npy_records.unpack(data, ["counts"])


def test_a_record_of_python_objects_is_refused_not_unpickled():
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="nothing is unpickled"):
        npy_records.unpack(buf.getvalue(), ["objects"])
