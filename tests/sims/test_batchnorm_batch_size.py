"""BatchNorm at tiny batches: it falls behind a batch-independent norm, which does not care."""

import pytest

from sims.batchnorm_batch_size import SIM
from sims.spec import ParamError

SEEDS = [0, 1]


@pytest.fixture(scope="module")
def result():
    return SIM.run({"batch_sizes": [2, 32], "train_size": 384}, seeds=SEEDS, device="cpu")


def accuracy(result, variant: str) -> float:
    return result.metric(variant, "final_val_accuracy")


def test_batchnorm_at_batch_2_trails_groupnorm_by_many_points(result):
    assert accuracy(result, "groupnorm @ 2") - accuracy(result, "batchnorm @ 2") > 0.1
    assert result.observable("degrades_most").value == "batchnorm"
    assert result.observable("batchnorm_level_from").value == "32"


def test_groupnorm_does_not_care_about_the_batch_size(result):
    assert abs(accuracy(result, "groupnorm @ 2") - accuracy(result, "groupnorm @ 32")) < 0.03


def test_two_sample_batch_statistics_are_worse_than_the_running_averages(result):
    gaps = result.observable("train_eval_gap", "batchnorm @ 2").per_seed
    assert all(g < -0.05 for g in gaps), gaps
    assert result.observable("better_mode_at_smallest_batch").value == "running statistics"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"hidden": 30}, "hidden 30 must be a multiple of 4"),
        ({"batch_sizes": [2, 600]}, "batch size 600 is larger than the training images used"),
        ({"batch_sizes": [16, 4]}, "must be increasing"),
    ],
)
def test_bad_params_are_refused_with_what_is_wrong(values, message):
    with pytest.raises(ParamError, match=message):
        SIM.params(values)
