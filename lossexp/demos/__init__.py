"""The loss library's experiments (``lossexp demo``): the catalogue, their reports, their figures."""
