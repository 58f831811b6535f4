"""Memory per batch size is measured on the CPU too: one epoch of a fresh model, its weights and gradients included."""

import pytest

from sims.memory_and_throughput import SIM

HIDDEN = 512  # wide enough that assembling the weights (three copies at once) outweighs a small batch's epoch
BATCHES = ["16", "64", "256"]
PARAMS = {"batch_sizes": [int(b) for b in BATCHES], "epochs": 1, "hidden": HIDDEN}
WEIGHT_BYTES = 4 * (64 * HIDDEN + HIDDEN + HIDDEN * HIDDEN + HIDDEN + HIDDEN * 10 + 10)


@pytest.fixture(scope="module")
def result():
    return SIM.run(PARAMS, seeds=[0], device="cpu")


def peaks(result):
    return [result.observable("peak_memory_bytes", b).value for b in BATCHES]


def test_the_memory_note_names_a_measurement_not_an_estimate(result):
    (note,) = [n for n in result.notes if n.startswith("memory_method")]
    assert "profiler" in note and "one epoch" in note and "estimate" not in note


def test_weights_and_gradients_are_live_when_the_epoch_starts_and_the_peak_lies_above(result):
    for batch in BATCHES:
        resident = result.metric(batch, "live_at_epoch_start_mib") * 2**20
        assert 2 * WEIGHT_BYTES <= resident < 2 * WEIGHT_BYTES + 2**20 / 8
        assert result.observable("peak_memory_bytes", batch).value > resident


def test_the_peak_grows_with_the_batch_by_at_least_the_hidden_activations(result):
    assert result.observable("memory_grows_with_batch").value is True
    small, _, large = peaks(result)
    assert large - small >= (256 - 16) * 2 * HIDDEN * 4


def test_the_copies_made_while_the_model_is_assembled_are_not_counted(result):
    # assembling the stacked weights holds three copies of them at once; a step at batch 16 needs far less
    assert peaks(result)[0] < 3 * WEIGHT_BYTES


def test_the_measurement_is_the_same_for_every_seed(result):
    assert peaks(SIM.run(PARAMS, seeds=[100], device="cpu")) == peaks(result)
