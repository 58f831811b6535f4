"""Stacked optimizers: torch.optim run by run, bit-for-bit with the engine's old arithmetic, per-run clipping."""

import math

import pytest
import torch
from torch import Tensor

from sims.optim import StackedOptimizer, clip_grad_norm_
from sims.reference import torch_optimizer
from sims.runs import Optimizer

SHAPES = [(4, 3), (3,), (2, 3, 2)]  # per run: a weight, a bias, something with more dimensions


def stacked(runs: int, seed: int) -> list[Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [torch.randn(runs, *shape, generator=generator) for shape in SHAPES]


CASES = {
    "sgd": (Optimizer(), [0.05, 0.1, 0.2]),
    "momentum": (Optimizer(momentum=0.9), [0.05, 0.1, 0.2]),
    "nesterov": (Optimizer(momentum=0.9, nesterov=True), [0.05, 0.1, 0.2]),
    "sgd_l2": (Optimizer(weight_decay=0.01), [0.05, 0.1, 0.2]),
    "adam": (Optimizer(kind="adam"), [1e-3, 3e-3, 1e-2]),
    "adam_l2": (Optimizer(kind="adam", weight_decay=0.01), [1e-3, 3e-3, 1e-2]),
    "adamw": (Optimizer(kind="adamw", weight_decay=0.1), [1e-3, 3e-3, 1e-2]),
    "sgdw": (Optimizer(kind="sgdw", weight_decay=0.1), [0.05, 0.1, 0.2]),
    "sgdw_momentum": (Optimizer(kind="sgdw", momentum=0.9, weight_decay=0.1), [0.05, 0.1, 0.2]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch_optim_run_by_run(name: str) -> None:
    config, rates = CASES[name]
    params = stacked(3, seed=0)
    singles = [[p[r].clone().requires_grad_() for p in params] for r in range(3)]
    optimizers = [torch_optimizer(config, singles[r], rates[r]) for r in range(3)]
    optimizer = StackedOptimizer(params, config)
    generator = torch.Generator().manual_seed(1)
    masks = {2: [1.0, 0.0, 1.0], 3: [0.0, 1.0, 1.0], 6: [1.0, 1.0, 0.0], 7: [0.0, 0.0, 1.0]}
    for t in range(10):
        grads = [torch.randn(p.shape, generator=generator) for p in params]
        # A schedule: each run's rate shrinks a little every update; torch gets the same float32 value.
        rate = torch.tensor([[lr] for lr in rates]) * (1.0 / (1.0 + 0.1 * t))
        mask = torch.tensor(masks[t]).unsqueeze(1) if t in masks else None
        optimizer.step(grads, rate, mask)
        for r in range(3):
            if mask is not None and not mask[r]:
                continue  # the torch run simply does not step
            for single, grad in zip(singles[r], grads, strict=True):
                single.grad = grad[r].clone()
            optimizers[r].param_groups[0]["lr"] = rate[r].item()
            optimizers[r].step()
    for r in range(3):
        for p, single in zip(params, singles[r], strict=True):
            torch.testing.assert_close(p[r], single.detach(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(CASES))
def test_masked_runs_keep_weights_and_state_exactly(name: str) -> None:
    config, rates = CASES[name]
    params = stacked(3, seed=2)
    optimizer = StackedOptimizer(params, config)
    rate = torch.tensor([[lr] for lr in rates])
    optimizer.step(stacked(3, seed=3), rate)
    state = [*(optimizer.velocity or []), *(optimizer.moments[0] + optimizer.moments[1] if optimizer.moments else [])]
    state += [optimizer.steps] if optimizer.steps is not None else []
    before = [b[1].clone() for b in params + state]
    grads = stacked(3, seed=4)
    kept = [g.clone() for g in grads]
    optimizer.step(grads, rate, torch.tensor([[1.0], [0.0], [1.0]]))
    assert all(torch.equal(b[1], old) for b, old in zip(params + state, before, strict=True))
    assert not torch.equal(params[0][0], stacked(3, seed=2)[0][0])  # the others did move
    assert all(torch.equal(g, k) for g, k in zip(grads, kept, strict=True))  # gradients are never written


def test_reset_starts_a_run_afresh() -> None:
    """After reset(r), run r steps like a brand-new torch Adam from its current weights; the others carry on."""
    config = Optimizer(kind="adam")
    params = stacked(2, seed=5)
    optimizer = StackedOptimizer(params, config)
    rate = torch.tensor([[1e-2], [1e-2]])
    for seed in range(6, 9):
        optimizer.step(stacked(2, seed), rate)
    other = [b[0].clone() for b in optimizer.moments[0]]
    optimizer.reset(1)
    assert all(torch.equal(b[0], o) for b, o in zip(optimizer.moments[0], other, strict=True))
    single = [p[1].clone().requires_grad_() for p in params]
    fresh = torch.optim.Adam(single, lr=1e-2)
    for seed in range(9, 12):
        grads = stacked(2, seed)
        optimizer.step(grads, rate)
        for s, g in zip(single, grads, strict=True):
            s.grad = g[1].clone()
        fresh.step()
    for p, s in zip(params, single, strict=True):
        torch.testing.assert_close(p[1], s.detach(), rtol=1e-5, atol=1e-6)


# -- numerical continuity: the engine's arithmetic before this module, copied verbatim -------------------------------
class OldTrainer:
    """engine._Trainer's optimizer state and its _apply/_adam as they were (self.model.params -> self.params)."""

    def __init__(self, params: list[Tensor], rate: Tensor, optimizer: str, momentum: float) -> None:
        count = rate.shape[0]
        self.params = params
        self.rate = rate
        self.momentum = momentum
        self.grads = [torch.zeros_like(p) for p in params]
        self.velocity = [torch.zeros_like(p) for p in params] if momentum and optimizer == "sgd" else None
        adam = optimizer == "adam"
        self.moments = ([torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]) if adam else None
        self.steps_taken = torch.zeros(count, 1)
        self.shapes = [(count,) + (1,) * (p.dim() - 1) for p in params]
        self.rate_views = [self.rate.view(shape) for shape in self.shapes]

    def _apply(self, flag: Tensor | None, factor: Tensor | None) -> None:
        rate = self.rate if factor is None else self.rate * factor
        mask = None if flag is None else flag.unsqueeze(1)
        if mask is not None:
            rate = rate * mask
        if self.moments is not None:
            self._adam(rate, mask)
        elif self.velocity is None and mask is None:
            views = self.rate_views if factor is None else [rate.view(shape) for shape in self.shapes]
            torch._foreach_addcmul_(self.params, self.grads, views, value=-1.0)
        else:
            momentum = self.momentum
            for i, (param, grad) in enumerate(zip(self.params, self.grads, strict=True)):
                shape = self.shapes[i]
                step = grad
                if self.velocity is not None:
                    step = self.velocity[i]
                    if mask is None:
                        step.mul_(momentum).add_(grad)
                    else:
                        step.add_(mask.view(shape) * ((momentum - 1.0) * step + grad))
                param.addcmul_(rate.view(shape), step, value=-1.0)
        if mask is not None:
            for i, grad in enumerate(self.grads):
                grad.mul_((1.0 - mask).view(self.shapes[i]))

    def _adam(self, rate: Tensor, mask: Tensor | None) -> None:
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        assert self.moments is not None
        self.steps_taken += 1.0 if mask is None else mask
        steps = self.steps_taken.clamp_min(1.0)
        correction1 = 1 - beta1**steps
        root_correction2 = (1 - beta2**steps).sqrt()
        step_size = rate / correction1
        for i, (param, grad) in enumerate(zip(self.params, self.grads, strict=True)):
            shape = self.shapes[i]
            first, second = self.moments[0][i], self.moments[1][i]
            if mask is None:
                first.mul_(beta1).add_(grad, alpha=1 - beta1)
                second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            else:
                m = mask.view(shape)
                first.add_(m * ((beta1 - 1) * first + (1 - beta1) * grad))
                second.add_(m * ((beta2 - 1) * second + (1 - beta2) * grad * grad))
            denom = (second.sqrt() / root_correction2.view(shape)).add_(eps)
            param.addcdiv_(first * step_size.view(shape), denom, value=-1.0)


CONTINUITY = {
    "sgd": ("sgd", 0.0, Optimizer()),
    "momentum": ("sgd", 0.9, Optimizer(momentum=0.9)),
    "adam": ("adam", 0.0, Optimizer(kind="adam")),
}


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("scheduled", [False, True])
@pytest.mark.parametrize("name", list(CONTINUITY))
def test_bit_for_bit_with_the_old_engine_arithmetic(name: str, scheduled: bool, masked: bool) -> None:
    """The engine's call, old and new: rate = self.rate * factor; step(grads, rate, flag.unsqueeze(1)).

    Midway a run is killed as engine._kill does (rate 0, weights zeroed); the new side resets its state.
    """
    kind, momentum, config = CONTINUITY[name]
    runs = 4
    lr = (
        torch.tensor([[0.05], [0.1], [0.2], [0.02]])
        if kind == "sgd"
        else torch.tensor([[1e-3], [3e-3], [1e-2], [2e-3]])
    )
    old = OldTrainer(stacked(runs, seed=20), lr.clone(), kind, momentum)
    params, rate = stacked(runs, seed=20), lr.clone()
    new = StackedOptimizer(params, config)
    generator = torch.Generator().manual_seed(21)
    for t in range(20):
        grads = [torch.randn(p.shape, generator=generator) * 3 for p in params]
        factor = torch.rand(runs, 1, generator=generator) if scheduled else None
        flag = (torch.rand(runs, generator=generator) < 0.6).float() if masked else None
        if t == 10:
            for p in old.params + params + old.grads:
                p[2].zero_()
            for buffer in (old.velocity or []) + ([*old.moments[0], *old.moments[1]] if old.moments else []):
                buffer[2].zero_()
            old.rate[2] = 0.0
            rate[2] = 0.0
            new.reset(2)
        for buffer, grad in zip(old.grads, grads, strict=True):
            buffer.copy_(grad)
        old._apply(flag, factor)
        new.step(grads, rate if factor is None else rate * factor, None if flag is None else flag.unsqueeze(1))
        for a, b in zip(old.params, params, strict=True):
            assert torch.equal(a, b), f"step {t}"


# -- clipping --------------------------------------------------------------------------------------------------------
def test_clipping_matches_torch_run_by_run() -> None:
    grads = stacked(5, seed=30)
    grads[0][3] *= float("inf")  # a non-finite run with no clipping is left exactly as it is
    max_norm = torch.tensor([[0.5], [math.inf], [100.0], [math.inf], [2.0]])
    expected = [[g[r].clone() for g in grads] for r in range(5)]
    norms = clip_grad_norm_(grads, max_norm)
    assert norms.shape == (5,)
    assert torch.isinf(norms[3])
    assert torch.equal(grads[0][3], expected[3][0])
    for r in (0, 1, 2, 4):
        singles = [torch.zeros_like(g, requires_grad=True) for g in expected[r]]
        for single, g in zip(singles, expected[r], strict=True):
            single.grad = g
        norm = torch.nn.utils.clip_grad_norm_(singles, max_norm[r].item())
        torch.testing.assert_close(norms[r], norm, rtol=1e-5, atol=1e-6)
        for single, g in zip(singles, grads, strict=True):
            torch.testing.assert_close(g[r], single.grad, rtol=1e-5, atol=1e-6)
    clipped = torch.linalg.vector_norm(torch.cat([g[0].flatten() for g in grads]))
    torch.testing.assert_close(clipped, torch.tensor(0.5), rtol=1e-5, atol=1e-6)
    assert torch.equal(grads[1][2], expected[2][1])  # under its limit: untouched


# -- facts a simulation relies on -------------------------------------------------------------------------------------
def test_sgd_l2_is_decoupled_decay_but_adam_l2_is_not() -> None:
    """With SGD, L2 of coefficient wd is exactly decoupled decay of wd: p -= lr*(g + wd*p) = p*(1 - lr*wd) - lr*g.

    Adam divides the L2 term by the gradient's running scale along with everything else, so it is no weight decay.
    """
    wd, lr = 0.1, torch.tensor([[0.05], [0.2]])
    params = stacked(2, seed=40)
    decoupled = [p.clone() for p in params]
    optimizer = StackedOptimizer(params, Optimizer(weight_decay=wd))
    for seed in range(41, 51):
        grads = stacked(2, seed)
        optimizer.step(grads, lr)
        for p, g in zip(decoupled, grads, strict=True):
            p.mul_(1 - lr.view(2, *[1] * (p.dim() - 1)) * wd).sub_(lr.view(2, *[1] * (p.dim() - 1)) * g)
    for p, d in zip(params, decoupled, strict=True):
        torch.testing.assert_close(p, d, rtol=1e-5, atol=1e-6)

    lr = torch.tensor([[1e-2], [1e-2]])
    adam, adamw = stacked(2, seed=40), stacked(2, seed=40)
    adam_l2 = StackedOptimizer(adam, Optimizer(kind="adam", weight_decay=wd))
    decoupled_adam = StackedOptimizer(adamw, Optimizer(kind="adamw", weight_decay=wd))
    for seed in range(41, 51):
        grads = stacked(2, seed)
        adam_l2.step(grads, lr)
        decoupled_adam.step(grads, lr)
    gap = max((a - b).abs().max().item() for a, b in zip(adam, adamw, strict=True))
    assert gap > 1e-3


def test_sgdw_is_sgd_with_l2_without_momentum_and_differs_with_it() -> None:
    """Loshchilov and Hutter: decoupled decay equals L2 for plain SGD, not once momentum carries the decay term."""
    lr, wd = torch.tensor([[0.1], [0.05]]), 0.05

    def trained(config: Optimizer) -> list[Tensor]:
        params = stacked(2, seed=60)
        optimizer = StackedOptimizer(params, config)
        for seed in range(61, 71):
            optimizer.step(stacked(2, seed), lr)
        return params

    def gap(a: list[Tensor], b: list[Tensor]) -> float:
        return max((x - y).abs().max().item() for x, y in zip(a, b, strict=True))

    assert gap(trained(Optimizer(weight_decay=wd)), trained(Optimizer(kind="sgdw", weight_decay=wd))) < 1e-6
    with_momentum = Optimizer(momentum=0.9, weight_decay=wd), Optimizer(kind="sgdw", momentum=0.9, weight_decay=wd)
    assert gap(trained(with_momentum[0]), trained(with_momentum[1])) > 1e-3


def test_decoupled_decay_without_sgd_or_adam_semantics_is_refused() -> None:
    with pytest.raises(ValueError, match="momentum applies to sgd and sgdw"):
        Optimizer(kind="adamw", momentum=0.9)
