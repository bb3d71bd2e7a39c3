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
    double x, y, lr, g1, g2, exp_clip;
    int loss;
} Settings;

/* The loop body for neuron i; `cross_entropy` is a constant in each caller below, so each
 * loop is straight-line code the compiler can vectorise. Milestone k of neuron i lives at
 * [k * n + i] of unreached, epochs_unreached and bound: the target (0) is reached once
 * |a - y| < bound, the loss levels (1, 2) once sign z < bound. */
static inline void update_neuron(Py_ssize_t i, Py_ssize_t n, const Settings *s,
                                 const int cross_entropy, double *restrict w,
                                 double *restrict b, double *restrict e,
                                 uint8_t *restrict unreached, int64_t *restrict epochs_unreached,
                                 const double *restrict bound, const double *restrict sign)
{
    const double x = s->x, lr = s->lr;
    const double ex = e[i];
    const double a = 1.0 / (ex + 1.0);
    const double r = a - s->y;
    const double delta = cross_entropy ? r : ((s->g1 * r) * s->g2) * ((ex * a) * a);
    const double grad_w = delta * x, grad_b = delta;

    /* z as the engine forms it, (x w) + b; a comparison with NaN is false: never reached. */
    const double along = sign[i] * (x * w[i] + b[i]);
    for (int k = 0; k < MILESTONES; k++) {
        const Py_ssize_t j = k * n + i;
        const double measured = k == 0 ? fabs(r) : along;
        const uint8_t still = unreached[j] & !(measured < bound[j]);
        unreached[j] = still;
        epochs_unreached[j] += still;
    }

    const double wi = w[i] - lr * grad_w, bi = b[i] - lr * grad_b;
    w[i] = wi;
    b[i] = bi;
    const double minus_z = -(x * wi + bi);
    /* As np.minimum(-z, clip): a NaN stays NaN (NaN > clip is false). */
    e[i] = minus_z > s->exp_clip ? s->exp_clip : minus_z;
}

#define EPOCH_LOOP(name, cross_entropy)                                                       \
    VECTOR_CLONES static void name(Py_ssize_t n, const Settings *s, double *restrict w,       \
                                   double *restrict b, double *restrict e,                   \
                                   uint8_t *restrict unreached,                              \
                                   int64_t *restrict epochs_unreached,                       \
                                   const double *restrict bound,                             \
                                   const double *restrict sign)                         \
    {                                                                                         \
        for (Py_ssize_t i = 0; i < n; i++)                                                    \
            update_neuron(i, n, s, cross_entropy, w, b, e, unreached, epochs_unreached,       \
                          bound, sign);                                                  \
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
    Py_buffer w, b, e, unreached, epochs_unreached, bound, sign;
    if (!PyArg_ParseTuple(args, "w*w*w*w*w*y*y*ddddddi:epoch", &w, &b, &e, &unreached,
                          &epochs_unreached, &bound, &sign, &s.x, &s.y, &s.lr, &s.g1,
                          &s.g2, &s.exp_clip, &s.loss))
        return NULL;
    const Py_ssize_t n = w.len / (Py_ssize_t)sizeof(double);
    PyObject *result = NULL;
    if (s.loss != QUADRATIC && s.loss != CROSS_ENTROPY)
        PyErr_Format(PyExc_ValueError, "loss: unknown code %d", s.loss);
    else if (take(&w, 8, n, "w") && take(&b, 8, n, "b") && take(&e, 8, n, "e")
        && take(&unreached, 1, MILESTONES * n, "unreached")
        && take(&epochs_unreached, 8, MILESTONES * n, "epochs_unreached")
        && take(&bound, 8, MILESTONES * n, "bound") && take(&sign, 8, n, "sign")) {
        Py_BEGIN_ALLOW_THREADS
        (s.loss == CROSS_ENTROPY ? cross_entropy_epoch : quadratic_epoch)(
            n, &s, w.buf, b.buf, e.buf, unreached.buf, epochs_unreached.buf, bound.buf,
            sign.buf);
        Py_END_ALLOW_THREADS
        result = Py_None;
        Py_INCREF(result);
    }
    PyBuffer_Release(&w);
    PyBuffer_Release(&b);
    PyBuffer_Release(&e);
    PyBuffer_Release(&unreached);
    PyBuffer_Release(&epochs_unreached);
    PyBuffer_Release(&bound);
    PyBuffer_Release(&sign);
    return result;
}

