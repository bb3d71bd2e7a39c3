"""The math: losses and activations as small objects with a value and a gradient, their
hyperparameters, the fused output layers, and the catalogue that ``list``/``explain`` show.

Nothing here knows about configs, training, files or the terminal."""
