"""SimResult survives JSON, and every declared observable is decided by a real run."""

import pytest

from sims.registry import SIMULATIONS, get
from sims.result import SimResult, consensus

SMALL = {
    "updates_per_epoch": {"n_samples": 2000, "batch_sizes": [32, 500]},
    "batch_size_sweep": {"batch_sizes": [32, 256], "epochs": 3},
    "training_regimes": {"n_samples": 100, "epochs": 3},
    "learning_rate_sweep": {"epochs": 60, "n_rates": 5},
    "epochs_overfitting": {"epochs": 10, "hidden": 32},
    "online_vs_batch_drift": {"stream_length": 1200, "drift_at": 600, "warmup": 300},
    "lr_range_test": {"steps": 60},
    "lr_batch_scaling": {"ks": [2, 4], "epochs": 2},
    "schedules": {"epochs": 4, "milestones": [2, 3]},
    "data_order_and_optimizers": {"epochs": 1, "batch_size": 32},
    "memory_and_throughput": {"batch_sizes": [64, 256], "epochs": 1, "hidden": 32},
    "out_of_core": {"n_samples": 2000, "chunk_rows": 256, "batch_size": 64, "epochs": 1},
    "steps_to_target": {"batch_sizes": [1, 8, 64], "n_samples": 64, "max_updates": 100, "target_fraction": 0.2},
    "grad_accumulation": {"epochs": 1, "accumulate": 4},
    "batchnorm_batch_size": {"batch_sizes": [4, 32], "epochs": 1, "train_size": 256},
    "noise_scale": {"batch_sizes": [1, 8, 64], "n_samples": 128, "max_updates": 100},
    "data_parallel": {"epochs": 1},
    "weight_decay": {"epochs": 2, "decays": [0.1]},
    "large_batch_gap": {"small_batch": 32, "large_batch": 256, "epochs": 2, "train_samples": 512},
    "adam_batch_scaling": {"ks": [2], "epochs": 2, "train_size": 256},
    "data_repetition": {"updates": 64, "val_size": 200},
    "clipping_spikes": {"epochs": 2},
    "double_descent_epochs": {"epochs": 100, "train_size": 100},
    "memory_scaling": {"batch_sizes": [16, 32, 64], "hidden": 16, "blocks": 2},
    "adam_warmup": {"rates": [0.01, 0.1], "epochs": 1, "channels": 4, "train_size": 256},
}


def test_small_params_cover_every_simulation():
    assert set(SMALL) == set(SIMULATIONS)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_run_decides_every_observable_and_round_trips(name):
    sim = get(name)
    params = sim.params(SMALL[name])
    result = sim.run(params, seeds=[0, 1, 2], device="cpu")
    assert result.device == "cpu"
    assert result.seeds == [0, 1, 2]
    assert result.series and result.metrics
    for spec in sim.observables(params):
        for variant in spec.variants or [None]:
            value = result.observable(spec.name, variant)
            assert value.kind == spec.kind
            if spec.kind == "choice" and value.value is not None:
                assert value.value in spec.choices
            if value.per_seed is not None:
                assert len(value.per_seed) == 3
    again = SimResult.model_validate_json(result.model_dump_json())
    assert again == result


def test_consensus_counts_agreement():
    picked = consensus("best", "choice", ["16", "16", "64"])
    assert (picked.value, picked.agreeing) == ("16", 2)
    number = consensus("updates", "number", [100.0, 101.0, 150.0])
    assert number.value == 101.0
    assert number.agreeing == 2  # 150 is more than 5% away from the median
    empty = consensus("best", "choice", [None, None])
    assert (empty.value, empty.agreeing) == (None, 0)


def test_unknown_observable_lookup_says_what_exists():
    result = get("updates_per_epoch").run({"n_samples": 100, "batch_sizes": [10]}, seeds=[0])
    with pytest.raises(KeyError, match="updates_per_epoch"):
        result.observable("no_such_thing")


def test_long_curves_are_thinned_but_keep_their_ends():
    result = get("training_regimes").run({"n_samples": 1000, "epochs": 5}, seeds=[0])
    stochastic = result.curves("update_loss", "stochastic")[0]
    assert len(stochastic.x) <= 2001
    assert stochastic.x[0] == 1 and stochastic.x[-1] == 5000
    assert result.observable("updates_per_epoch", "stochastic").value == 1000
