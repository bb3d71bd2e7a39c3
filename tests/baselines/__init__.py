"""The curve baselines of the shipped configs, installed as ``lossexp.configs.baselines``
(see setup.py and ``lossexp.config.shipped``)."""
