"""lossexp: see how a loss function shapes learning.

Importing the package is cheap on purpose: the command line's start-up path must not
pull in numpy or matplotlib. Import the submodules you need (``lossexp.library.losses``,
``lossexp.train.engine``, ``lossexp.run.experiment``) directly.
"""

__version__ = "0.1.0"
