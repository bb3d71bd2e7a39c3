"""NumPy's own compiled loop for np.exp, for lossexp's C code to call.

The compiled parts (the sigmoid of ``activations``, the sweep kernel of
``lossexp.train.neuron_kernel``) take exp() from NumPy rather than from the C library: the
same loop np.exp runs after its CPU dispatch, so their results are NumPy's bit for bit on
every CPU, and they call it on blocks that stay in the L1 cache, without the interpreter.
"""

from __future__ import annotations

import ctypes
from functools import cache

import numpy as np

# The capsule's name, which carries the version of its layout (lossexp/library/compiled.h
# reads the same layout under the same name).
CAPSULE = b"numpy_1.24_ufunc_call_info"


class _CallInfo(ctypes.Structure):
    """NumPy's ufunc_call_info, as far as lossexp reads it."""

    _fields_ = [("strided_loop", ctypes.c_void_p), ("context", ctypes.c_void_p),
                ("auxdata", ctypes.c_void_p), ("requires_pyapi", ctypes.c_ubyte),
                ("no_floatingpoint_errors", ctypes.c_ubyte)]


@cache
def numpy_exp_loop():
    """NumPy's inner loop of np.exp for contiguous float64, in the capsule lossexp's C code
    calls it through, or None where this NumPy does not hand out one lossexp can use.

    ``ufunc._get_strided_loop`` is NumPy's (experimental) door to a ufunc's compiled loop.
    A capsule of another name (another layout), or a loop that needs the interpreter, is
    not used: the callers then fall back on np.exp itself, the same bits more slowly.
    The compiled paths check no floating-point flags, so np.errstate and np.seterr do not
    apply to them (nothing there can overflow: exp's argument is clipped at 700).
    """
    f8 = np.dtype(np.float64)
    try:
        _, loop = np.exp._resolve_dtypes_and_context((f8, f8))
        np.exp._get_strided_loop(loop, fixed_strides=(8, 8))
    except (AttributeError, TypeError, ValueError):
        return None
    return loop if _usable(loop) else None


def _usable(capsule) -> bool:
    """Whether ``capsule`` is named CAPSULE and holds a loop that runs without Python (the
    C functions are declared here, not on ctypes.pythonapi, which other code shares)."""
    is_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
        ("PyCapsule_IsValid", ctypes.pythonapi))
    if not is_valid(capsule, CAPSULE):
        return False
    pointer = ctypes.PYFUNCTYPE(ctypes.POINTER(_CallInfo), ctypes.py_object, ctypes.c_char_p)(
        ("PyCapsule_GetPointer", ctypes.pythonapi))
    info = pointer(capsule, CAPSULE).contents
    return bool(info.strided_loop) and not info.requires_pyapi
