"""Bad input is refused before anything trains, with a message naming the parameter and its range."""

import importlib
import math

import pytest

from sims import engine
from sims.registry import SIMULATIONS, get
from sims.spec import ParamError, SimError


@pytest.fixture
def no_training(monkeypatch):
    calls = []
    monkeypatch.setattr(engine, "train", lambda *a, **k: calls.append(a) or pytest.fail("training started"))
    return calls


@pytest.mark.parametrize(
    ("sim", "values", "expected"),
    [
        ("batch_size_sweep", {"batch_sizes": [0, 64]}, ["'batch_sizes.0'", ">= 1"]),
        ("batch_size_sweep", {"batch_sizes": [16, 5000]}, ["'batch_sizes.1'", "<= 1438"]),
        ("updates_per_epoch", {"n_samples": 100, "batch_sizes": [200]}, ["batch size 200", "100 samples", "1 to 100"]),
        ("training_regimes", {"lr": 0}, ["'lr'", "> 0"]),
        ("training_regimes", {"lr": -0.5}, ["'lr'", "> 0 and <= 10"]),
        ("learning_rate_sweep", {"lr_min": math.nan}, ["'lr_min'", "finite"]),
        ("epochs_overfitting", {"epochs": 0}, ["'epochs'", ">= 2"]),
        ("batch_size_sweep", {"epochs": 0}, ["'epochs'", ">= 1"]),
        ("batch_size_sweep", {"colour": "red"}, ["unknown parameter 'colour'", "batch_sizes, epochs"]),
        ("learning_rate_sweep", {"problem": "cifar"}, ["'problem'", "'least_squares'", "'digits_mlp'"]),
        ("learning_rate_sweep", {"lr_min": 1.0, "lr_max": 0.1}, ["lr_min (1) must be smaller than lr_max (0.1)"]),
        ("online_vs_batch_drift", {"drift_at": 9000}, ["warmup < drift_at < stream_length"]),
    ],
)
def test_bad_params_are_named(no_training, sim, values, expected):
    with pytest.raises(ParamError) as caught:
        get(sim).run(values)
    message = str(caught.value)
    assert message.startswith(f"{sim}: ")
    for fragment in expected:
        assert fragment in message
    assert no_training == []


def test_every_problem_is_reported_at_once():
    with pytest.raises(ParamError) as caught:
        get("batch_size_sweep").params({"lr": 0, "epochs": 0, "hidden": -1})
    assert len(str(caught.value).splitlines()) == 3


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "gpu0"])
def test_unknown_device(no_training, device):
    with pytest.raises(SimError, match=f"unknown device '{device}'; allowed: auto, cpu, cuda, cuda:N"):
        get("training_regimes").run(device=device)


def test_unknown_device_from_the_environment(no_training, monkeypatch):
    monkeypatch.setenv("SIMS_DEVICE", "quantum")
    with pytest.raises(SimError, match=r"unknown \$SIMS_DEVICE 'quantum'"):
        get("training_regimes").run()


def test_missing_cuda_is_a_clear_error(no_training):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(SimError, match="CUDA is not available"):
        get("training_regimes").run({"epochs": 1}, device="cuda")


@pytest.mark.parametrize(
    ("seeds", "fragment"), [([], "at least one seed"), ([1, 1], "distinct"), ([-3], "whole numbers")]
)
def test_bad_seeds(no_training, seeds, fragment):
    with pytest.raises(ParamError, match=fragment):
        get("training_regimes").run(seeds=seeds)


def test_defaults_are_valid_and_observables_are_declared():
    for sim in SIMULATIONS.values():
        module = importlib.import_module(f"sims.{sim.name}")
        assert module.Params is sim.params_model and module.run == sim.run
        params = sim.params({})
        specs = sim.observables(params)
        assert specs, sim.name
        for spec in specs:
            assert spec.description
            if spec.kind == "choice":
                assert spec.choices, f"{sim.name}.{spec.name} lists no choices"


def test_repeated_values_in_a_list_are_named():
    with pytest.raises(ParamError, match=r"parameter 'batch_sizes': values must be distinct; repeated: \[64\]"):
        get("batch_size_sweep").params({"batch_sizes": [16, 64, 64]})
