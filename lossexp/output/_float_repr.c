/*
 * repr(float) for a whole float64 array at once: the same strings, several times faster.
 *
 * Python writes a float as the shortest decimal that reads back as the same double (David
 * Gay's dtoa, mode 0), which works in big integers for every value. For the values a CSV
 * mostly holds, 1e-4 <= |x| < 1e16, written positionally, this finds the same digits with
 * exact 128-bit integer arithmetic: with x = m 2^e, the correctly rounded 15-, 16- and
 * 17-digit decimals of x are tried in turn and the first one that lies strictly inside x's
 * rounding interval (or on its edge, where round-half-even gives x) is the answer; there is
 * at most one candidate of 15 digits or fewer, and of 16 or 17 the closest to x, which is
 * dtoa's choice. Whatever is not plainly one of those cases (zeros, non-finite values,
 * other magnitudes, a power of two's lopsided interval, an exact tie, a rounding that
 * carries into a new digit) goes to Python's own PyOS_double_to_string, so every string
 * is repr's; tests/test_float_repr.py compares the two over millions of values.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;
#define FAST_PATH 1
#else
#define FAST_PATH 0
#endif

#if FAST_PATH
static u128 POW10[21];

/* x = m 2^e (m < 2^53, e = -66 ... 1) times 10^q (q = -1 ... 20) is num / (2^shift 10^ten),
 * and D / 10^q reads back as x iff 2 |D den - num| < t (or == t where m is even). */
typedef struct {
    u128 num, den, t;
    int shift, ten;
} Scaled;

static Scaled scaled(uint64_t m, int e, int q)
{
    Scaled v;
    const int s = e < 0 ? -e : 0;
    const u128 me = e < 0 ? (u128)m : (u128)m << e;
    v.shift = s;
    v.ten = q < 0;
    v.num = q < 0 ? me : me * POW10[q];
    v.den = ((u128)1 << s) * (q < 0 ? 10 : 1);
    v.t = q < 0 ? (e < 0 ? 1 : (u128)1 << e) : (e < 0 ? POW10[q] : POW10[q] << e);
    return v;
}

/* round(num / den) to nearest, with shifts and at most one 64-bit division; 0 on an exact
 * tie (the caller gives up). */
static int rounded(const Scaled *v, u128 *out)
{
    u128 q = v->num >> v->shift;
    if (v->ten)
        q = (uint64_t)q / 10; /* here num >> shift < 2^54 */
    const u128 r = v->num - q * v->den;
    if (2 * r == v->den)
        return 0;
    *out = q + (2 * r > v->den);
    return 1;
}

/* The shortest digits of |x| (positional range only) into out; 0 where it gives up. */
static int shortest(double x, char *out)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const int biased = (int)((bits >> 52) & 0x7ff);
    const uint64_t fraction = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0 || biased == 0x7ff || fraction == 0)
        return 0; /* zero, subnormal, inf, nan; or a power of two (lopsided interval) */
    const uint64_t m = fraction | (UINT64_C(1) << 52);
    const int e = biased - 1075;
    const double ax = fabs(x);
    if (!(ax >= 1e-4 && ax < 1e16))
        return 0;
    int E = (int)floor(log10(ax));
    u128 D;
    Scaled v;
    /* Settle E exactly: the 17-digit rounding must have 17 digits. */
    for (int tries = 0;; tries++) {
        if (tries == 3 || E < -4 || E > 15)
            return 0;
        v = scaled(m, e, 16 - E);
        if (!rounded(&v, &D))
            return 0;
        if (D >= POW10[17])
            E++;
        else if (D < POW10[16])
            E--;
        else
            break;
    }
    for (int digits = 15; digits <= 17; digits++) {
        const int q = digits - 1 - E;
        v = scaled(m, e, q);
        if (!rounded(&v, &D) || D >= POW10[digits] || D < POW10[digits - 1])
            return 0;
        const u128 a = D * v.den, gap = a > v.num ? a - v.num : v.num - a;
        if (2 * gap < v.t || (2 * gap == v.t && !(m & 1))) {
            char buf[24];
            int n = digits;
            uint64_t d = (uint64_t)D; /* < 10^17 */
            for (int i = digits - 1; i >= 0; i--) {
                buf[i] = (char)('0' + (int)(d % 10));
                d /= 10;
            }
            while (n > 1 && buf[n - 1] == '0')
                n--;
            char *p = out;
            if (x < 0)
                *p++ = '-';
            if (E >= 0) {
                for (int i = 0; i <= E; i++)
                    *p++ = i < n ? buf[i] : '0';
                *p++ = '.';
                if (n > E + 1) {
                    memcpy(p, buf + E + 1, (size_t)(n - E - 1));
                    p += n - E - 1;
                } else {
                    *p++ = '0';
                }
            } else {
                *p++ = '0';
                *p++ = '.';
                for (int i = 0; i < -E - 1; i++)
                    *p++ = '0';
                memcpy(p, buf, (size_t)n);
                p += n;
            }
            *p = '\0';
            return 1;
        }
    }
    return 0;
}
#endif

static PyObject *one(double x)
{
#if FAST_PATH
    char buf[40];
    if (shortest(x, buf))
        return PyUnicode_FromString(buf);
#endif
    char *s = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL)
        return NULL;
    PyObject *result = PyUnicode_FromString(s);
    PyMem_Free(s);
    return result;
}

static PyObject *reprs(PyObject *Py_UNUSED(module), PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    PyObject *result = NULL;
    if (view.itemsize != 8 || view.format == NULL || strcmp(view.format, "d") != 0) {
        PyErr_SetString(PyExc_TypeError, "reprs: expected a contiguous float64 array");
        goto done;
    }
    const Py_ssize_t n = view.len / 8;
    const double *x = view.buf;
    result = PyList_New(n);
    if (result == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *s = one(x[i]);
        if (s == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SetItem(result, i, s);
    }
done:
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"reprs", reprs, METH_O,
     "reprs(array) -> list of str\n"
     "[repr(float(v)) for v in array] for a contiguous float64 array, the same strings."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_float_repr",
    "repr(float) for a whole float64 array (see lossexp/output/serialize.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__float_repr(void)
{
#if FAST_PATH
    POW10[0] = 1;
    for (int k = 1; k < 21; k++)
        POW10[k] = POW10[k - 1] * 10;
#endif
    return PyModule_Create(&module);
}
