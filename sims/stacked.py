"""The fast path for plain MLPs: a backward pass written out by hand, and the engine's two losses.

Each run r has its own weights W[r]; one batched matmul advances every run at once.
For linear layers with ReLU or tanh the gradient is two matmuls per layer, and on small
models that costs less than autograd's bookkeeping (`python -m sims bench` measures
both). `sims.gradients` uses it for plain MLPs only; `tests/sims/test_training.py`
checks it against autograd and against `torch.nn` + `torch.optim`.
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
