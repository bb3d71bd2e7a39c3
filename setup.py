"""The parts of the build that pyproject.toml cannot say: the packaged configs and the C kernel.

Configs. ``configs/`` stays at the repository root (``lossexp run configs/mse_unlucky.yaml``)
and is shipped as the package ``lossexp.configs``, with the curve baselines of
``tests/baselines/`` as ``lossexp.configs.baselines``, so ``importlib.resources`` finds them
in an installed wheel and in an editable install alike.

Kernel. lossexp/train/_neuron_kernel.c makes sweeps about four times faster. A failed
build of it is an error, so that pip never caches a wheel without it on a machine that has
a compiler; set LOSSEXP_NO_KERNEL=1 to build without it (sweeps then use the NumPy engine,
bit for bit the same results, only slower). On Python 3.11+ it is built against the stable
ABI (abi3), so one wheel per OS and architecture serves every later Python.
"""

import os
import sys
import sysconfig

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

NO_KERNEL = os.environ.get("LOSSEXP_NO_KERNEL", "").strip().lower() in ("1", "true", "yes")
# The free-threaded build has no stable ABI; 3.10 lacks Py_buffer in it.
ABI3 = sys.version_info >= (3, 11) and not sysconfig.get_config_var("Py_GIL_DISABLED")

# No contraction of a*b+c into one fused multiply-add: the kernel must round every
# operation as NumPy does (see the comment at the top of the C file).
strict_float = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-fast-math"]

# The three include lossexp/library/compiled.h.
shared_c = {"include_dirs": ["lossexp/library"], "depends": ["lossexp/library/compiled.h"]}

kernel = Extension(
    "lossexp.train._neuron_kernel", ["lossexp/train/_neuron_kernel.c"], **shared_c,
    extra_compile_args=strict_float,
    define_macros=[("Py_LIMITED_API", "0x030B0000")] if ABI3 else [],
    py_limited_api=ABI3,
)


# Two steps of the engine's backward pass in one pass each (lossexp/train/_layers.c), bit for
# bit NumPy's; optional like the kernel: without it, the engine uses NumPy.
layers = Extension(
    "lossexp.train._layers", ["lossexp/train/_layers.c"], **shared_c,
    extra_compile_args=strict_float,
    define_macros=[("Py_LIMITED_API", "0x030B0000")] if ABI3 else [],
    py_limited_api=ABI3,
)


# The sigmoid and its slope in one pass (lossexp/library/_sigmoid.c), bit for bit NumPy's
# formulas; optional like the kernel: without it, activations.Sigmoid uses NumPy.
sigmoid = Extension(
    "lossexp.library._sigmoid", ["lossexp/library/_sigmoid.c"], **shared_c,
    extra_compile_args=strict_float,
    define_macros=[("Py_LIMITED_API", "0x030B0000")] if ABI3 else [],
    py_limited_api=ABI3,
)


# repr(float) for whole arrays (lossexp/output/_float_repr.c), for the rows of big CSVs;
# optional like the kernel: without it, serialize.format_column calls repr itself.
float_repr = Extension(
    "lossexp.output._float_repr", ["lossexp/output/_float_repr.c"],
    extra_compile_args=[] if sys.platform == "win32" else ["-O2"],
    define_macros=[("Py_LIMITED_API", "0x030B0000")] if ABI3 else [],
    py_limited_api=ABI3,
)


class build_kernel(build_ext):
    """build_ext whose failure says what to do about it."""

    def run(self):
        try:
            super().run()
        except Exception as exc:
            raise SystemExit(
                f"error: cannot build lossexp's compiled sweep kernel ({exc}). Install a C "
                "compiler (gcc or clang; MSVC on Windows), or set LOSSEXP_NO_KERNEL=1 to "
                "install without it: sweeps then give the same results about 4x slower."
            ) from exc


setup(
    cmdclass={"build_ext": build_kernel},
    packages=[*find_packages(include=["lossexp", "lossexp.*"]), "lossexp.configs",
              "lossexp.configs.baselines"],
    package_dir={"lossexp.configs": "configs", "lossexp.configs.baselines": "tests/baselines"},
    package_data={"lossexp": ["py.typed"], "lossexp.configs": ["*.yaml", "*.json"],
                  "lossexp.configs.baselines": ["*.json"]},
    ext_modules=[] if NO_KERNEL else [kernel, layers, sigmoid, float_repr],
    options={"bdist_wheel": {"py_limited_api": "cp311"}} if ABI3 and not NO_KERNEL else {},
)
