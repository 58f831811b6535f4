"""What one trained run's loss looks like around its weights: gradient noise and sharpness.

Per-example gradients read one run of a `StackedNet` as plain `torch.nn`
(`StackedNet.module(r)`) and let torch.func differentiate it, as the PyTorch tutorial
does: `vmap(grad(functional_call))`. Sharpness uses Hessian-vector products from
autograd's double backward on the stacked runs, with no Hessian ever formed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, grad, vmap

from sims.blocks import Pass, StackedNet
from sims.dataset import Dataset
from sims.models import LossKind
from sims.stacked import sample_losses

#: Samples whose gradients are held at once: bounds memory for wide models.
CHUNK = 4096


def sample_loss(kind: LossKind, output: Tensor, target: Tensor) -> Tensor:
    """One sample's loss, as the engine computes it (`sims.stacked.sample_losses`)."""
    if kind == "cross_entropy":
        return F.cross_entropy(output.unsqueeze(0), target.view(1))
    return 0.5 * ((output - target) ** 2).mean()


def _as_module(net: StackedNet, r: int) -> tuple[nn.Module, dict[str, Tensor]]:
    module = net.module(r).eval()  # evaluation mode: the same function for every sample
    return module, {name: p.detach() for name, p in module.named_parameters()}


def _rows(data: Dataset, r_dataset: int, device: torch.device) -> tuple[Tensor, Tensor]:
    return data.x[r_dataset].to(device), data.y[r_dataset].to(device)


def per_example_gradients(net: StackedNet, r: int, data: Dataset, loss: LossKind, dataset: int = 0) -> Tensor:
    """Run r's gradient of each sample's loss, flattened: [N, parameters]."""
    module, params = _as_module(net, r)
    x, y = _rows(data, dataset, net.params[0].device)

    def one(p: dict[str, Tensor], xi: Tensor, yi: Tensor) -> Tensor:
        return sample_loss(loss, functional_call(module, p, (xi.unsqueeze(0),)).squeeze(0), yi)

    per_sample = vmap(grad(one), in_dims=(None, 0, 0))
    with torch.enable_grad():
        chunks = []
        for i in range(0, len(x), CHUNK):
            grads = per_sample(params, x[i : i + CHUNK], y[i : i + CHUNK])
            chunks.append(torch.cat([g.reshape(g.shape[0], -1) for g in grads.values()], dim=1))
    return torch.cat(chunks)


@dataclass(frozen=True)
class GradientNoise:
    """The gradient's noise and signal over a dataset (McCandlish et al. 2018, eq. 2.9).

    `trace_sigma` is tr(Sigma), the summed variance of one sample's gradient around the
    mean gradient G; `gradient_sq` is |G|^2. A batch of B samples drawn with replacement
    has gradient variance tr(Sigma) / B, which equals the signal |G|^2 at B = B_simple.
    """

    trace_sigma: float
    gradient_sq: float

    @property
    def simple(self) -> float:
        """B_simple = tr(Sigma) / |G|^2: the batch size where noise and signal are equal."""
        return self.trace_sigma / self.gradient_sq if self.gradient_sq > 0 else float("inf")


def gradient_noise(grads: Tensor) -> GradientNoise:
    """tr(Sigma) and |G|^2 of per-example gradients [N, P], in double precision."""
    g = grads.double()
    mean = g.mean(0)
    trace_sigma = float((g - mean).pow(2).sum(1).mean())
    return GradientNoise(trace_sigma, float(mean.pow(2).sum()))


def noise_of_run(net: StackedNet, r: int, data: Dataset, loss: LossKind, dataset: int = 0) -> GradientNoise:
    return gradient_noise(per_example_gradients(net, r, data, loss, dataset))


def sharpness(
    net: StackedNet,
    data: Dataset,
    loss: LossKind,
    *,
    iterations: int = 30,
    seed: int = 0,
    step: Callable[[float], None] | None = None,
) -> list[float]:
    """Each run's largest Hessian eigenvalue of its mean loss over `data` (Keskar et al. 2017).

    Power iteration on Hessian-vector products (autograd's double backward), all runs at
    once: runs share no weights, so the Hessian of their summed losses is block-diagonal
    and one product gives every run's own. The estimate is the Rayleigh quotient v.Hv of
    each run's last unit vector; at a trained minimum the eigenvalue of largest magnitude,
    which power iteration finds, is the top one. `step` hears the fraction done after each
    iteration (progress and cancellation).
    """
    weights = [p.detach().clone().requires_grad_() for p in net.params]
    copy = StackedNet(net.model, weights, [b.detach().clone() for b in net.buffers])
    x = data.x[0].to(weights[0].device)
    y = data.y[0].to(weights[0].device).expand(net.runs, *data.y.shape[1:])
    generator = torch.Generator().manual_seed(seed)
    v = [torch.randn(w.shape, generator=generator).to(w.device) for w in weights]
    quotient = torch.zeros(net.runs, device=x.device)
    with torch.enable_grad():
        total = sample_losses(loss, copy.forward(x.expand(net.runs, *x.shape), Pass(train=False)), y).mean(1).sum()
        gradient = torch.autograd.grad(total, weights, create_graph=True)
        for i in range(iterations):
            norms = torch.sqrt(sum(_per_run(t * t) for t in v))
            v = [t / norms.view(-1, *[1] * (t.dim() - 1)) for t in v]
            product = torch.autograd.grad(gradient, weights, grad_outputs=v, retain_graph=True)
            quotient = sum(_per_run(a * b) for a, b in zip(v, product, strict=True))
            v = [t.detach() for t in product]
            if step is not None:
                step((i + 1) / iterations)
    return [float(q) for q in quotient]


def _per_run(t: Tensor) -> Tensor:
    """Sum over everything but the run dimension."""
    return t.reshape(t.shape[0], -1).sum(1)
