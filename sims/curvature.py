"""What one trained run's loss looks like around its weights: gradient noise and sharpness.

Both read a run of a `StackedNet` as plain `torch.nn` (`StackedNet.module(r)`) and let
torch.func differentiate it, as the PyTorch tutorials do: per-example gradients with
`vmap(grad(functional_call))`, and Hessian-vector products as the forward derivative of
the gradient (`jvp(grad(...))`), with no Hessian ever formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.func import functional_call, grad, jvp, vmap

from sims.blocks import StackedNet
from sims.dataset import Dataset
from sims.models import LossKind

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
    net: StackedNet, r: int, data: Dataset, loss: LossKind, *, iterations: int = 20, seed: int = 0, dataset: int = 0
) -> float:
    """The largest eigenvalue of run r's Hessian of the mean loss over `data` (Keskar et al. 2017).

    Power iteration on Hessian-vector products from a seeded random start; the estimate
    is the Rayleigh quotient v.Hv of the last unit vector. It finds the eigenvalue of
    largest magnitude, which at a trained minimum is the top (positive) one.
    """
    module, params = _as_module(net, r)
    x, y = _rows(data, dataset, net.params[0].device)
    targets = y.view(-1) if loss == "cross_entropy" else y

    def mean_loss(p: dict[str, Tensor]) -> Tensor:
        out = functional_call(module, p, (x,))
        if loss == "cross_entropy":
            return F.cross_entropy(out, targets)
        return 0.5 * ((out - targets) ** 2).mean(-1).mean()

    def hvp(v: dict[str, Tensor]) -> dict[str, Tensor]:
        return jvp(grad(mean_loss), (params,), (v,))[1]

    generator = torch.Generator().manual_seed(seed)
    v = {k: torch.randn(p.shape, generator=generator).to(p.device) for k, p in params.items()}
    estimate = 0.0
    with torch.enable_grad():
        for _ in range(iterations):
            norm = torch.sqrt(sum((t * t).sum() for t in v.values()))
            v = {k: t / norm for k, t in v.items()}
            hv = hvp(v)
            estimate = float(sum((a * b).sum() for a, b in zip(v.values(), hv.values(), strict=True)))
            v = hv
    return estimate
