"""lossexp list / explain: the loss and activation library (issue 3)."""
