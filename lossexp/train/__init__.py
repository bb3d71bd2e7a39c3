"""Training: the batched engine, building a network from a config, the recorders that watch
it (outcomes, the full trace, shape features) and the compiled kernel for sweeps."""
