"""The parts of the build that pyproject.toml cannot say: the packaged configs and the C parts.

Configs. ``configs/`` stays at the repository root (``lossexp run configs/mse_unlucky.yaml``)
and is shipped as the package ``lossexp.configs``, with the curve baselines of
``tests/baselines/`` as ``lossexp.configs.baselines``, so ``importlib.resources`` finds them
in an installed wheel and in an editable install alike.

C parts (``EXTENSIONS``). The sweep kernel (lossexp/train/_neuron_kernel.c) makes sweeps
about four times faster; the others speed up every network and the CSVs. A failed build
is an error, so that pip never caches a wheel without them on a machine that has a
compiler; set LOSSEXP_NO_KERNEL=1 to build without them (NumPy and Python then do their
work, bit for bit the same results, only slower). On Python 3.11+ they are built against
the stable ABI (abi3), so one wheel per OS and architecture serves every later Python.
"""

import os
import sys
import sysconfig

from setuptools import Extension, find_packages, setup
from setuptools.command.build_ext import build_ext

NO_KERNEL = os.environ.get("LOSSEXP_NO_KERNEL", "").strip().lower() in ("1", "true", "yes")
# The free-threaded build has no stable ABI; 3.10 lacks Py_buffer in it.
ABI3 = sys.version_info >= (3, 11) and not sysconfig.get_config_var("Py_GIL_DISABLED")

# No contraction of a*b+c into one fused multiply-add: the compiled parts that compute must
# round every operation as NumPy does (see lossexp/library/compiled.h, which they include).
STRICT_FLOAT = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-fast-math"]


def compiled(module: str, *, rounds_as_numpy: bool = True) -> Extension:
    """The extension ``module`` (lossexp/.../_name.c), against the stable ABI where there is
    one; ``rounds_as_numpy``: it computes, with NumPy's bits (compiled.h, strict flags)."""
    source = module.replace(".", "/") + ".c"
    shared = {"include_dirs": ["lossexp/library"], "depends": ["lossexp/library/compiled.h"]}
    return Extension(
        module, [source], **(shared if rounds_as_numpy else {}),
        extra_compile_args=(STRICT_FLOAT if rounds_as_numpy
                            else [] if sys.platform == "win32" else ["-O2"]),
        define_macros=[("Py_LIMITED_API", "0x030B0000")] if ABI3 else [],
        py_limited_api=ABI3,
    )


EXTENSIONS = [
    compiled("lossexp.train._neuron_kernel"),  # a sweep's epochs, a chunk in one call
    compiled("lossexp.train._layers"),  # three engine steps in one pass each
    compiled("lossexp.library._sigmoid"),  # the sigmoid and its slope in one pass
    # repr(float) for whole arrays, for the rows of big CSVs (the same bytes as repr)
    compiled("lossexp.output._float_repr", rounds_as_numpy=False),
]


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
    ext_modules=[] if NO_KERNEL else EXTENSIONS,
    options={"bdist_wheel": {"py_limited_api": "cp311"}} if ABI3 and not NO_KERNEL else {},
)
