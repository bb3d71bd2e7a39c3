/*
 * Three steps of the engine (lossexp/train/layers.py) in one pass each, for a batch of R
 * networks on N samples, arrays C-contiguous:
 *     add_bias:      z[r,n,h] += b[r,h]
 *         (z += b[:, None, :] in NumPy, three times slower: its inner loops are H long);
 *     hidden_delta:  out[r,n,h] = (delta[r,n] w[r,h]) slope[r,n,h]
 *         the delta of a hidden layer of H units below an output of one unit, as NumPy
 *         forms it: (delta * w) * slope, broadcast (twice as slow in NumPy: its inner loop
 *         over a broadcast operand is short);
 *     sample_sum:    out[r,h] = 0.0 + d[r,0,h] + d[r,1,h] + ... + d[r,N-1,h], added in that
 *         order (as NumPy's d.sum(axis=1) adds when H > 1, its loop then running over h
 *         with n outside; five times faster than NumPy, whose inner loops are H long).
 * The same IEEE operations in the same order as NumPy's, so the same bits (built without
 * FMA or fast-math; tests/test_engine_layers.py compares the two).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "compiled.h" /* rounding as NumPy rounds, the x86-64 builds */

VECTOR_CLONES static void hidden_delta_rows(Py_ssize_t rows, Py_ssize_t n, Py_ssize_t h,
                                            const double *restrict delta,
                                            const double *restrict w,
                                            const double *restrict slope, double *restrict out)
{
    for (Py_ssize_t row = 0; row < rows; row++) { /* row = r N + sample */
        const double d = delta[row];
        const double *restrict wr = w + (row / n) * h;
        for (Py_ssize_t k = 0; k < h; k++)
            out[row * h + k] = (d * wr[k]) * slope[row * h + k];
    }
}

VECTOR_CLONES static void add_bias_rows(Py_ssize_t rows, Py_ssize_t n, Py_ssize_t h,
                                        double *restrict z, const double *restrict b)
{
    for (Py_ssize_t row = 0; row < rows; row++) { /* row = r N + sample */
        const double *restrict br = b + (row / n) * h;
        for (Py_ssize_t k = 0; k < h; k++)
            z[row * h + k] += br[k];
    }
}

VECTOR_CLONES static void sample_sums(Py_ssize_t runs, Py_ssize_t n, Py_ssize_t h,
                                      const double *restrict d, double *restrict out)
{
    for (Py_ssize_t r = 0; r < runs; r++) {
        const double *restrict dr = d + r * n * h;
        double *restrict o = out + r * h;
        for (Py_ssize_t k = 0; k < h; k++)
            o[k] = 0.0; /* as NumPy starts: 0.0 + -0.0 is +0.0 */
        for (Py_ssize_t s = 0; s < n; s++)
            for (Py_ssize_t k = 0; k < h; k++)
                o[k] += dr[s * h + k];
    }
}

/* Whether R x N x H float64 values can be counted in bytes without overflow. */
static int positive(Py_ssize_t r, Py_ssize_t n, Py_ssize_t h)
{
    if (r < 1 || n < 1 || h < 1) {
        PyErr_SetString(PyExc_ValueError, "runs, samples and units must be at least 1");
        return 0;
    }
    if (r > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(double) / n / h) {
        PyErr_SetString(PyExc_ValueError, "runs x samples x units: too many values");
        return 0;
    }
    return 1;
}

static PyObject *hidden_delta(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer delta, w, slope, out;
    Py_ssize_t r, n, h;
    if (!PyArg_ParseTuple(args, "y*y*y*w*nnn:hidden_delta", &delta, &w, &slope, &out, &r, &n, &h))
        return NULL;
    const int ok = positive(r, n, h) && sized(&delta, r * n, "delta") && sized(&w, r * h, "w")
        && sized(&slope, r * n * h, "slope") && sized(&out, r * n * h, "out");
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        hidden_delta_rows(r * n, n, h, delta.buf, w.buf, slope.buf, out.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&delta);
    PyBuffer_Release(&w);
    PyBuffer_Release(&slope);
    PyBuffer_Release(&out);
    if (!ok)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *add_bias(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer z, b;
    Py_ssize_t r, n, h;
    if (!PyArg_ParseTuple(args, "w*y*nnn:add_bias", &z, &b, &r, &n, &h))
        return NULL;
    const int ok = positive(r, n, h) && sized(&z, r * n * h, "z") && sized(&b, r * h, "b");
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        add_bias_rows(r * n, n, h, z.buf, b.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&z);
    PyBuffer_Release(&b);
    if (!ok)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *sample_sum(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer d, out;
    Py_ssize_t r, n, h;
    if (!PyArg_ParseTuple(args, "y*w*nnn:sample_sum", &d, &out, &r, &n, &h))
        return NULL;
    const int ok = positive(r, n, h) && sized(&d, r * n * h, "d") && sized(&out, r * h, "out");
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        sample_sums(r, n, h, d.buf, out.buf);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&d);
    PyBuffer_Release(&out);
    if (!ok)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"hidden_delta", hidden_delta, METH_VARARGS,
     "hidden_delta(delta, w, slope, out, runs, samples, units)\n"
     "out = (delta * w) * slope for delta (R, N, 1), w (R, 1, H), slope and out (R, N, H),\n"
     "contiguous float64 (out distinct from the others). Runs without the interpreter lock."},
    {"add_bias", add_bias, METH_VARARGS,
     "add_bias(z, b, runs, samples, units)\n"
     "z += b[:, None, :] in place, for z (R, N, H) and b (R, H), contiguous float64\n"
     "(distinct). Runs without the interpreter lock."},
    {"sample_sum", sample_sum, METH_VARARGS,
     "sample_sum(d, out, runs, samples, units)\n"
     "out = d.sum(axis=1), samples added in order, for d (R, N, H) and out (R, H), contiguous\n"
     "float64 (distinct). Runs without the interpreter lock."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_layers",
    "Three steps of the engine in one pass each (see lossexp/train/layers.py).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__layers(void)
{
    PyObject *m = PyModule_Create(&module);
#if defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API)
    if (m != NULL)
        PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED); /* it keeps no state of its own */
#endif
    return m;
}
