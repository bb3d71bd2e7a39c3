"""The shipped configs, installed as the package ``lossexp.configs`` (see setup.py).

This file makes the directory a regular package, so ``importlib.resources`` finds it in an
editable install too (setuptools' editable finder maps only regular packages onto other
directories). Read them through ``lossexp.config.shipped``.
"""
