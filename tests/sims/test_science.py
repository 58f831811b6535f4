"""The simulations show what the theory and the literature say they should."""

import math

import pytest
import torch

from sims import data, engine
from sims.jobs import Job
from sims.models import MLP
from sims.registry import get
from sims.runs import Run
from sims.tracker import Tracker

SEEDS = [0, 1, 2]


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(10_000, [100, 500]), (1000, [1, 7, 64, 999, 1000]), (37, [5, 36])],
)
def test_updates_per_epoch_is_ceil_or_floor(n, sizes):
    result = get("updates_per_epoch").run({"n_samples": n, "batch_sizes": sizes}, seeds=[0, 1])
    for size in sizes:
        kept = result.observable("updates_per_epoch", str(size))
        dropped = result.observable("updates_per_epoch_drop_last", str(size))
        assert kept.value == math.ceil(n / size) and kept.agreeing == 2
        assert dropped.value == n // size and dropped.agreeing == 2


def test_the_interview_example():
    """10,000 samples: 100 updates per epoch at batch size 100, 20 at batch size 500."""
    result = get("updates_per_epoch").run({"n_samples": 10_000, "batch_sizes": [100, 500]}, seeds=SEEDS)
    assert result.observable("updates_per_epoch", "100").value == 100
    assert result.observable("updates_per_epoch", "500").value == 20
    assert result.observable("most_updates_batch").value == "100"


def test_gradient_descent_on_least_squares_turns_at_two_over_lambda_max():
    problem = data.least_squares(256, 8, condition=100, noise=0.1, seed=0)
    rate = problem.critical_rate
    factors = [0.9, 0.97, 1.03, 1.1]
    runs = [Run(f"{f}", seed, f * rate, 256) for f in factors for seed in SEEDS]
    outcome = engine.train(
        Job("grid", MLP((8, 1)), "half_mse", problem.data, runs, epochs=600), torch.device("cpu"), Tracker("t")
    )
    for trace in outcome.traces:
        factor = float(trace.run.variant)
        if factor < 1:
            assert trace.diverged_at is None, f"{factor} x critical should converge"
            assert trace.train_loss[-1] < 0.05 * trace.train_loss[0]
        else:
            assert trace.diverged_at is not None, f"{factor} x critical should diverge"


def test_measured_critical_rate_matches_theory():
    result = get("learning_rate_sweep").run(seeds=SEEDS)
    ratio = result.observable("measured_to_theory_ratio")
    assert 0.98 <= ratio.value <= 1.05
    assert ratio.agreeing == len(SEEDS)
    assert result.observable("smallest_diverging_rate").value == "3.16"


def test_full_batch_descends_smoothly_while_stochastic_updates_are_noisy():
    result = get("training_regimes").run({"lr": 0.02}, seeds=SEEDS)
    assert result.observable("full_batch_monotonic").value is True
    assert result.observable("full_batch_monotonic").agreeing == len(SEEDS)
    full = result.observable("loss_noise", "full-batch").value
    stochastic = result.observable("loss_noise", "stochastic").value
    assert stochastic > 20 * full
    assert result.observable("smoothest_regime").value == "full-batch"
    assert result.observable("lowest_final_loss_regime").value == "stochastic"


def test_online_model_beats_the_static_one_after_the_drift():
    result = get("online_vs_batch_drift").run(seeds=SEEDS)
    winner = result.observable("more_accurate_after_drift")
    assert winner.value == "online" and winner.agreeing == len(SEEDS)
    assert result.observable("static_accuracy_drop").value > 0.1
    static_before = result.observable("accuracy_before_drift", "static").value
    online_after = result.observable("accuracy_after_drift", "online").value
    assert online_after > static_before - 0.1
    assert result.observable("online_recovery_samples").value is not None


def test_validation_loss_turns_up_after_its_minimum():
    params = get("epochs_overfitting").params({})
    result = get("epochs_overfitting").run(params, seeds=SEEDS)
    rises = result.observable("val_loss_rises_after_best")
    assert rises.value is True and rises.agreeing == len(SEEDS)
    assert result.observable("train_loss_keeps_falling").value is True
    assert 0 < result.observable("best_epoch").value < params.epochs / 2
    assert result.observable("final_train_accuracy").value > 0.95  # it memorised the wrong labels too


