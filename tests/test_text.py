"""Plain-text formatting (lossexp.output.text): cells, tables and exact labels."""

import random

from lossexp.output.text import cell, exact, markdown_table


def test_exact_numbers_read_back_as_themselves_in_as_few_characters_as_that_takes():
    assert [exact(v) for v in (1.0, 3, 0.5, 0.15, 100.0, 1e-05, 1e16, -2.0)] == [
        "1", "3", "0.5", "0.15", "100", "1e-05", "1e+16", "-2"]
    rng = random.Random(0)
    for _ in range(2000):
        value = rng.uniform(-10, 10) * 10 ** rng.randint(-8, 8)
        assert float(exact(value)) == value
    # Two settings a label must tell apart, where 4 significant digits would not.
    assert exact(0.15) != exact(0.1500001)


def test_a_markdown_cell_keeps_a_pipe_in_its_text():
    table = markdown_table(["", "a"], [["|a - y|", cell(0.5)]])
    assert table.splitlines()[2] == "| \\|a - y\\| | 0.5 |"
