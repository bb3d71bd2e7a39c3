/*
 * One epoch of a sweep's hot loop, fused: a batch of single sigmoid neurons on one sample.
 *
 * The NumPy engine (lossexp/train/engine.py) spends an epoch in about 25 passes over the batch;
 * this does the same arithmetic in one pass, leaving only exp() to NumPy (the caller runs
 * np.exp over the batch between calls). Every other operation is +, -, *, / or a compare,
 * done in the engine's order, so IEEE 754 makes each result bitwise equal to the engine's:
 * that is why it must be built without floating-point contraction (no FMA) and without
 * -ffast-math, and why tests/test_neuron_kernel.py compares the two bit for bit.
 *
 * Per neuron i, on entry e[i] = exp(min(-z, clip)) for z = x w + b (the engine's sigmoid):
 *     a = 1 / (e + 1)
 *     delta = (g1 (a - y)) g2 (e a) a    quadratic: g1 = 1 (half) or 2 (plain), g2 a weight
 *           = a - y                      sigmoid + cross-entropy, fused
 *     grad_w = delta x,  grad_b = delta
 * then the outcome tracker's milestones (lossexp/train/outcome.py) and the update
 *     w -= lr grad_w,  b -= lr grad_b,
 * and on exit e[i] = min(-z, clip) of the new z, ready for the next np.exp.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <stdint.h>

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
 * they are not, the build fails (set LOSSEXP_NO_KERNEL=1 to install without the kernel).
 * Built against the stable ABI (Py_LIMITED_API 3.11: Py_buffer is in it from 3.11 on). */
#if FLT_EVAL_METHOD != 0
#error "the kernel needs FLT_EVAL_METHOD == 0 to round as NumPy does"
#endif

#ifdef _MSC_VER
#define restrict __restrict
#endif

enum { QUADRATIC = 0, CROSS_ENTROPY = 1 };

/* The outcome tracker's milestones: the target, the end of the plateau, half way. */
#define MILESTONES 3

/* Several builds of the loop for x86-64, the best one picked at load time (GCC, glibc). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#define VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VECTOR_CLONES
#endif

typedef struct {
    double x, y, lr, tolerance, g1, g2, exp_clip;
    int64_t epoch;
    int loss;
} Settings;

/* The milestones' counts: the target, then the two loss levels (lossexp/train/outcome.py).
 * Before epoch t a milestone not yet reached has count t; each epoch it stays unreached adds
 * one, so the count ends as the epoch it was first reached (or epochs + 1: never). One
 * int64 per milestone and neuron, and no flags: the loop then vectorises. */

/* A test with NaN is false, so a NaN output or z never reaches anything. */
static inline void reach(int64_t *restrict count, Py_ssize_t i, int64_t epoch, int passed)
{
    const int64_t c = count[i];
    count[i] = c + ((c == epoch) & !passed);
}

/* The loop body for neuron i; `cross_entropy` is a constant in each caller below, so each
 * loop is straight-line code the compiler can vectorise. */
static inline void update_neuron(Py_ssize_t i, const Settings *restrict s,
                                 const int cross_entropy, double *restrict w,
                                 double *restrict b, double *restrict e,
                                 int64_t *restrict target, int64_t *restrict level1,
                                 int64_t *restrict level2, const double *restrict bound1,
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

#define EPOCH_LOOP(name, cross_entropy)                                                       \
    VECTOR_CLONES static void name(Py_ssize_t n, const Settings *restrict s,                  \
                                   double *restrict w, double *restrict b,                   \
                                   double *restrict e, int64_t *restrict target,             \
                                   int64_t *restrict level1, int64_t *restrict level2,       \
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

static int take(Py_buffer *view, Py_ssize_t itemsize, Py_ssize_t n, const char *name)
{
    if (view->len != n * itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes", name, n, itemsize);
        return 0;
    }
    return 1;
}

static PyObject *epoch(PyObject *Py_UNUSED(module), PyObject *args)
{
    Settings s;
    Py_buffer w, b, e, counts, bound, sign;
    if (!PyArg_ParseTuple(args, "w*w*w*w*y*y*dddddddLi:epoch", &w, &b, &e, &counts, &bound,
                          &sign, &s.x, &s.y, &s.lr, &s.tolerance, &s.g1, &s.g2, &s.exp_clip,
                          &s.epoch, &s.loss))
        return NULL;
    const Py_ssize_t n = w.len / (Py_ssize_t)sizeof(double);
    PyObject *result = NULL;
    if (s.loss != QUADRATIC && s.loss != CROSS_ENTROPY)
        PyErr_Format(PyExc_ValueError, "loss: unknown code %d", s.loss);
    else if (take(&w, 8, n, "w") && take(&b, 8, n, "b") && take(&e, 8, n, "e")
        && take(&counts, 8, MILESTONES * n, "counts")
        && take(&bound, 8, (MILESTONES - 1) * n, "bound") && take(&sign, 8, n, "sign")) {
        int64_t *c = counts.buf;
        const double *l = bound.buf;
        Py_BEGIN_ALLOW_THREADS
        (s.loss == CROSS_ENTROPY ? cross_entropy_epoch : quadratic_epoch)(
            n, &s, w.buf, b.buf, e.buf, c, c + n, c + 2 * n, l, l + n, sign.buf);
        Py_END_ALLOW_THREADS
        result = Py_None;
        Py_INCREF(result);
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
    {"epoch", epoch, METH_VARARGS,
     "epoch(w, b, e, counts, bound, sign, x, y, lr, tolerance, g1, g2, exp_clip, epoch, loss)\n"
     "One fused epoch, in place, over distinct contiguous arrays: float64 w, b, e and\n"
     "sign of n items; int64 counts of 3 n (a row per milestone); float64 bound of 2 n\n"
     "(the loss levels); see lossexp/train/neuron_kernel.py."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_neuron_kernel",
    "A fused epoch for a batch of sigmoid neurons (see lossexp/train/neuron_kernel.py).", -1, methods,
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
