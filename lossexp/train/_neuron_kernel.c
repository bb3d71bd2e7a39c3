/*
 * A sweep's hot loop, fused: a batch of single sigmoid neurons on one sample, trained
 * through a run of epochs in one call.
 *
 * The NumPy engine (lossexp/train/engine.py) spends an epoch in about 25 passes over the batch;
 * this does the same arithmetic in one pass, and takes exp() from NumPy itself: the loop
 * np.exp runs, handed over by numpy.ufunc._get_strided_loop (or, where that is missing, the
 * caller's np.exp between calls of one epoch each), so both paths share the one function
 * whose last bit could differ between libraries. Every other operation is +, -, *, / or a
 * compare, done in the engine's order, so IEEE 754 makes each result bitwise equal to the
 * engine's: that is why it must be built without floating-point contraction (no FMA) and
 * without -ffast-math, and why tests/test_neuron_kernel.py compares the two bit for bit.
 *
 * Per neuron i and epoch, with e[i] = exp(min(-z, clip)) for z = x w + b (the engine's sigmoid):
 *     a = 1 / (e + 1)
 *     delta = (g1 (a - y)) g2 (e a) a    quadratic: g1 = 1 (half) or 2 (plain), g2 a weight
 *           = a - y                      sigmoid + cross-entropy, fused
 *     grad_w = delta x,  grad_b = delta
 * then the outcome tracker's milestones (lossexp/train/outcome.py) and the update
 *     w -= lr grad_w,  b -= lr grad_b,
 * leaving e[i] = min(-z, clip) of the new z, ready for the next exp.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* Rounding as NumPy rounds, the x86-64 builds, NumPy's exp loop. Built against the stable
 * ABI (Py_LIMITED_API 3.11: Py_buffer is in it from 3.11 on). */
#include "compiled.h"

enum { QUADRATIC = 0, CROSS_ENTROPY = 1 };

/* The outcome tracker's milestones: the target, the end of the plateau, half way. */
#define MILESTONES 3

typedef struct {
    double x, y, lr, tolerance, g1, g2, exp_clip;
    int32_t epoch; /* counted from the call's first epoch */
    int loss;
} Settings;

/* The milestones' counts: the target, then the two loss levels (lossexp/train/outcome.py).
 * Before epoch t a milestone not yet reached has count t; each epoch it stays unreached adds
 * one, so the count ends as the epoch it was first reached (or epochs + 1: never). One
 * integer per milestone and neuron, and no flags: the loop then vectorises. Inside a call
 * they are int32 counted from its first epoch (a milestone reached before has -1), which
 * takes a third off the loop's time against the tracker's int64. */

/* A test with NaN is false, so a NaN output or z never reaches anything. */
static inline void reach(int32_t *restrict count, Py_ssize_t i, int32_t epoch, int passed)
{
    const int32_t c = count[i];
    count[i] = c + ((c == epoch) & !passed);
}

/* The loop body for neuron i; `cross_entropy` is a constant in each caller below, so each
 * loop is straight-line code the compiler can vectorise. */
static inline void update_neuron(Py_ssize_t i, const Settings *restrict s,
                                 const int cross_entropy, double *restrict w,
                                 double *restrict b, double *restrict e,
                                 int32_t *restrict target, int32_t *restrict level1,
                                 int32_t *restrict level2, const double *restrict bound1,
                                 const double *restrict bound2, const double *restrict sign)
{
    const double x = s->x, lr = s->lr;
    const double ex = e[i];
    const double a = 1.0 / (ex + 1.0);
    const double r = a - s->y;
    const double delta = cross_entropy ? r : ((s->g1 * r) * s->g2) * ((ex * a) * a);
    const double grad_w = delta * x, grad_b = delta;

    /* z as the engine forms it, (x w) + b, before this epoch's update. */
    const double along = sign[i] * (x * w[i] + b[i]);
    reach(target, i, s->epoch, fabs(r) < s->tolerance);
    reach(level1, i, s->epoch, along < bound1[i]);
    reach(level2, i, s->epoch, along < bound2[i]);

    const double wi = w[i] - lr * grad_w, bi = b[i] - lr * grad_b;
    w[i] = wi;
    b[i] = bi;
    const double minus_z = -(x * wi + bi);
    /* As np.minimum(-z, clip): a NaN stays NaN (NaN > clip is false). */
    e[i] = minus_z > s->exp_clip ? s->exp_clip : minus_z;
}

typedef void EpochLoop(Py_ssize_t n, const Settings *restrict s, double *restrict w,
                       double *restrict b, double *restrict e, int32_t *restrict target,
                       int32_t *restrict level1, int32_t *restrict level2,
                       const double *restrict bound1, const double *restrict bound2,
                       const double *restrict sign);

#define EPOCH_LOOP(name, cross_entropy)                                                       \
    VECTOR_CLONES static void name(Py_ssize_t n, const Settings *restrict s,                  \
                                   double *restrict w, double *restrict b,                   \
                                   double *restrict e, int32_t *restrict target,             \
                                   int32_t *restrict level1, int32_t *restrict level2,       \
                                   const double *restrict bound1,                            \
                                   const double *restrict bound2,                            \
                                   const double *restrict sign)                              \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++)                                                    \
            update_neuron(i, s, cross_entropy, w, b, e, target, level1, level2, bound1,      \
                          bound2, sign);                                                      \
    }

EPOCH_LOOP(quadratic_epoch, 0)
EPOCH_LOOP(cross_entropy_epoch, 1)

/* Neurons trained together through all the epochs of a call: a block's arrays (about 20 kB)
 * stay in the L1 cache from one epoch to the next. Each neuron's arithmetic is the same
 * whatever the block (tested). */
