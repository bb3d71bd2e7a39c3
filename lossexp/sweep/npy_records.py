"""Arrays one after another as .npy records: how a chunk's tally and its packed rows travel
between processes and lie in chunk files (a zip of them, .npz, took twice as long to write
and to read). Plain data only: nothing is pickled."""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np


def pack(arrays: Iterable) -> bytes:
    buf = io.BytesIO()
    for array in arrays:
        np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def unpack(data: bytes, names) -> dict[str, np.ndarray]:
    """The records of ``data`` by ``names``, in the order they were packed."""
    buf = io.BytesIO(data)
    arrays = {name: np.lib.format.read_array(buf, allow_pickle=False) for name in names}
    if buf.tell() != len(data):
        raise ValueError(f"{len(data) - buf.tell()} bytes after the last record")
    return arrays
