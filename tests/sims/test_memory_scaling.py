"""Peak memory = fixed state + activations per sample: Adam adds 2x the weights, checkpointing cuts the slope."""

import itertools

import pytest
import torch

from sims.memory_scaling import ADAM, CHECKPOINTED, SGD, SIM, VARIANTS, digit_batches, textbook, training_steps
from sims.spec import ParamError

SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def result():
    return SIM.run({}, seeds=SEEDS, device="cpu")


def curve(result, metric, variant):
    (found,) = [s for s in result.curves(metric, variant) if s.seed == SEEDS[0]]
    return found.y


def test_peak_memory_is_a_straight_line_in_the_batch(result):
    for variant in VARIANTS:
        ys = curve(result, "peak_mib", variant)
        assert all(b > a for a, b in itertools.pairwise(ys))
        assert result.metric(variant, "fit_worst_residual_kib") < 1.0  # measured to the byte, on a line


def test_what_grows_with_the_batch_is_the_activations_not_the_state(result):
    assert result.observable("grows_with_batch").value == "activations"
    for variant in VARIANTS:
        # what is live at the start of a step is the same at every batch; the peak is not
        assert len(set(curve(result, "resident_mib", variant))) == 1
        assert result.metric(variant, "resident_mib") < result.metric(variant, "intercept_mib")
    assert result.metric(ADAM, "peak_mib_at_512") > 3 * result.metric(ADAM, "resident_mib")


def test_adam_adds_two_weight_sized_buffers_to_the_intercept_and_nothing_per_sample(result):
    assert result.observable("adam_raises").value == "intercept"
    assert result.observable("adam_extra_state_ratio").value == pytest.approx(2.0, abs=0.01)
    assert result.metric(ADAM, "resident_mib") - result.metric(SGD, "resident_mib") == pytest.approx(
        2 * result.metric(SGD, "weights_mib"), rel=1e-3
    )
    assert result.metric(ADAM, "slope_kib_per_sample") == pytest.approx(result.metric(SGD, "slope_kib_per_sample"))
    # weights + gradients for SGD; + two moments for Adam: 2x and 4x the weights
    assert result.metric(SGD, "resident_mib") == pytest.approx(2 * result.metric(SGD, "weights_mib"))
    assert result.metric(ADAM, "resident_mib") == pytest.approx(4 * result.metric(SGD, "weights_mib"), rel=1e-3)


def test_checkpointing_cuts_the_slope_and_leaves_the_intercept(result):
    assert result.observable("checkpointing_cuts").value == "slope"
    assert result.observable("checkpoint_saving").value > 0.4
    adam, ckpt = result.metric(ADAM, "intercept_mib"), result.metric(CHECKPOINTED, "intercept_mib")
    assert abs(ckpt / adam - 1) < 0.05
    # activations take over the memory at a much larger batch
    assert (
        result.observable("crossover_batch", CHECKPOINTED).value > 2 * result.observable("crossover_batch", ADAM).value
    )


def test_every_seed_measures_the_same_bytes(result):
    for value in result.observables:
        assert value.agreeing == len(SEEDS)
        assert len(set(value.per_seed)) == 1


def test_the_result_says_how_memory_was_measured(result):
    (note,) = [n for n in result.notes if n.startswith("memory_method:")]
    assert "profiler" in note and "allocation" in note


def slopes(blocks: int) -> dict[str, float]:
    found = SIM.run({"blocks": blocks, "hidden": 32, "batch_sizes": [16, 32, 64]}, seeds=[0], device="cpu")
    return {v: found.metric(v, "slope_kib_per_sample") for v in (ADAM, CHECKPOINTED)}


def test_a_checkpointed_block_keeps_only_its_input():
    """Chen et al. 2016: memory per extra block is the segment boundary only, not what is inside it."""
    few, many = slopes(2), slopes(6)
    plain_per_block = (many[ADAM] - few[ADAM]) / 4
    ckpt_per_block = (many[CHECKPOINTED] - few[CHECKPOINTED]) / 4
    hidden_kib = 32 * 4 / 1024
    # without checkpointing a block keeps its two 4h-wide activations and its output: 9h floats per sample
    assert plain_per_block == pytest.approx(9 * hidden_kib)
    # with it, only the stream's h floats between blocks
    assert ckpt_per_block == pytest.approx(hidden_kib)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"batch_sizes": [32, 64]}, "batch_sizes"),
        ({"batch_sizes": [32, 32, 64]}, "batch_sizes"),
        ({"batch_sizes": [32, 64, 5000]}, "batch_sizes"),
        ({"blocks": 0}, "blocks"),
    ],
)
def test_bad_params_are_refused_by_name(params, field):
    with pytest.raises(ParamError, match=field):
        SIM.params(params)


@pytest.mark.gpu
def test_on_cuda_the_allocator_gives_the_same_picture():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    found = SIM.run({}, seeds=[0], device="cuda")
    assert found.observable("grows_with_batch").value == "activations"
    assert found.observable("adam_raises").value == "intercept"
    assert found.observable("checkpointing_cuts").value == "slope"
    assert found.observable("adam_extra_state_ratio").value == pytest.approx(2.0, abs=0.1)
    assert found.observable("checkpoint_saving").value > 0.4
    assert any("max_memory_allocated" in note for note in found.notes)


def test_the_textbook_version_trains_the_same_steps_unmeasured():
    params = SIM.params({"batch_sizes": [4, 8, 16], "hidden": 8, "blocks": 1})
    steps = training_steps(digit_batches(params, 0, torch.device("cpu")), params, CHECKPOINTED, 0, torch.device("cpu"))
    assert len(steps) == 3
    textbook(params, [0], torch.device("cpu"))
