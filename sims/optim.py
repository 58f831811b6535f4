"""Every run's optimizer at once, on weights stacked along a leading run dimension.

Each run r owns slice r of every parameter and of every optimizer buffer, and brings its
own learning rate as row r of an [R, 1] tensor. The arithmetic follows torch.optim's SGD
(with heavy-ball or Nesterov momentum and L2 weight decay), SGDW (SGD with decoupled decay,
torch.optim.SGD after shrinking the weights as AdamW does), Adam (L2 weight decay) and AdamW
(decoupled decay) for each run, so a stacked job can be checked against torch.optim
one run at a time.
"""

from __future__ import annotations

import torch
from torch import Tensor

from sims.runs import SGD_KINDS, Optimizer


def _run_shapes(params: list[Tensor]) -> list[tuple[int, ...]]:
    """Shapes that broadcast an [R, 1] tensor over each parameter: [R, 1, ..., 1]."""
    return [(p.shape[0],) + (1,) * (p.dim() - 1) for p in params]


class StackedOptimizer:
    """Every run's optimizer at once; each run has its own rate.

    `step` never writes to the gradients it is given: zeroing or keeping them (gradient
    accumulation) is the caller's business. A `mask` row of 0 leaves that run's weights and
    optimizer state, Adam's step count included, as they were.
    """

    def __init__(self, params: list[Tensor], config: Optimizer) -> None:
        self.params = params
        self.config = config
        self.shapes = _run_shapes(params)
        first = params[0]
        sgd = config.kind in SGD_KINDS
        self.velocity = [torch.zeros_like(p) for p in params] if sgd and config.momentum else None
        self.moments = None if sgd else ([torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params])
        # Updates taken so far, per run: Adam's bias correction counts them run by run.
        self.steps = None if sgd else torch.zeros(first.shape[0], 1, device=first.device, dtype=first.dtype)
        self._rate: Tensor | None = None
        self._rate_views: list[Tensor] = []
        # Plain SGD without masking is the most common step of all: one fused call, no detours.
        self._plain = sgd and not config.momentum and not config.weight_decay

    def step(self, grads: list[Tensor], rate: Tensor, mask: Tensor | None = None) -> None:
        """One update. `rate` [R, 1]: each run's learning rate now (0 for a stopped run).

        `mask` [R, 1] is 1 for the runs that update now and 0 for the rest; None means all
        of them, and takes the path without any masking arithmetic.
        """
        if mask is None and self._plain:
            views = self._rate_views if rate is self._rate else self._views(rate)
            torch._foreach_addcmul_(self.params, grads, views, value=-1.0)
            return
        if mask is not None:
            rate = rate * mask
        if self.moments is None:
            self._sgd(grads, rate, mask)
        else:
            self._adam(grads, rate, mask)

    def reset(self, r: int) -> None:
        """Forget run r's optimizer state (after it diverged), as if it had never stepped."""
        moments = [*self.moments[0], *self.moments[1]] if self.moments is not None else []
        for buffer in (self.velocity or []) + moments:
            buffer[r].zero_()
        if self.steps is not None:
            self.steps[r] = 0.0

    def _views(self, rate: Tensor) -> list[Tensor]:
        """`rate` viewed per parameter; kept while the caller passes the same tensor, as the unscheduled path does."""
        if rate is not self._rate:
            self._rate, self._rate_views = rate, [rate.view(shape) for shape in self.shapes]
        return self._rate_views

    def _l2(self, grads: list[Tensor]) -> list[Tensor]:
        """The gradients with L2 weight decay added (sgd, adam), in new tensors; as given otherwise."""
        decay = self.config.weight_decay
        if not decay or self.config.decoupled:
            return grads
        return torch._foreach_add(grads, self.params, alpha=decay)

    def _shrink(self, rate: Tensor) -> None:
        """Decoupled decay (sgdw, adamw): the weights shrink by rate * decay; a masked run's factor is exactly 1."""
        if self.config.decoupled and self.config.weight_decay:
            shrink = 1.0 - rate * self.config.weight_decay
            torch._foreach_mul_(self.params, [shrink.view(shape) for shape in self.shapes])

    def _sgd(self, grads: list[Tensor], rate: Tensor, mask: Tensor | None) -> None:
        self._shrink(rate)
        grads = self._l2(grads)
        if self.velocity is None and mask is None:
            torch._foreach_addcmul_(self.params, grads, self._views(rate), value=-1.0)
            return
        momentum = self.config.momentum
        for i, (param, grad) in enumerate(zip(self.params, grads, strict=True)):
            shape = self.shapes[i]
            step = grad
            if self.velocity is not None:
                # The buffer starts at zero, so the first update sets it to the gradient, as torch's does.
                step = self.velocity[i]
                if mask is None:
                    step.mul_(momentum).add_(grad)
                else:
                    step.add_(mask.view(shape) * ((momentum - 1.0) * step + grad))
                if self.config.nesterov:
                    step = grad.add(step, alpha=momentum)
            param.addcmul_(rate.view(shape), step, value=-1.0)

    def _adam(self, grads: list[Tensor], rate: Tensor, mask: Tensor | None) -> None:
        assert self.moments is not None and self.steps is not None
        beta1, beta2 = self.config.betas
        eps = self.config.eps
        self.steps += 1.0 if mask is None else mask
        steps = self.steps.clamp_min(1.0)  # a run that has not stepped yet has rate 0 here
        correction1 = 1 - beta1**steps
        root_correction2 = (1 - beta2**steps).sqrt()
        step_size = rate / correction1
        self._shrink(rate)  # decoupled decay comes before the Adam update, as torch.optim.AdamW has it
        grads = self._l2(grads)
        for i, (param, grad) in enumerate(zip(self.params, grads, strict=True)):
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


def grad_norms(grads: list[Tensor]) -> Tensor:
    """Each run's global gradient norm over all its parameters, [R]; no host sync."""
    runs = grads[0].shape[0]
    per_tensor = torch.stack([torch.linalg.vector_norm(g.reshape(runs, -1), dim=1) for g in grads], dim=1)
    return torch.linalg.vector_norm(per_tensor, dim=1)


def clip_grad_norm_(grads: list[Tensor], max_norm: Tensor) -> Tensor:
    """Clip each run's gradients to its own global norm, as torch.nn.utils.clip_grad_norm_ does for one model.

    `max_norm` [R, 1]; inf leaves that run's gradients exactly as they are, even when its
    norm is not finite. Returns each run's norm before clipping, [R]. No host sync.
    """
    runs = grads[0].shape[0]
    total = grad_norms(grads)
    limit = max_norm.reshape(runs).to(total.dtype)
    coefficient = (limit / (total + 1e-6)).clamp(max=1.0)
    coefficient = torch.where(torch.isinf(limit), torch.ones_like(coefficient), coefficient)
    torch._foreach_mul_(grads, [coefficient.view(shape) for shape in _run_shapes(grads)])
    return total