/* The bisection of lossexp/train/loss_levels.py (z_crossings), fused: per run i still
 * moving, mid = 0.5 (near + far); the cost at mid is compared with level[i]; far moves to
 * mid where the cost is below it, near where it is not. NumPy computes the transcendental
 * part of the cost between the two passes, as in the epoch above:
 *     quadratic       e = min(-mid, clip) -> exp(e);  a = 1 / (e + 1),  C = ((s (a - y)^2) g2
 *     cross-entropy   e = -|mid| -> log1p(exp(e));     C = (max(mid, 0) - y mid) + e
 * with s = 1/2 or 1 (the convention) and g2 the output's weight, in the engine's order. */
static inline Py_ssize_t midpoint(Py_ssize_t i, const double *restrict near,
                                   const double *restrict far, const uint8_t *restrict below,
                                   double *restrict mid, uint8_t *restrict moved,
                                   double *restrict e, double exp_clip, const int cross_entropy)
{
    const double m = 0.5 * (near[i] + far[i]);
    const uint8_t go = below[i] & (m != near[i]) & (m != far[i]);
    mid[i] = m;
    moved[i] = go;
    const double minus = -m; /* as np.minimum(-z, clip): NaN stays NaN */
    e[i] = cross_entropy ? -fabs(m) : (minus > exp_clip ? exp_clip : minus);
    return go;
}

#define MIDPOINT_LOOP(name, cross_entropy)                                                    \
    VECTOR_CLONES static Py_ssize_t name(Py_ssize_t n, const double *restrict near,          \
                                         const double *restrict far,                         \
                                         const uint8_t *restrict below, double *restrict mid, \
                                         uint8_t *restrict moved, double *restrict e,        \
                                         double exp_clip)                                    \
    {                                                                                         \
        Py_ssize_t count = 0;                                                                 \
        for (Py_ssize_t i = 0; i < n; i++)                                                    \
            count += midpoint(i, near, far, below, mid, moved, e, exp_clip, cross_entropy);  \
        return count;                                                                         \
    }

MIDPOINT_LOOP(quadratic_midpoints, 0)
MIDPOINT_LOOP(cross_entropy_midpoints, 1)

/* Straight-line, so that it vectorises: every run's cost is computed, moved or not
 * (mid, moved and e as bisect_midpoints left them, e after NumPy's pass). */
static inline void halve_one(Py_ssize_t i, double *restrict near, double *restrict far,
                             const double *restrict mid, const uint8_t *restrict moved,
                             const double *restrict e, const double *restrict level, double y,
                             double scale, double g2, const int cross_entropy)
{
    const double m = mid[i];
    double cost;
    if (cross_entropy) {
        /* np.maximum(m, 0.0): NaN propagates; the sign of a zero cannot change a compare */
        const double positive = m != m ? m : (m > 0.0 ? m : 0.0);
        cost = (positive - y * m) + e[i];
    } else {
        const double a = 1.0 / (e[i] + 1.0);
        const double r = a - y;
        cost = (scale * (r * r)) * g2;
    }
    const int lower = cost < level[i], go = moved[i];
    far[i] = go & lower ? m : far[i];
    near[i] = go & !lower ? m : near[i];
}

/* One pass for the end of a step and the start of the next: halve, then the midpoints. */
#define STEP_LOOP(name, cross_entropy)                                                        \
    VECTOR_CLONES static Py_ssize_t name(Py_ssize_t n, double *restrict near,                \
                                         double *restrict far, const uint8_t *restrict below, \
                                         double *restrict mid, uint8_t *restrict moved,      \
                                         double *restrict e, const double *restrict level,   \
                                         double y, double scale, double g2, double exp_clip) \
    {                                                                                         \
        Py_ssize_t count = 0;                                                                 \
        for (Py_ssize_t i = 0; i < n; i++) {                                                  \
            halve_one(i, near, far, mid, moved, e, level, y, scale, g2, cross_entropy);       \
            count += midpoint(i, near, far, below, mid, moved, e, exp_clip, cross_entropy);  \
        }                                                                                     \
        return count;                                                                         \
    }

STEP_LOOP(quadratic_step, 0)
STEP_LOOP(cross_entropy_step, 1)

