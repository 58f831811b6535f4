"""The large-batch gap: it appears at the same epochs, closes with matched updates; sharpness is measured right."""

import functools

import pytest
import torch

from sims import curvature
from sims.blocks import StackedNet
from sims.dataset import Dataset
from sims.large_batch_gap import SIM
from sims.models import MLP
from sims.spec import ParamError

SEEDS = [0, 1, 2]


@functools.cache
def default_run():
    return SIM.run(seeds=SEEDS)


def test_sharpness_is_each_runs_top_hessian_eigenvalue():
    """Power iteration on the stacked runs against the exact Hessian of each run alone (torch.autograd)."""
    generator = torch.Generator().manual_seed(2)
    x, y = torch.randn(1, 40, 3, generator=generator), torch.randint(0, 2, (1, 40, 1), generator=generator)
    net = StackedNet.build(MLP((3, 5, 2), activation="tanh"), [0, 1, 2], torch.device("cpu"))
    found = curvature.sharpness(net, Dataset(x, y), "cross_entropy", iterations=100)
    for r in range(net.runs):
        module = net.module(r)
        names = [name for name, _ in module.named_parameters()]
        shapes = [p.shape for p in module.parameters()]
        flat = torch.cat([p.detach().reshape(-1) for p in module.parameters()])

        def loss(w: torch.Tensor, module=module, names=names, shapes=shapes) -> torch.Tensor:
            pieces, start = {}, 0
            for name, shape in zip(names, shapes, strict=True):
                pieces[name] = w[start : start + shape.numel()].view(shape)
                start += shape.numel()
            out = torch.func.functional_call(module, pieces, (x[0],))
            return torch.nn.functional.cross_entropy(out, y[0, :, 0])

        eigenvalues = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, flat))
        top = eigenvalues[eigenvalues.abs().argmax()]
        assert found[r] == pytest.approx(float(top), rel=1e-3)


def test_same_epochs_open_a_gap_that_matched_updates_close():
    result = default_run()
    same = result.observable("gap", "same epochs")
    matched = result.observable("gap", "matched updates")
    assert min(same.per_seed) > 0.2  # the large batch, 32x fewer updates, is far behind on held-out digits
    assert all(abs(g) < 0.05 for g in matched.per_seed)  # given as many updates it is level (or ahead)
    assert result.observable("gap_closes").value is True
    assert result.observable("gap_closes").agreeing == len(SEEDS)
    assert result.observable("updates", "512 matched updates").value == result.observable("updates", "16").value
    assert result.observable("updates", "512").value * 30 < result.observable("updates", "16").value
    # scaling the rate alone, without the updates, does not close it
    assert result.observable("gap", "scaled rate").value > 0.25 * same.value


def test_the_large_batch_given_as_many_updates_ends_flatter():
    result = default_run()
    assert result.observable("sharper_end_point").value == "16"
    assert result.observable("sharper_end_point").agreeing == len(SEEDS)
    small, matched = (result.observable("sharpness", v).value for v in ("16", "512 matched updates"))
    assert small > 1.5 * matched > 0
    # it went further: a tighter fit of the training set
    assert (
        result.observable("final_train_loss", "512 matched updates").value
        < result.observable("final_train_loss", "16").value
    )


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"small_batch": 64, "large_batch": 64}, "large_batch (64) must be larger than small_batch (64)"),
        ({"large_batch": 900, "train_samples": 800}, "large_batch 900 is larger than train_samples (800)"),
        ({"small_batch": 1, "large_batch": 1000, "epochs": 100}, "epochs of the large batch"),
        ({"scaling": "cubic"}, "'scaling'"),
    ],
)
def test_bad_params_are_refused_by_name(values, fragment):
    with pytest.raises(ParamError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        SIM.run(values)
