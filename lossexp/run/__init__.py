"""One experiment: train it (``run_experiment``), save it (``save_run``) and draw it."""
