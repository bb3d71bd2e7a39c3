"""Where a worker's arrays get their memory: kept by the process, not mapped anew.

A chunk allocates a few dozen arrays above glibc's threshold for serving an allocation
with a fresh mmap (128 KiB: 16384 starts of float64), frees them, and allocates them again
for the next chunk or epoch. Served by mmap, each comes back as fresh pages the kernel
zero-fills on first touch. glibc raises that threshold by itself once such a block is
freed, but not where MALLOC_TRIM_THRESHOLD_ or MALLOC_MMAP_THRESHOLD_ is set, and Dask
starts its workers with MALLOC_TRIM_THRESHOLD_=65536: there neuron chunks trained at half
speed (16384 starts: 14 ms, not 7), and an MLP chunk's epochs at 21 us a network, not 8.
"""

from __future__ import annotations

import ctypes
import functools

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h


@functools.cache
def keep_freed_memory() -> None:
    """Let this process keep the memory its arrays free, instead of handing it back to the
    system at once (glibc only; elsewhere nothing changes). It changes where memory comes
    from, never a value. The setting is the process's: where chunks train in threads (see
    lossexp.sweep.executors.local_kind) it stays with the calling process, a notebook's
    included, which then keeps up to 256 MiB of freed memory for reuse."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):  # no C library to ask, or no mallopt in it
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest allowed on 64-bit
    mallopt(_M_TRIM_THRESHOLD, 256 << 20)
