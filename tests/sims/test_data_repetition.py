"""Repeated data: 4 epochs nearly as good as fresh, 16 clearly behind (Muennighoff et al. 2023)."""

import pytest

from sims.data_repetition import SIM
from sims.spec import ParamError

SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def result():
    return SIM.run({}, seeds=SEEDS, device="cpu")


def test_every_variant_makes_the_same_updates_on_fewer_distinct_samples(result):
    for name, distinct in (("fresh", 16384), ("4 repeats", 4096), ("16 repeats", 1024)):
        assert result.metric(name, "updates") == 512
        assert result.metric(name, "distinct_samples") == distinct


def test_four_repeats_are_nearly_as_good_as_fresh_data(result):
    assert result.observable("four_repeats_close").value is True
    assert result.metric("4 repeats", "final_val_loss") < 1.05 * result.metric("fresh", "final_val_loss")


def test_sixteen_repeats_fall_clearly_behind(result):
    assert result.observable("sixteen_falls_behind").value is True
    fresh, four, sixteen = (result.metric(v, "final_val_loss") for v in ("fresh", "4 repeats", "16 repeats"))
    assert sixteen > 1.15 * fresh
    assert sixteen > 1.15 * four


def test_updates_that_do_not_split_into_whole_epochs_are_refused():
    with pytest.raises(ParamError, match="updates must be a multiple of 16"):
        SIM.params({"updates": 100})


def test_out_of_range_params_are_refused_by_name():
    with pytest.raises(ParamError, match="label_noise"):
        SIM.params({"label_noise": 0.95})