def test_small_batches_take_more_and_noisier_steps():
    result = get("batch_size_sweep").run({"epochs": 5}, seeds=SEEDS)
    for size in (16, 64, 256, 1024):
        assert result.observable("updates_per_epoch", str(size)).value == math.ceil(1438 / size)
    assert result.observable("noisiest_batch").value == "16"
    assert result.observable("smoothest_batch").value == "1024"
    assert result.observable("lowest_val_loss_batch").value == "16"


def test_range_test_blows_up_near_the_exact_critical_rate():
    result = get("lr_range_test").run(seeds=SEEDS)
    theory = result.observable("critical_rate_theory").value
    blowup = result.observable("blowup_rate").value
    assert theory / 2 <= blowup <= theory * 2
    steepest = result.observable("steepest_rate").value
    assert steepest < blowup  # the best descent comes before the blow-up


def test_linear_scaling_tracks_the_small_batch_curve_for_small_k():
    result = get("lr_batch_scaling").run(seeds=SEEDS)
    scaled = result.observable("curve_gap", "x2 scaled")
    unscaled = result.observable("curve_gap", "x2 same lr")
    assert all(s < u for s, u in zip(scaled.per_seed, unscaled.per_seed, strict=True))
    assert result.observable("closest_to_base", "x2").value in ("scaled", "scaled+warmup")
    assert result.observable("rule_breaks_at").value == "x32"  # lr 3.2 at batch 512 is too much


def test_growing_the_batch_matches_decaying_the_rate_with_fewer_updates():
    result = get("schedules").run(seeds=SEEDS)
    matches = result.observable("decay_matches_growth")
    assert matches.value is True and matches.agreeing == len(SEEDS)
    decay = result.observable("updates", "step decay").value
    growth = result.observable("updates", "batch growth").value
    assert decay == 12 * 45 and growth == 6 * 45 + 3 * 9 + 3 * 2
    assert result.observable("update_ratio_decay_to_growth").value > 1.5


def test_shuffled_data_beats_sorted_and_momentum_helps_at_a_small_batch():
    result = get("data_order_and_optimizers").run(seeds=SEEDS)
    order = result.observable("better_order")
    assert order.value == "shuffled" and order.agreeing == len(SEEDS)
    sgd = result.observable("final_train_loss", "shuffled sgd").value
    momentum = result.observable("final_train_loss", "shuffled momentum").value
    assert momentum < sgd


def test_peak_memory_grows_with_batch_size():
    # two epochs each: the fastest is kept, so the first pass at a new size (allocations) does not count
    result = get("memory_and_throughput").run({"batch_sizes": [16, 128, 1024], "epochs": 2}, seeds=[0, 1])
    assert result.observable("memory_grows_with_batch").value is True
    small = result.observable("peak_memory_bytes", "16").value
    large = result.observable("peak_memory_bytes", "1024").value
    assert large > 2 * small
    assert any("memory_method" in note for note in result.notes)
    # a larger batch gets through an epoch faster than batch 16 (which one is fastest depends on the CPU)
    larger = min(result.observable("epoch_seconds", b).value for b in ("128", "1024"))
    assert larger < result.observable("epoch_seconds", "16").value


def test_out_of_core_ends_where_in_memory_does_with_less_memory():
    result = get("out_of_core").run(seeds=SEEDS)
    assert result.observable("final_losses_match").value is True
    in_memory = result.observable("final_loss", "in memory").per_seed
    streamed = result.observable("final_loss", "out of core").per_seed
    assert in_memory == pytest.approx(streamed, rel=1e-6)
    assert result.observable("memory_ratio").value > 4


def test_steps_to_target_fall_at_small_batches_and_flatten_at_large_ones():
    result = get("steps_to_target").run(seeds=SEEDS)
    steps = {b: result.observable("steps_to_target", str(b)).value for b in (1, 4, 16, 64, 256)}
    assert steps[1] > steps[4] > steps[16] > steps[64] >= steps[256]
    assert steps[1] / steps[4] > 2.5  # close to perfect scaling (4x) at small batches
    assert steps[64] / steps[256] < 1.3  # diminishing returns: 4x the batch, almost no fewer steps