#define BLOCK 256

/* Epochs first..last-1 of n neurons, a block at a time: exp() in place by NumPy's loop (none:
 * one epoch, e already exponentiated), then the fused epoch. Returns -1 where NumPy's loop
 * failed. */
static int train_blocks(Py_ssize_t n, Settings s, int64_t first, int64_t last,
                        const UfuncCallInfo *exp_loop, double *restrict w, double *restrict b,
                        double *restrict e, int64_t *restrict counts,
                        const double *restrict bound, const double *restrict sign)
{
    EpochLoop *fused = s.loss == CROSS_ENTROPY ? cross_entropy_epoch : quadratic_epoch;
    const int32_t span = (int32_t)(last - first);
    int32_t local[MILESTONES * BLOCK];
    for (Py_ssize_t lo = 0; lo < n; lo += BLOCK) {
        const Py_ssize_t m = n - lo < BLOCK ? n - lo : BLOCK;
        for (int k = 0; k < MILESTONES; k++)
            for (Py_ssize_t i = 0; i < m; i++)
                local[k * BLOCK + i] = counts[k * n + lo + i] == first ? 0 : -1;
        for (s.epoch = 0; s.epoch < span; s.epoch++) {
            if (exp_loop != NULL && exp_in_place(exp_loop, e + lo, m) < 0)
                return -1;
            fused(m, &s, w + lo, b + lo, e + lo, local, local + BLOCK, local + 2 * BLOCK,
                  bound + lo, bound + n + lo, sign + lo);
        }
        for (int k = 0; k < MILESTONES; k++)
            for (Py_ssize_t i = 0; i < m; i++)
                if (local[k * BLOCK + i] >= 0)
                    counts[k * n + lo + i] = first + local[k * BLOCK + i];
    }
    return 0;
}

static int take(Py_buffer *view, Py_ssize_t itemsize, Py_ssize_t n, const char *name)
{
    if (view->len != n * itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes", name, n, itemsize);
        return 0;
    }
    return 1;
}

static PyObject *epochs(PyObject *Py_UNUSED(module), PyObject *args)
{
    Settings s;
    Py_buffer w, b, e, counts, bound, sign;
    long long first, last; /* PyArg_ParseTuple's L */
    PyObject *capsule;
    if (!PyArg_ParseTuple(args, "w*w*w*w*y*y*dddddddLLiO:epochs", &w, &b, &e, &counts, &bound,
                          &sign, &s.x, &s.y, &s.lr, &s.tolerance, &s.g1, &s.g2, &s.exp_clip,
                          &first, &last, &s.loss, &capsule))
        return NULL;
    const Py_ssize_t n = w.len / (Py_ssize_t)sizeof(double);
    const UfuncCallInfo *exp_loop = NULL;
    PyObject *result = NULL;
    if (capsule != Py_None && (exp_loop = exp_loop_in(capsule)) == NULL)
        ; /* the error is set */
    else if (s.loss != QUADRATIC && s.loss != CROSS_ENTROPY)
        PyErr_Format(PyExc_ValueError, "loss: unknown code %d", s.loss);
    else if (first < 0 || last < first || last - first > INT32_MAX - 1
             || (exp_loop == NULL && last - first > 1))
        PyErr_Format(PyExc_ValueError, "epochs %lld..%lld: not a run of epochs this call trains",
                     (long long)first, (long long)last);
    else if (take(&w, 8, n, "w") && take(&b, 8, n, "b") && take(&e, 8, n, "e")
             && take(&counts, 8, MILESTONES * n, "counts")
             && take(&bound, 8, (MILESTONES - 1) * n, "bound") && take(&sign, 8, n, "sign")) {
        int status;
        Py_BEGIN_ALLOW_THREADS
        status = train_blocks(n, s, first, last, exp_loop, w.buf, b.buf, e.buf, counts.buf,
                              bound.buf, sign.buf);
        Py_END_ALLOW_THREADS
        result = done_or_exp_failure(status);
    }
    PyBuffer_Release(&w);
    PyBuffer_Release(&b);
    PyBuffer_Release(&e);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&bound);
    PyBuffer_Release(&sign);
    return result;
}

static PyMethodDef methods[] = {
    {"epochs", epochs, METH_VARARGS,
     "epochs(w, b, e, counts, bound, sign, x, y, lr, tolerance, g1, g2, exp_clip, first, last,\n"
     "loss, exp_loop)\n"
     "Epochs first..last-1, in place, without the interpreter lock, over distinct contiguous\n"
     "arrays: float64 w, b, e and sign of n items; int64 counts of 3 n (a row per milestone);\n"
     "float64 bound of 2 n (the loss levels). Each epoch is an np.exp of e by exp_loop (the\n"
     "capsule np.exp._get_strided_loop fills), then a fused epoch; e holds min(-z, clip) on\n"
     "entry and on exit. exp_loop None: one epoch, e already exponentiated by the caller.\n"
     "See lossexp/train/neuron_kernel.py."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_neuron_kernel",
    "A sweep's epochs for a batch of sigmoid neurons (see lossexp/train/neuron_kernel.py).",
    -1, methods,
};

PyMODINIT_FUNC PyInit__neuron_kernel(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && (PyModule_AddIntConstant(m, "QUADRATIC", QUADRATIC) < 0
                      || PyModule_AddIntConstant(m, "CROSS_ENTROPY", CROSS_ENTROPY) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
#if defined(Py_GIL_DISABLED) && !defined(Py_LIMITED_API)
    PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED); /* it keeps no state of its own */
#endif
    return m;
}
