"""Gradient accumulation: what equals the large batch, and what does not."""

import pytest

from sims.grad_accumulation import SIM
from sims.spec import ParamError

SEEDS = [0, 1]


@pytest.fixture(scope="module")
def sgd():
    return SIM.run({"epochs": 2}, seeds=SEEDS, device="cpu")


def test_averaged_micro_batches_end_at_the_large_batch_weights(sgd):
    differences = sgd.observable("accumulation_difference").per_seed
    assert all(0 <= d < 1e-5 for d in differences), differences
    assert sgd.observable("accumulation_matches").value is True


def test_batchnorm_statistics_of_a_micro_batch_break_the_match(sgd):
    differences = sgd.observable("batchnorm_difference").per_seed
    assert all(d > 1e-3 for d in differences), differences
    assert sgd.observable("batchnorm_breaks_match").value is True


def test_summed_micro_batch_losses_are_sgd_at_k_times_the_rate(sgd):
    assert sgd.observable("summed_matches_rate").value == "lr x8"
    assert all(d < 1e-5 for d in sgd.observable("summed_difference").per_seed)


def test_adam_divides_the_summed_scale_out():
    result = SIM.run({"epochs": 1, "optimizer": "adam", "accumulate": 4}, seeds=SEEDS, device="cpu")
    assert result.observable("summed_matches_rate").value == "lr x1"


def test_a_batch_that_does_not_split_is_refused_with_its_numbers():
    with pytest.raises(ParamError, match="batch_size 100 must split into accumulate=8"):
        SIM.params({"batch_size": 100})
