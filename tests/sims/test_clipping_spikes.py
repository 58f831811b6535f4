"""Clipping past the stability edge: unclipped runs blow up, clipped ones train, and the threshold matters."""

import pytest
import torch

from sims.clipping_spikes import SIM, clipped

SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def result():
    return SIM.run({"epochs": 6}, seeds=SEEDS, device="cpu")


def test_the_high_rate_blows_up_without_clipping_and_trains_with_it(result):
    assert result.observable("diverges", "no clipping").per_seed == [True] * len(SEEDS)
    assert result.observable("diverges", "comfortable rate").per_seed == [False] * len(SEEDS)
    for p in (10, 50, 99):
        assert result.observable("diverged_runs", clipped(p)).value == 0
    assert result.observable("loss_spikes", "no clipping").value > result.observable("loss_spikes", clipped(50)).value


def test_a_tight_threshold_slows_training_and_a_loose_one_lets_spikes_through(result):
    start = {p: result.observable("first_epoch_val_loss", clipped(p)).value for p in (10, 50)}
    assert start[10] > 2 * start[50]  # nearly every step rescaled: a smaller rate in effect
    assert result.observable("loss_spikes", clipped(99)).value > result.observable("loss_spikes", clipped(50)).value
    assert result.observable("best_threshold").value == clipped(50)
    assert result.observable("tightest_threshold_slows").value is True


def test_thresholds_are_percentiles_of_the_comfortable_runs_gradient_norms(result):
    norms = torch.tensor([y for s in result.curves("grad_norm", "comfortable rate") for y in s.y], dtype=torch.float64)
    assert len(norms) == len(SEEDS) * 6 * 45  # every update of every seed, unthinned
    expected = [float(torch.quantile(norms, p / 100)) for p in (10, 50, 99)]
    measured = [result.metric(clipped(p), "clip") for p in (10, 50, 99)]
    assert measured[0] < measured[1] < measured[2]
    # Per-seed percentiles averaged over seeds sit close to the pooled ones.
    assert measured == pytest.approx(expected, rel=0.25)


@pytest.mark.parametrize("lr", [1.5, 3.0])
def test_clipping_never_increases_the_number_of_diverged_runs(lr):
    result = SIM.run({"epochs": 2, "lr": lr, "percentiles": [5, 50, 90, 99.9]}, seeds=SEEDS, device="cpu")
    unclipped = result.observable("diverged_runs", "no clipping").value
    for p in (5, 50, 90, 99.9):
        assert result.observable("diverged_runs", clipped(p)).value <= unclipped
    assert result.observable("clipping_never_adds_divergence").value is True


def test_bad_params_are_refused_with_the_parameter_named():
    with pytest.raises(Exception, match="percentiles must be increasing"):
        SIM.params({"percentiles": [50, 10]})
    with pytest.raises(Exception, match="comfortable_lr"):
        SIM.run({"epochs": 2, "comfortable_lr": 50.0}, seeds=[0], device="cpu")
