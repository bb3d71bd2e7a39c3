"""NumPy's own compiled loop for np.exp, for lossexp's C code to call.

The compiled parts (the sigmoid of ``activations``, the sweep kernel of
``lossexp.train.neuron_kernel``) take exp() from NumPy rather than from the C library: the
same loop np.exp runs after its CPU dispatch, so their results are NumPy's bit for bit on
every CPU, and they call it on blocks that stay in the L1 cache, without the interpreter.
"""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def numpy_exp_loop():
    """NumPy's inner loop of np.exp for contiguous float64, in the capsule lossexp's C code
    calls it through, or None where this NumPy does not hand it out.

    ``ufunc._get_strided_loop`` is NumPy's (experimental) door to a ufunc's compiled loop;
    the capsule's name carries the version of its layout, which the C code checks. Where
    it is missing the callers fall back on np.exp itself: the same bits, more slowly.
    """
    f8 = np.dtype(np.float64)
    try:
        _, loop = np.exp._resolve_dtypes_and_context((f8, f8))
        np.exp._get_strided_loop(loop, fixed_strides=(8, 8))
    except (AttributeError, TypeError, ValueError):
        return None
    return loop
