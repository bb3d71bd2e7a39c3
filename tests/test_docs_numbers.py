"""The docs state no result a command does not print: each block in docs/losses.md is what
benchmarks/docs_numbers.py writes from its demo, and each block in docs/mlp.md and the
README what it writes from `lossexp run` of the shipped configs. The two slow demos (about
11 s together) are left to the full check in .ci/run; the run blocks take about a second
together."""

import importlib.util

import pytest
from conftest import REPO

SLOW = {"heteroscedastic", "multi_output"}
SLOW_RUNS = {"mlp_sweep_sentences"}  # a minute: left to the full check in .ci/run

spec = importlib.util.spec_from_file_location("docs_numbers", REPO / "benchmarks" / "docs_numbers.py")
docs_numbers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(docs_numbers)
TEXT = (REPO / "docs" / "losses.md").read_text()
RUN_TEXTS = {name: (REPO / name).read_text() for name in ("docs/mlp.md", "docs/curves.md", "README.md")}
RUN_BLOCKS = [(doc, name) for doc, text in RUN_TEXTS.items() for name in docs_numbers.run_blocks_in(text)]


def test_every_demo_has_a_numbers_block_in_the_docs():
    from lossexp.demos import catalogue

    assert sorted(docs_numbers.names_in(TEXT)) == sorted(catalogue.names())


@pytest.mark.parametrize("name", [n for n in docs_numbers.names_in(TEXT) if n not in SLOW])
def test_the_docs_numbers_are_what_the_demo_prints(name):
    _, stale = docs_numbers.refreshed(TEXT, {name})
    assert stale == [], f"run: python benchmarks/docs_numbers.py {name}"


def test_every_run_generator_has_one_block_in_the_docs():
    assert sorted(name for _, name in RUN_BLOCKS) == sorted(docs_numbers.RUN_BLOCKS)


@pytest.mark.parametrize("doc, name", [(d, n) for d, n in RUN_BLOCKS if n not in SLOW_RUNS])
def test_the_docs_numbers_are_what_the_runs_give(doc, name):
    _, stale = docs_numbers.refreshed(RUN_TEXTS[doc], {name})
    assert stale == [], f"run: python benchmarks/docs_numbers.py {name}"


def test_a_run_block_must_name_its_generators_configs():
    text = "<!-- numbers: lossexp run mlp_xor as mlp_loss_table -->\n<!-- end numbers -->"
    with pytest.raises(SystemExit, match="expected <!-- numbers: lossexp run mlp_sigmoid_quadratic"):
        docs_numbers.refreshed(text)
