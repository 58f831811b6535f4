"""Warmup with Adam: the ramp lets a higher peak rate train, and changes little at a small one."""

import functools

import pytest

from sims.adam_warmup import SIM, updates_of, warmup_updates
from sims.spec import ParamError

SEEDS = [0, 1, 2]


@functools.cache
def default_run():
    return SIM.run(seeds=SEEDS)


def accuracy(rate: str, schedule: str) -> float:
    return default_run().observable("final_val_accuracy", f"lr {rate} {schedule}").value


def test_warmup_rescues_a_peak_rate_that_fails_without_it():
    result = default_run()
    assert result.observable("largest_good_rate", "no warmup").value == "0.03"
    assert result.observable("largest_good_rate", "warmup").value == "0.1"
    widens = result.observable("warmup_widens_range")
    assert widens.value is True and widens.agreeing == len(SEEDS)
    # at 0.1 the plain run ends far below the best; the warmed-up one lands near it
    assert accuracy("0.1", "no warmup") < 0.75 < 0.85 < accuracy("0.1", "warmup")
    assert result.observable("warmup_accuracy_gain", "0.1").value > 0.2


def test_warmup_does_not_make_every_peak_rate_safe():
    result = default_run()
    assert result.observable("trains_well", "lr 0.3 warmup").value is False
    assert accuracy("0.3", "warmup") < 0.3


def test_at_the_smallest_rate_the_ramp_changes_little():
    result = default_run()
    assert result.observable("same_at_smallest_rate").value is True
    assert abs(result.observable("warmup_accuracy_gain", "0.01").value) < 0.05
    assert accuracy("0.01", "no warmup") > 0.85 and accuracy("0.01", "warmup") > 0.85


def test_the_ramp_spans_its_share_of_the_updates():
    params = SIM.params({})
    assert updates_of(params) == 5 * 23  # 720 images in batches of 32
    assert warmup_updates(params) == 23
    assert warmup_updates(SIM.params({"warmup_fraction": 0.001})) == 1


def test_rates_must_increase():
    with pytest.raises(ParamError, match="rates"):
        SIM.params({"rates": [0.1, 0.01]})
    with pytest.raises(ParamError, match="batch_size"):
        SIM.params({"batch_size": 512, "train_size": 256})
