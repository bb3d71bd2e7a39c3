"""docs/losses.md states no result a command does not print: each demo's block is what
benchmarks/docs_numbers.py writes from the demo. The two slow demos (about 11 s together)
are left to the full check in .ci/run."""

import importlib.util

import pytest
from conftest import REPO

SLOW = {"heteroscedastic", "multi_output"}

spec = importlib.util.spec_from_file_location("docs_numbers", REPO / "benchmarks" / "docs_numbers.py")
docs_numbers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(docs_numbers)
TEXT = (REPO / "docs" / "losses.md").read_text()


def test_every_demo_has_a_numbers_block_in_the_docs():
    from lossexp.demos import catalogue

    assert sorted(docs_numbers.names_in(TEXT)) == sorted(catalogue.names())


@pytest.mark.parametrize("name", [n for n in docs_numbers.names_in(TEXT) if n not in SLOW])
def test_the_docs_numbers_are_what_the_demo_prints(name):
    _, stale = docs_numbers.refreshed(TEXT, {name})
    assert stale == [], f"run: python benchmarks/docs_numbers.py {name}"
