"""The gradient noise scale: its formula on a case with a known answer, and what the simulation shows."""

import pytest
import torch

from sims import curvature
from sims.blocks import StackedNet
from sims.dataset import Dataset
from sims.models import MLP
from sims.noise_scale import SIM
from sims.runs import Run, Trace
from sims.spec import ParamError
from sims.targets import Target, critical_batch, first_at_target

SEEDS = [0, 1, 2]


def linear_net(weight: torch.Tensor, bias: float) -> StackedNet:
    net = StackedNet.build(MLP((len(weight), 1)), [0], torch.device("cpu"))
    with torch.no_grad():
        net.params[0][0, :, 0] = weight
        net.params[1][0, 0] = bias
    return net


def test_noise_scale_of_least_squares_matches_its_closed_form():
    """x ~ N(0, I), y = x.w0 + b0 + noise: at weights w0 + e, b0 + c, a sample's gradient is r * (x, 1) with
    r = x.e + c - noise, so |G|^2 = |e|^2 + c^2 and tr(Sigma) = (d + 2)|e|^2 + d c^2 + (d + 1) sigma^2."""
    d, n, sigma = 6, 40_000, 0.5
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=generator)
    w0 = torch.randn(d, generator=generator)
    y = x @ w0 + 0.3 + sigma * torch.randn(n, generator=generator)
    e, c = 0.4 * torch.randn(d, generator=generator), 0.2
    net = linear_net(w0 + e, 0.3 + c)
    noise = curvature.noise_of_run(net, 0, Dataset(x.unsqueeze(0), y.view(1, n, 1)), "half_mse")
    e2 = float(e @ e)
    assert noise.gradient_sq == pytest.approx(e2 + c**2, rel=0.05)
    assert noise.trace_sigma == pytest.approx((d + 2) * e2 + d * c**2 + (d + 1) * sigma**2, rel=0.03)
    assert noise.simple == pytest.approx(noise.trace_sigma / noise.gradient_sq)


def test_per_example_gradients_are_each_samples_own_gradient():
    """vmap(grad(...)) on a trained MLP row equals autograd on that sample alone."""
    generator = torch.Generator().manual_seed(1)
    x, y = torch.randn(1, 5, 4, generator=generator), torch.randint(0, 3, (1, 5, 1), generator=generator)
    net = StackedNet.build(MLP((4, 8, 3)), [3, 4], torch.device("cpu"))
    grads = curvature.per_example_gradients(net, 1, Dataset(x, y), "cross_entropy")
    module = net.module(1)
    for i in range(5):
        module.zero_grad()
        torch.nn.functional.cross_entropy(module(x[0, i : i + 1]), y[0, i]).backward()
        expected = torch.cat([p.grad.reshape(-1) for p in module.parameters()])
        torch.testing.assert_close(grads[i], expected, rtol=1e-5, atol=1e-6)


def test_critical_batch_fit_recovers_the_law_it_fits():
    batches = [1, 4, 16, 64, 256]
    b_crit, s_min = critical_batch(batches, [20 * (1 + 40 / b) for b in batches])
    assert b_crit == pytest.approx(40, rel=0.02)
    assert s_min == pytest.approx(20, rel=0.02)


def test_interpolated_steps_fall_between_updates():
    """The excess over a floor of 1 halves each update (8, 4, 2, 1): it passes 3 at update 1 + log(4/3) / log 2."""
    trace = Trace(Run("a", 0, 0.1, 1), train_loss=[9.0], full_loss=[5.0, 3.0, 2.0])
    interpolated = Target(1.0, above_floor=3.0, interpolate=True)
    assert first_at_target(interpolated, trace, 10) == pytest.approx(1.415, abs=1e-3)
    assert first_at_target(Target(1.0, above_floor=3.0), trace, 10) == 2
    assert first_at_target(Target(1.0, above_floor=3.0), trace, 1) is None
    with pytest.raises(ValueError, match="either"):
        Target(1.0)


def test_noise_scale_grows_as_the_loss_falls_and_predicts_the_knee():
    result = SIM.run(seeds=SEEDS)
    assert result.observable("grows_as_loss_falls").value is True
    assert result.observable("grows_as_loss_falls").agreeing == len(SEEDS)
    start = result.observable("noise_scale", "start").value
    target = result.observable("noise_scale", "target").value
    assert target > 3 * start > 0
    steps = {b: result.observable("steps_to_target", str(b)).value for b in (1, 4, 16, 64, 256)}
    assert steps[1] / steps[4] > 3  # near-perfect scaling while the batch is far below the noise scale
    assert steps[64] / steps[256] < 2  # and little gain past it
    assert result.observable("knee_batch").value == "64"
    assert 1 / 3 <= result.observable("noise_to_knee_ratio").value <= 3
    assert result.observable("predicts_knee").value is True
    assert result.observable("predicts_knee").agreeing == len(SEEDS)


def test_uneven_curvature_makes_the_noise_scale_overestimate_the_knee():
    result = SIM.run({"condition": 30}, seeds=SEEDS)
    assert result.observable("predicts_knee").value is False
    assert result.observable("noise_to_critical_ratio").value > 5
    assert result.observable("grows_as_loss_falls").value is True


def test_a_batch_larger_than_the_data_is_refused():
    with pytest.raises(ParamError, match="batch size 256 is larger than the dataset"):
        SIM.run({"n_samples": 100})
