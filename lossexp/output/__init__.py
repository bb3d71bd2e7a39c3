"""Files: atomic writes, deterministic CSV/JSON, run directories, saving figures and the
plot helpers every figure shares."""
