"""Many small MLPs trained as one: weights stacked on a leading run dimension.

Each run r has its own weights W[r]; one batched matmul advances every run at once.
Gradients are written out by hand (two matmuls per layer) because on small models
autograd's bookkeeping costs more than the arithmetic; `tests/sims/test_engine.py`
checks the result against `torch.nn` + `torch.optim` trained one run at a time.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor

Activation = Literal["relu", "tanh"]
LossKind = Literal["cross_entropy", "half_mse"]


def init_layers(sizes: tuple[int, ...], seed: int) -> list[tuple[Tensor, Tensor]]:
    """Weights for one run, in `nn.Linear` layout and with its default uniform init.

    The seed alone decides them, so every variant trained with seed s starts from the
    same point and differences between variants come from the variant, not the draw.
    """
    generator = torch.Generator().manual_seed(seed)
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        bound = 1.0 / math.sqrt(fan_in)
        weight = torch.empty(fan_out, fan_in).uniform_(-bound, bound, generator=generator)
        bias = torch.empty(fan_out).uniform_(-bound, bound, generator=generator)
        layers.append((weight, bias))
    return layers


@dataclass
class Cache:
    inputs: list[Tensor]  # the input to each layer (x, then each hidden activation)


class StackedMLP:
    """R independent MLPs; `params` is [W0, b0, W1, b1, ...], weights as [R, in, out].

    Every tensor is contiguous: small batched matmuls writing into strided views cost
    about twice as much on the CPU.
    """

    def __init__(self, params: list[Tensor], activation: Activation) -> None:
        self.params = params
        self.activation = activation
        self._layers = [(params[i], params[i + 1].unsqueeze(1)) for i in range(0, len(params), 2)]

    @classmethod
    def initialise(
        cls, sizes: tuple[int, ...], seeds: list[int], activation: Activation, device: torch.device
    ) -> StackedMLP:
        per_run = [init_layers(sizes, seed) for seed in seeds]
        params: list[Tensor] = []
        for layer in range(len(sizes) - 1):
            params.append(torch.stack([run[layer][0].T for run in per_run]).to(device).contiguous())
            params.append(torch.stack([run[layer][1] for run in per_run]).to(device).contiguous())
        return cls(params, activation)

    @classmethod
    def concat(cls, models: list[StackedMLP], order: list[int]) -> StackedMLP:
        """Runs from several models, `order[i]` naming the combined row that becomes row i."""
        index = torch.tensor(order, device=models[0].params[0].device)
        params = [torch.cat(parts)[index] for parts in zip(*(m.params for m in models), strict=True)]
        return cls(params, models[0].activation)

    @property
    def runs(self) -> int:
        return self.params[0].shape[0]

    def zeros_like(self) -> list[Tensor]:
        return [torch.zeros_like(p) for p in self.params]

    def forward(self, x: Tensor) -> tuple[Tensor, Cache]:
        """x: [R, B, in] -> outputs [R, B, out]."""
        inputs = [x]
        last = len(self._layers) - 1
        h = x
        for layer, (weight, bias) in enumerate(self._layers):
            h = torch.baddbmm(bias, h, weight)
            if layer < last:
                h = h.clamp_min_(0) if self.activation == "relu" else h.tanh_()
                inputs.append(h)
        return h, Cache(inputs)

    def predict(self, x: Tensor, chunk: int = 8192) -> Tensor:
        """Outputs for a shared input [N, in] or per-run inputs [R, N, in]."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.runs, -1, -1)
        parts = [self.forward(x[:, start : start + chunk])[0] for start in range(0, x.shape[1], chunk)]
        return torch.cat(parts, dim=1)

    def backward_into(self, cache: Cache, grad_out: Tensor, grads: list[Tensor], *, accumulate: bool) -> None:
        """Write (or add, when `accumulate`) the gradients of sum(grad_out * outputs) into `grads`."""
        n_layers = len(self.params) // 2
        g = grad_out
        for layer in reversed(range(n_layers)):
            h_in = cache.inputs[layer]
            if accumulate:
                grads[2 * layer].baddbmm_(h_in.transpose(1, 2), g)
                grads[2 * layer + 1].add_(g.sum(dim=1))
            else:
                torch.bmm(h_in.transpose(1, 2), g, out=grads[2 * layer])
                torch.sum(g, dim=1, out=grads[2 * layer + 1])
            if layer > 0:
                g = torch.bmm(g, self.params[2 * layer].transpose(1, 2))
                if self.activation == "relu":
                    g = torch.ops.aten.threshold_backward(g, h_in, 0.0)
                else:
                    g = g.mul_(1 - h_in * h_in)


def sample_losses(kind: LossKind, outputs: Tensor, targets: Tensor) -> Tensor:
    """Per-sample loss [R, B]: cross-entropy on class indices [R, B, 1], or half the mean squared error."""
    if kind == "cross_entropy":
        return outputs.logsumexp(-1) - outputs.gather(-1, targets).squeeze(-1)
    diff = outputs - targets
    return 0.5 * (diff * diff).mean(-1)


def loss_and_grad(kind: LossKind, outputs: Tensor, targets: Tensor, weights: Tensor) -> tuple[Tensor, Tensor]:
    """The weighted loss of each run [R] and its gradient with respect to `outputs`.

    `weights` [R, B, 1] are 1/|batch| for real samples and 0 for padding, so the first
    value is each run's mean loss over its batch.
    """
    if kind == "cross_entropy":
        log_probs = outputs.log_softmax(-1)
        picked = log_probs.gather(-1, targets).mul_(weights)
        grad = log_probs.exp_().mul_(weights)
        return picked.sum(dim=(1, 2)).neg_(), grad.scatter_add_(-1, targets, weights.neg())
    diff = outputs - targets
    per_sample = (diff * diff).mean(-1, keepdim=True).mul_(weights)
    return per_sample.sum(dim=(1, 2)).mul_(0.5), diff.mul_(weights / outputs.shape[-1])
