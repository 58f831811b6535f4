"""Epoch-wise double descent from features learnt at two speeds (Heckel and Yilmaz 2021; Pezeshki et al. 2022)."""

from itertools import pairwise

import pytest

from sims.double_descent_epochs import BUMP, CLEAN, ONE, SIM, TWO, bump, epoch_grid
from sims.spec import ParamError

SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def result():
    return SIM.run({}, seeds=SEEDS, device="cpu")


def held_out(result, variant: str, seed: int) -> tuple[list[float], list[float]]:
    """One run's test-loss curve: epochs and losses."""
    curve = next(s for s in result.curves("val_loss", variant) if s.seed == seed)
    return curve.x, curve.y


def test_noisy_two_scale_features_descend_rise_and_descend_again(result):
    descent = result.observable("second_descent", TWO)
    assert descent.value is True and descent.agreeing == len(SEEDS)
    for seed in SEEDS:
        epochs, losses = held_out(result, TWO, seed)
        start = losses[0]
        first = min(range(len(losses)), key=lambda i: losses[i] if epochs[i] <= 10 else float("inf"))
        peak = max(range(first, len(losses)), key=lambda i: losses[i] if epochs[i] <= 200 else float("-inf"))
        assert losses[first] < 0.75 * start  # a real first descent within ten epochs
        assert losses[peak] > losses[first] + BUMP * start  # then a clear rise: the fast features fit the noise
        assert min(losses[peak:]) < losses[peak] - BUMP * start  # and a second descent: the slow ones are learnt
        assert epochs[first] < epochs[peak] < epochs[-1] / 5


def test_training_loss_falls_all_along_so_the_bump_is_not_instability(result):
    for seed in SEEDS:
        train = next(s for s in result.curves("train_loss", TWO) if s.seed == seed).y
        assert all(later <= earlier * (1 + 1e-4) for earlier, later in pairwise(train))


def test_one_scale_gives_a_single_u_and_no_second_descent(result):
    assert result.observable("second_descent", ONE).value is False
    for seed in SEEDS:
        _, losses = held_out(result, ONE, seed)
        lowest = min(range(len(losses)), key=losses.__getitem__)
        assert losses[-1] > 1.2 * losses[lowest]  # it overfits the noise...
        assert all(later >= earlier * (1 - 1e-3) for earlier, later in pairwise(losses[lowest:]))


def test_without_label_noise_there_is_no_bump_and_the_fit_becomes_exact(result):
    assert result.observable("second_descent", CLEAN).value is False
    assert max(result.observable("bump_height", CLEAN).per_seed) < BUMP / 2
    assert result.observable("final_test_loss", CLEAN).value < 0.02


def test_the_peak_comes_tens_of_epochs_in_and_its_height_is_reported(result):
    assert result.observable("peak_epoch_range", TWO).value == "10 to 100"
    assert result.observable("bump_height", TWO).value > 2 * BUMP
    assert result.observable("peak_test_loss", TWO).value > result.observable("first_min_test_loss", TWO).value


def test_the_peak_moves_as_one_over_the_learning_rate():
    slow = SIM.run({"lr": 0.2, "epochs": 2000}, seeds=[0], device="cpu")
    fast = SIM.run({"lr": 0.4, "epochs": 1000}, seeds=[0], device="cpu")
    ratio = slow.observable("peak_epoch", TWO).value / fast.observable("peak_epoch", TWO).value
    assert 1.6 < ratio < 2.5


def test_bump_reads_rise_and_fall_in_units_of_the_start():
    found = bump([1.0, 0.5, 0.8, 0.3])
    assert (found.first_min, found.peak) == (1, 2)
    assert found.rise == pytest.approx(0.3) and found.fall == pytest.approx(0.5)
    assert found.second_descent
    assert bump([1.0, 0.4, 0.6, 0.7]).height == 0  # a U: rises, never falls again
    assert bump([1.0, 0.8, 0.5, 0.2]).height == 0  # monotone
    assert bump([1.0, float("nan"), 0.5]) is None


def test_epoch_grid_is_log_spaced_from_zero_to_the_end():
    grid = epoch_grid(1000)
    assert grid[:3] == [0, 1, 2] and grid[-1] == 1000
    assert grid == sorted(set(grid)) and 40 <= len(grid) <= 61


def test_as_many_features_as_samples_is_refused_by_name():
    with pytest.raises(ParamError, match="fast_per_sample"):
        SIM.params({"train_size": 100, "fast_per_sample": 0.8, "slow_features": 30})


def test_out_of_range_params_are_refused_by_name():
    with pytest.raises(ParamError, match="label_noise"):
        SIM.params({"label_noise": -1})
    with pytest.raises(ParamError, match="slow_scale"):
        SIM.params({"slow_scale": 0})
