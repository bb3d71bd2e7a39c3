"""Mini-batch SGD: shuffling reproducible from the seed, every sample once per epoch."""

import numpy as np
import pytest

from lossexp.config import parse_yaml, resolve
from lossexp.output.serialize import csv_text
from lossexp.run.experiment import minibatches, run_experiment

CONFIG = """\
task: {kind: blobs, classes: 3, per_class: 7}
model: {kind: mlp, layers: [2, 5, 3], hidden_activation: tanh, output_activation: softmax}
loss: {name: categorical_cross_entropy}
train: {lr: 0.1, epochs: 6, batch_size: 4, seed: 3}
"""


def load(*overrides):
    data, lines = parse_yaml(CONFIG, "b.yaml")
    return resolve(data, lines, "b.yaml", overrides, default_name="b")


def epochs_of_batches(samples, batch_size, seed, epochs=5):
    batches = minibatches(samples, batch_size, seed)
    return [[b.tolist() for b in batches(e)] for e in range(epochs)]


def test_each_epoch_is_a_partition_of_the_samples_into_batches():
    for batches in epochs_of_batches(21, 4, seed=0):
        assert [len(b) for b in batches] == [4, 4, 4, 4, 4, 1]
        assert sorted(i for b in batches for i in b) == list(range(21))


def test_the_same_seed_gives_the_same_batches():
    assert epochs_of_batches(21, 4, seed=5) == epochs_of_batches(21, 4, seed=5)


def test_the_batches_are_the_documented_permutations():
    rng = np.random.default_rng(8)
    for batches in epochs_of_batches(10, 3, seed=8):
        order = rng.permutation(10).tolist()
        assert batches == [order[0:3], order[3:6], order[6:9], order[9:]]


def test_other_seeds_and_other_epochs_shuffle_differently():
    a, b = epochs_of_batches(21, 4, seed=1), epochs_of_batches(21, 4, seed=2)
    assert a != b
    assert a[0] != a[1]


@pytest.mark.parametrize("batch_size", [None, 21, 100])
def test_a_batch_holding_every_sample_is_full_batch_descent(batch_size):
    assert minibatches(21, batch_size, seed=0) is None


def test_a_run_with_minibatches_is_byte_identical_when_repeated():
    first, second = run_experiment(load()), run_experiment(load())
    assert csv_text(first.metrics) == csv_text(second.metrics)
    assert first.summary == second.summary


def test_minibatches_change_the_path_and_the_seed_changes_the_batches():
    base = run_experiment(load()).metrics["loss"]
    full = run_experiment(load("train.batch_size=null")).metrics["loss"]
    assert base[0] == full[0]  # same data, same initial network
    assert not np.array_equal(base, full)
    assert full[-1] > base[-1]  # six epochs of 6 steps beat six full-batch steps here


def test_batch_size_equal_to_the_data_is_exactly_full_batch():
    full = run_experiment(load("train.batch_size=null")).metrics
    one_batch = run_experiment(load("train.batch_size=21")).metrics
    assert csv_text(full) == csv_text(one_batch)
