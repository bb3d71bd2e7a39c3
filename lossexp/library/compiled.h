/*
 * What lossexp's C code shares (lossexp/library/_sigmoid.c, lossexp/train/_neuron_kernel.c,
 * lossexp/train/_layers.c):
 * IEEE arithmetic rounded as NumPy rounds it, loops built for several x86-64 levels, and
 * NumPy's own loop for np.exp, handed over in a capsule (lossexp/library/exp_loop.py).
 */
#ifndef LOSSEXP_COMPILED_H
#define LOSSEXP_COMPILED_H

#include <float.h>

/* No a*b+c contracted into one fused multiply-add, whatever the build flags: GCC ignores
 * the standard pragma and needs its own. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(_MSC_VER)
#pragma fp_contract(off)
#else
#pragma STDC FP_CONTRACT OFF
#endif

/* Doubles must be rounded as doubles after every operation (not so on the x87 FPU); where
 * they are not, the build fails (set LOSSEXP_NO_KERNEL=1 to install without the C parts). */
#if FLT_EVAL_METHOD != 0
#error "lossexp's C code needs FLT_EVAL_METHOD == 0 to round as NumPy does"
#endif

#ifdef _MSC_VER
#define restrict __restrict
#endif

/* Several builds of a loop for x86-64, the best one picked at load time (GCC, glibc). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

/* The capsule numpy.ufunc._get_strided_loop fills, named after the version of its layout:
 * a NumPy that changes the layout changes the name, and is refused rather than misread.
 * npy_intp is Py_intptr_t, the size of Py_ssize_t; npy_bool is an unsigned char. */
#define UFUNC_CALL_INFO "numpy_1.24_ufunc_call_info"
typedef int StridedLoop(void *context, char *const *data, const Py_ssize_t *dimensions,
                        const Py_ssize_t *strides, void *auxdata);
typedef struct {
    StridedLoop *strided_loop;
    void *context;
    void *auxdata;
    unsigned char requires_pyapi;
    unsigned char no_floatingpoint_errors;
} UfuncCallInfo;

/* The exp loop in ``capsule``, or NULL with a ValueError set. */
static inline const UfuncCallInfo *exp_loop_in(PyObject *capsule)
{
    if (!PyCapsule_IsValid(capsule, UFUNC_CALL_INFO)) {
        PyErr_SetString(PyExc_ValueError, "exp_loop: not a capsule named " UFUNC_CALL_INFO);
        return NULL;
    }
    const UfuncCallInfo *loop = PyCapsule_GetPointer(capsule, UFUNC_CALL_INFO);
    if (loop != NULL && (loop->strided_loop == NULL || loop->requires_pyapi)) {
        PyErr_SetString(PyExc_ValueError, "exp_loop: no strided loop that runs without Python");
        return NULL;
    }
    return loop;
}

/* e[i] = exp(e[i]) for i < m, in place, by NumPy's loop; its status (0: done). Needs no
 * interpreter lock. */
static inline int exp_in_place(const UfuncCallInfo *loop, double *e, Py_ssize_t m)
{
    char *const data[2] = {(char *)e, (char *)e};
    const Py_ssize_t strides[2] = {sizeof(double), sizeof(double)};
    return loop->strided_loop(loop->context, data, &m, strides, loop->auxdata);
}

/* What a call returns once its loops are done: None, or for a negative ``status`` the
 * error NumPy's exp loop set (a RuntimeError where it set none). */
static inline PyObject *done_or_exp_failure(int status)
{
    if (status >= 0)
        Py_RETURN_NONE;
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_RuntimeError, "NumPy's exp loop failed");
    return NULL;
}

/* Whether ``view`` holds ``count`` float64 values; a ValueError naming it if not. */
static inline int sized(Py_buffer *view, Py_ssize_t count, const char *name)
{
    if (view->len != count * (Py_ssize_t)sizeof(double)) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd float64 values", name, count);
        return 0;
    }
    return 1;
}

#endif
