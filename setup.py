"""Builds the optional C kernel that speeds up sweeps (lossexp/train/_neuron_kernel.c).

Everything else about the package is in pyproject.toml. Without a C compiler the build
goes on without the kernel (optional=True) and sweeps use the NumPy engine, bit for bit
the same results, only slower.
"""

import sys

from setuptools import Extension, setup

# No contraction of a*b+c into one fused multiply-add: the kernel must round every
# operation as NumPy does (see the comment at the top of the C file).
strict_float = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-fast-math"]

setup(ext_modules=[Extension("lossexp.train._neuron_kernel", ["lossexp/train/_neuron_kernel.c"],
                             extra_compile_args=strict_float, optional=True)])
