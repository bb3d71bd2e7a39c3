"""lossexp sweep: many initialisations in one batch (issue 5)."""
