"""The engine's per-layer steps over the runs axis: every array is (R, N, units), R networks
(runs) on N samples, and each step gives every run the bits it would get alone.

Three of them run in one compiled pass each where lossexp/train/_layers.c is built, with
NumPy's bits (tests/test_engine_layers.py): adding the biases, the hidden delta below a
one-unit output, and the sum over samples.
"""

from __future__ import annotations

import numpy as np

try:
    from lossexp.train import _layers  # three steps in one pass each, the same bits
except ImportError:  # built without a C compiler
    _layers = None


def _compiled(*arrays) -> bool:
    """Whether _layers takes these: it is built, and each array holds native float64 values,
    C-contiguous, at least one (anything else is NumPy's)."""
    return _layers is not None and all(
        a.dtype == np.float64 and a.flags.c_contiguous and a.size for a in arrays)


def affine(a_prev, w, b):
    """z = a_prev @ W^T + b over the runs axis; a product when n_in == 1 (bitwise equal)."""
    wt = w.transpose(0, 2, 1)
    z = a_prev * wt if w.shape[2] == 1 else np.matmul(a_prev, wt)
    if _compiled(z, b) and z.ndim == 3 and b.shape == (z.shape[0], z.shape[2]):
        _layers.add_bias(z, b, *z.shape)
    else:
        z += b[:, None, :]
    return z


def outer_sum(delta, a_prev, out=None):
    """dC/dW = delta^T @ a_prev, summed over samples; a product when N == 1."""
    dt = delta.transpose(0, 2, 1)
    if delta.shape[1] == 1:
        return np.multiply(dt, a_prev[..., :1, :], out=out)
    return np.matmul(dt, a_prev, out=out)


def sample_sum(delta, out=None):
    """dC/db = delta summed over samples; the one sample itself when N == 1."""
    runs, n, units = delta.shape
    if n > 1 and units > 1 and _compiled(delta):
        # NumPy adds the samples in order here (its loop runs over the units, the samples
        # outside it), and so does _layers, five times faster; with one unit NumPy's
        # loop runs over the samples, adding them pairwise, and it is left to NumPy.
        into = out if out is not None and _compiled(out) else np.empty((runs, units))
        _layers.sample_sum(delta, into, runs, n, units)
        if out is not None and into is not out:
            np.copyto(out, into)
        return into if out is None else out
    if n > 1:
        return delta.sum(axis=1, out=out)
    if out is None:
        return delta[:, 0, :]
    np.copyto(out, delta[:, 0, :])
    return out


def backprop_delta(delta, w):
    """dC/da_prev = delta @ W; a product when n_out == 1."""
    return delta * w if w.shape[1] == 1 else np.matmul(delta, w)


def hidden_delta(delta, w, slope):
    """dC/dz of the layer below: (delta @ W) * slope, in one pass where W has one row
    (the same bits: (delta * w) * slope, each product rounded as NumPy rounds it)."""
    runs, n, _ = delta.shape
    units = w.shape[2]
    if w.shape[1] == 1 and slope.shape == (runs, n, units) and _compiled(delta, w, slope):
        out = np.empty_like(slope)
        _layers.hidden_delta(delta, w, slope, out, runs, n, units)
        return out
    return backprop_delta(delta, w) * slope
