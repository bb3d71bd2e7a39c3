/*
 * The sigmoid and its slope in one pass (lossexp.library.activations.Sigmoid.value_and_grad):
 *     e = exp(min(-z, clip)),  a = 1 / (e + 1),  slope = (e a) a
 * exp() is NumPy's own loop for np.exp, handed over by numpy.ufunc._get_strided_loop (see
 * lossexp/library/exp_loop.py), and the rest is the same IEEE operations in the same order
 * as the NumPy formulas, so every bit is theirs: built without floating-point contraction
 * (no FMA) and without -ffast-math; tests/test_activations.py compares the two.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "compiled.h" /* rounding as NumPy rounds, the x86-64 builds, NumPy's exp loop */

/* Values per exp() call: the block stays in the L1 cache between the three passes. */
#define BLOCK 512

VECTOR_CLONES static void exp_argument(Py_ssize_t m, const double *restrict z, double clip,
                                       double *restrict e)
{
    for (Py_ssize_t i = 0; i < m; i++) {
        const double minus_z = -z[i];
        e[i] = minus_z > clip ? clip : minus_z; /* as np.minimum: a NaN stays NaN */
    }
}

VECTOR_CLONES static void value_and_slope_from(Py_ssize_t m, const double *restrict e,
                                               double *restrict a, double *restrict slope)
{
    for (Py_ssize_t i = 0; i < m; i++) {
        const double ai = 1.0 / (e[i] + 1.0);
        a[i] = ai;
        slope[i] = (e[i] * ai) * ai;
    }
}

static PyObject *value_and_slope(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer z, a, slope;
    double clip;
    PyObject *capsule;
    if (!PyArg_ParseTuple(args, "y*w*w*dO:value_and_slope", &z, &a, &slope, &clip, &capsule))
        return NULL;
    const Py_ssize_t n = z.len / (Py_ssize_t)sizeof(double);
    const UfuncCallInfo *exp_loop = exp_loop_in(capsule);
    PyObject *result = NULL;
    if (exp_loop == NULL)
        ; /* the error is set */
    else if (sized(&z, n, "z") && sized(&a, n, "a") && sized(&slope, n, "slope")) {
        const double *zs = z.buf;
        double *as = a.buf, *slopes = slope.buf;
        double e[BLOCK];
        int status = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t lo = 0; lo < n && status >= 0; lo += BLOCK) {
            const Py_ssize_t m = n - lo < BLOCK ? n - lo : BLOCK;
            exp_argument(m, zs + lo, clip, e);
            status = exp_in_place(exp_loop, e, m);
            value_and_slope_from(m, e, as + lo, slopes + lo);
        }
        Py_END_ALLOW_THREADS
        result = done_or_exp_failure(status);
    }
    PyBuffer_Release(&z);
    PyBuffer_Release(&a);
    PyBuffer_Release(&slope);
    return result;
}

static PyMethodDef methods[] = {
    {"value_and_slope", value_and_slope, METH_VARARGS,
     "value_and_slope(z, a, slope, clip, exp_loop)\n"
     "a = 1 / (e + 1) and slope = (e a) a for e = exp(min(-z, clip)), into a and slope:\n"
     "contiguous float64 buffers of the same size as z (a, slope and z distinct).\n"
     "exp_loop: the capsule np.exp._get_strided_loop fills. Runs without the interpreter\n"
     "lock. See lossexp/library/activations.py."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sigmoid",
    "The sigmoid and its slope in one pass (see lossexp/library/activations.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__sigmoid(void)
{
    PyObject *m = PyModule_Create(&module);
#if defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API)
    if (m != NULL)
        PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED); /* it keeps no state of its own */
#endif
    return m;
}
