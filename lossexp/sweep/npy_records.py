"""Arrays one after another as .npy records: how a chunk's tally and its packed rows travel
between processes and lie in chunk files (a zip of them, .npz, took twice as long to write
and to read). Plain data only: nothing is pickled."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterable

import numpy as np

# Format 1.0, as write_array writes any header shorter than 64 KiB: the magic string, the
# version, the header's length (2 bytes, little-endian), the header, the data.
_VERSION_1_0 = b"\x93NUMPY\x01\x00"
_PREAMBLE = len(_VERSION_1_0) + 2


def pack(arrays: Iterable) -> bytes:
    buf = io.BytesIO()
    for array in arrays:
        array = np.asarray(array)
        # In C order whatever the layout in memory, so the bytes follow from the values; but
        # a 0-d array stays 0-d (np.ascontiguousarray would make it an array of one).
        if array.ndim:
            array = np.ascontiguousarray(array)
        np.lib.format.write_array(buf, array, allow_pickle=False)
    return buf.getvalue()


def unpack(data: bytes, names) -> dict[str, np.ndarray]:
    """The records of ``data`` (bytes) by ``names``, in the order they were packed:
    read-only views of ``data``, not copies."""
    arrays, offset = {}, 0
    for name in names:
        if data[offset:offset + len(_VERSION_1_0)] != _VERSION_1_0:
            raise ValueError(f"record {name!r} is not a .npy record of format 1.0")
        size = int.from_bytes(data[offset + len(_VERSION_1_0):offset + _PREAMBLE], "little")
        header_end = offset + _PREAMBLE + size
        shape, fortran_order, dtype = _header(data[offset:header_end])
        count = math.prod(shape)
        offset = header_end + count * dtype.itemsize
        if offset > len(data):
            raise ValueError(f"record {name!r} is cut short")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=header_end)
        arrays[name] = array.reshape(shape, order="F" if fortran_order else "C")
    if offset != len(data):
        raise ValueError(f"{len(data) - offset} bytes after the last record")
    return arrays


@functools.lru_cache(maxsize=256)
def _header(record_start: bytes) -> tuple[tuple[int, ...], bool, np.dtype]:
    """NumPy's own reading of a record's header, made once per distinct header: a chunk
    file repeats the same few, and reading one takes a Python parse (tens of microseconds)."""
    fp = io.BytesIO(record_start)
    fp.seek(len(_VERSION_1_0))
    shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(fp)
    if dtype.hasobject:
        raise ValueError("a record holds Python objects: nothing is unpickled")
    if any(n < 0 for n in shape):
        raise ValueError(f"a record's shape {shape} has a negative length")
    return shape, fortran_order, dtype
