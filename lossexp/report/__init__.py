"""Reports to share: one self-contained report.html per run, sweep, comparison or demo, and
animation.gif of a neuron learning.

Both are made from the files in results directories (``sources``), so they work on any
results, old or new. ``page`` builds the HTML from ``sections``; ``animation`` draws the
GIF (matplotlib, imported only there).
"""
