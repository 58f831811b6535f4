"""The gradient of each run's weighted loss on one tick, by autograd or by the fast path.

Autograd handles every building block. For plain MLPs (linear layers with ReLU or tanh)
the hand-written backward pass in `sims.stacked` gives the same numbers with less
bookkeeping, which on a small CPU model is most of the cost; `python -m sims bench`
measures both, and `tests/sims/test_training.py` checks they agree.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor

from sims.blocks import Pass, StackedNet
from sims.models import LossKind, Model
from sims.stacked import StackedMLP, loss_and_grad, sample_losses

_forced_autograd = False


@contextlib.contextmanager
def autograd_only() -> Iterator[None]:
    """Train every model with autograd inside the block (the benchmark's comparison)."""
    global _forced_autograd
    previous, _forced_autograd = _forced_autograd, True
    try:
        yield
    finally:
        _forced_autograd = previous


class Autograd:
    """torch.autograd over the stacked parameters: the sum over runs of each run's weighted loss.

    Calling it writes (or, with `accumulate`, adds) every run's gradient into `grads`
    and returns each run's weighted loss [R]; `outputs` keeps the tick's outputs.
    """

    def __init__(self, net: StackedNet, loss: LossKind) -> None:
        self.net, self.loss = net, loss
        self.outputs: Tensor | None = None

    def __call__(self, x: Tensor, y: Tensor, weight: Tensor, p: Pass, grads: list[Tensor], accumulate: bool) -> Tensor:
        with torch.enable_grad():
            params = [param.requires_grad_() for param in self.net.params]
            outputs = self.net.forward(x, p)
            per_run = (sample_losses(self.loss, outputs, y).unsqueeze(-1) * weight).sum(dim=(1, 2))
            found = torch.autograd.grad(per_run.sum(), params)
        for param in params:
            param.requires_grad_(False)
        if accumulate:
            torch._foreach_add_(grads, found)
        else:
            torch._foreach_copy_(grads, found)
        self.outputs = outputs.detach()
        return per_run.detach()

    def predict(self, x: Tensor) -> Tensor:
        return self.net.predict(x)


class HandWritten:
    """The fast path for plain MLPs: two matmuls per layer, no graph."""

    def __init__(self, net: StackedNet, loss: LossKind, activation: str) -> None:
        self.mlp = StackedMLP(net.params, activation)  # the same tensors: updates reach both
        self.loss = loss
        self.outputs: Tensor | None = None

    def __call__(self, x: Tensor, y: Tensor, weight: Tensor, p: Pass, grads: list[Tensor], accumulate: bool) -> Tensor:
        outputs, cache = self.mlp.forward(x)
        batch_loss, grad_out = loss_and_grad(self.loss, outputs, y, weight)
        self.mlp.backward_into(cache, grad_out, grads, accumulate=accumulate)
        self.outputs = outputs
        return batch_loss

    def predict(self, x: Tensor, chunk: int = 8192) -> Tensor:
        """Outputs on a whole dataset: the same arithmetic as the net's, without its bookkeeping."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.mlp.params[0].shape[0], -1, -1)
        return torch.cat([self.mlp.forward(x[:, i : i + chunk])[0] for i in range(0, x.shape[1], chunk)], dim=1)


def for_model(model: Model, net: StackedNet, loss: LossKind) -> Autograd | HandWritten:
    """The fast path where it applies, autograd otherwise (or always, inside `autograd_only`)."""
    if model.plain and not _forced_autograd:
        return HandWritten(net, loss, model.activation)  # type: ignore[union-attr]
    return Autograd(net, loss)