static PyObject *bisect_midpoints(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer near, far, below, mid, moved, e;
    double exp_clip;
    int loss;
    if (!PyArg_ParseTuple(args, "y*y*y*w*w*w*di:bisect_midpoints", &near, &far, &below, &mid,
                          &moved, &e, &exp_clip, &loss))
        return NULL;
    const Py_ssize_t n = near.len / (Py_ssize_t)sizeof(double);
    PyObject *result = NULL;
    if (loss != QUADRATIC && loss != CROSS_ENTROPY)
        PyErr_Format(PyExc_ValueError, "loss: unknown code %d", loss);
    else if (take(&near, 8, n, "near") && take(&far, 8, n, "far") && take(&below, 1, n, "below")
             && take(&mid, 8, n, "mid") && take(&moved, 1, n, "moved") && take(&e, 8, n, "e")) {
        Py_ssize_t count;
        Py_BEGIN_ALLOW_THREADS
        count = (loss == CROSS_ENTROPY ? cross_entropy_midpoints : quadratic_midpoints)(
            n, near.buf, far.buf, below.buf, mid.buf, moved.buf, e.buf, exp_clip);
        Py_END_ALLOW_THREADS
        result = PyLong_FromSsize_t(count);
    }
    PyBuffer_Release(&near);
    PyBuffer_Release(&far);
    PyBuffer_Release(&below);
    PyBuffer_Release(&mid);
    PyBuffer_Release(&moved);
    PyBuffer_Release(&e);
    return result;
}

static PyObject *bisect_step(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer near, far, below, mid, moved, e, level;
    double y, scale, g2, exp_clip;
    int loss;
    if (!PyArg_ParseTuple(args, "w*w*y*w*w*w*y*ddddi:bisect_step", &near, &far, &below, &mid,
                          &moved, &e, &level, &y, &scale, &g2, &exp_clip, &loss))
        return NULL;
    const Py_ssize_t n = near.len / (Py_ssize_t)sizeof(double);
    PyObject *result = NULL;
    if (loss != QUADRATIC && loss != CROSS_ENTROPY)
        PyErr_Format(PyExc_ValueError, "loss: unknown code %d", loss);
    else if (take(&near, 8, n, "near") && take(&far, 8, n, "far") && take(&below, 1, n, "below")
             && take(&mid, 8, n, "mid") && take(&moved, 1, n, "moved") && take(&e, 8, n, "e")
             && take(&level, 8, n, "level")) {
        Py_ssize_t count;
        Py_BEGIN_ALLOW_THREADS
        count = (loss == CROSS_ENTROPY ? cross_entropy_step : quadratic_step)(
            n, near.buf, far.buf, below.buf, mid.buf, moved.buf, e.buf, level.buf, y, scale,
            g2, exp_clip);
        Py_END_ALLOW_THREADS
        result = PyLong_FromSsize_t(count);
    }
    PyBuffer_Release(&near);
    PyBuffer_Release(&far);
    PyBuffer_Release(&below);
    PyBuffer_Release(&mid);
    PyBuffer_Release(&moved);
    PyBuffer_Release(&e);
    PyBuffer_Release(&level);
    return result;
}

static PyMethodDef methods[] = {
    {"epoch", epoch, METH_VARARGS,
     "epoch(w, b, e, unreached, epochs_unreached, bound, sign,\n"
     "      x, y, lr, g1, g2, exp_clip, loss)\n"
     "One fused epoch, in place, over distinct contiguous arrays: float64 w, b, e and\n"
     "sign of n items; bool unreached, int64 epochs_unreached and float64 bound of\n"
     "3 n (the milestones, one row each); see lossexp/train/neuron_kernel.py."},
    {"bisect_midpoints", bisect_midpoints, METH_VARARGS,
     "bisect_midpoints(near, far, below, mid, moved, e, exp_clip, loss) -> runs moving\n"
     "One bisection step's first half: the midpoints, which runs move, and the argument\n"
     "of NumPy's exp in e (see lossexp/train/neuron_kernel.py, bisect)."},
    {"bisect_step", bisect_step, METH_VARARGS,
     "bisect_step(near, far, below, mid, moved, e, level, y, scale, g2, exp_clip, loss)\n"
     "-> runs moving: its second half (the cost at mid from e, near or far moved to mid),\n"
     "then the next step's first half, in one pass."},
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
