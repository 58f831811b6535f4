"""What each data-parallel worker runs: stacked MLPs wrapped in DistributedDataParallel.

Every variant is one `Stacked` module holding that variant's seeds side by side (weights
[S, in, out], as the engine stacks runs), all of them inside one `Bundle` that DDP wraps:
one forward pass per step, and one bucket of gradients averaged across the workers per
step, however many seeds and variants ride along. Each seed reads its own shuffle (the
engine's `epoch_order`); every global batch of W*b samples is cut into W shards of b, and
rank r trains on shard r. Plain SGD, so the averaged gradient is the global batch's.
`alone` runs the very same loop in one process on whole global batches: the reference.

Float64 by default. In float32 the workers and one process add the same numbers in another
order, which alone leaves weights about 1e-7 apart; but for about 1 seed in 25 here the gap
jumped at a single step to about 1e-3 and stayed there (seed 102, lr 0.2, W=2: from 5e-8 to
6e-4 in its third epoch), as when one hidden unit's input for one sample sits within rounding
of zero and its ReLU opens in one run and not the other. Float64 rounding is hundreds of
millions of times finer, so equality shows as what it is: differences around 1e-16.

BatchNorm comes in two kinds: per-worker (`nn.BatchNorm1d`, statistics over the worker's
b samples) and synced (statistics over all W*b: `nn.SyncBatchNorm` on CUDA, which only
runs on GPU tensors, and `SyncedBatchNorm` below on the CPU, which adds up every worker's
sums through a differentiable all-reduce).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from sims.blocks import EPS, MOMENTUM, StackedNet
from sims.distributed import Group
from sims.layout import epoch_order
from sims.models import MLP
from sims.result import CurvePoints
from sims.runs import Run, Trace

Norm = Literal["per-worker", "synced"]


@dataclass(frozen=True)
class Variant:
    name: str
    lr: float
    norm: Norm | None = None  # BatchNorm after the hidden layer, and which kind


@dataclass(frozen=True)
class Plan:
    """Everything the workers need; plain data and numpy arrays, so it pickles by value."""

    x: np.ndarray  # [N, features] float32, the training set
    y: np.ndarray  # [N] int64
    seeds: list[int]
    hidden: int
    classes: int
    batch: int  # per worker
    epochs: int
    variants: list[Variant]
    dtype: str = "float64"


@dataclass
class Trained:
    """One rank's outcome: final weights per variant in the engine's stacked layout, curves on rank 0."""

    weights: dict[str, list[np.ndarray]]
    curves: dict[str, np.ndarray]  # variant -> [S, epochs + 1] training loss, rank 0 only
    updates: int
    samples_per_update: float  # summed over every rank
    train_seconds: float

    def traces(self, variants: list[Variant], seeds: list[int], batch: int) -> list[Trace]:
        """Rank 0's curves as the engine's traces, one per variant and seed."""
        return [
            Trace(Run(v.name, seed, v.lr, batch), train_loss=self.curves[v.name][i].tolist(), updates=self.updates)
            for v in variants
            for i, seed in enumerate(seeds)
        ]


def live_points(fraction: float, losses: dict[str, list[float]], seeds: list[int], epochs: int) -> list[CurvePoints]:
    """Rank 0's newest training losses (what `report` sent), as points of a live chart."""
    epoch = float(round(fraction * epochs))
    return [
        CurvePoints(metric="train_loss", variant=name, seed=seed, x=[epoch], y=[loss])
        for name, per_seed in losses.items()
        for seed, loss in zip(seeds, per_seed, strict=True)
    ]


class _AllReduceSum(torch.autograd.Function):
    """The sum over every worker, and in backward the sum of every worker's gradient (each used the total)."""

    @staticmethod
    def forward(ctx: object, tensor: Tensor) -> Tensor:
        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx: object, grad: Tensor) -> Tensor:
        total = grad.clone()
        dist.all_reduce(total)
        return total


class SyncedBatchNorm(nn.Module):
    """BatchNorm over [B, C] whose statistics cover every worker's batch (what SyncBatchNorm does on GPUs).

    Each worker's per-channel sums, squared sums and count travel through one all-reduce
    that autograd differentiates, so the backward pass adds the other workers' share too.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, h: Tensor) -> Tensor:
        if not self.training:
            return F.batch_norm(h, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, EPS)
        channels = h.shape[1]
        local = torch.cat([h.sum(0), (h * h).sum(0), h.new_full((1,), float(h.shape[0]))])
        total = _AllReduceSum.apply(local)
        count = total[-1].detach()
        mean = total[:channels] / count
        var = total[channels : 2 * channels] / count - mean * mean
        with torch.no_grad():
            self.running_mean.lerp_(mean, MOMENTUM)
            self.running_var.lerp_(var * count / (count - 1).clamp_min(1), MOMENTUM)
        return (h - mean) * (self.weight * torch.rsqrt(var + EPS)) + self.bias


def _norm(kind: Norm, channels: int, device: torch.device) -> nn.Module:
    if kind == "per-worker":
        return nn.BatchNorm1d(channels, eps=EPS, momentum=MOMENTUM)
    return (
        nn.SyncBatchNorm(channels, eps=EPS, momentum=MOMENTUM) if device.type == "cuda" else SyncedBatchNorm(channels)
    )


class Stacked(nn.Module):
    """S seeds of one MLP (in -> hidden [-> BatchNorm] -> ReLU -> out), starting where the engine starts them."""

    def __init__(self, plan: Plan, norm: Norm | None, device: torch.device) -> None:
        super().__init__()
        model = MLP((plan.x.shape[1], plan.hidden, plan.classes), norm="batch" if norm else None)
        init = StackedNet.build(model, plan.seeds, torch.device("cpu")).params  # the bundle casts to plan.dtype
        self.w1, self.b1 = nn.Parameter(init[0]), nn.Parameter(init[1])
        self.w2, self.b2 = nn.Parameter(init[-2]), nn.Parameter(init[-1])
        self.norm = _norm(norm, len(plan.seeds) * plan.hidden, device) if norm else None

    def forward(self, x: Tensor) -> Tensor:
        """x [S, B, in] -> [S, B, out]; BatchNorm sees the seeds' channels side by side, [B, S * hidden]."""
        h = torch.baddbmm(self.b1.unsqueeze(1), x, self.w1)
        if self.norm is not None:
            seeds, batch, hidden = h.shape
            h = self.norm(h.transpose(0, 1).reshape(batch, seeds * hidden)).view(batch, seeds, hidden).transpose(0, 1)
        return torch.baddbmm(self.b2.unsqueeze(1), F.relu(h), self.w2)

    def stacked(self) -> list[Tensor]:
        """The weights in the engine's layout: w1, b1, [BatchNorm weight, bias as [S, hidden]], w2, b2."""
        seeds = self.w1.shape[0]
        norm = [] if self.norm is None else [self.norm.weight.view(seeds, -1), self.norm.bias.view(seeds, -1)]
        return [t.detach() for t in (self.w1, self.b1, *norm, self.w2, self.b2)]


class Bundle(nn.Module):
    """Every variant's stacked seeds in one module, so DDP averages all their gradients in one go."""

    def __init__(self, members: list[Stacked]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: Tensor) -> list[Tensor]:
        return [member(x) for member in self.members]


def _losses(bundle: Bundle, x: Tensor, y: Tensor) -> list[Tensor]:
    """Each variant's training loss per seed over the whole set, in evaluation mode: [S] per variant."""
    bundle.eval()
    with torch.no_grad():
        outputs = bundle(x.unsqueeze(0).expand(len(bundle.members[0].w1), -1, -1))
        losses = [
            F.cross_entropy(out.transpose(1, 2), y.expand(out.shape[0], -1), reduction="none").mean(1)
            for out in outputs
        ]
    bundle.train()
    return losses


def _ddp(bundle: Bundle, device: torch.device) -> DistributedDataParallel:
    with warnings.catch_warnings():  # newer torch renames the flag; this one means the same from torch 2.4 on
        warnings.simplefilter("ignore", FutureWarning)
        # Buffers stay each worker's own (per-worker BatchNorm keeps per-worker running statistics),
        # and no broadcast of them costs a collective at every step.
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(bundle, device_ids=ids, broadcast_buffers=False)


def train(group: Group, plan: Plan) -> Trained:
    """One rank's share: its shard of every global batch, gradients averaged by DDP."""
    bundle = _bundle(plan, group.device)
    trained = fit(plan, bundle, _ddp(bundle, group.device), group.rank, group.world, group.report)
    total = torch.tensor([trained.samples_per_update * trained.updates], device=group.device)
    dist.all_reduce(total)  # every rank's samples: the global batch, measured
    trained.samples_per_update = float(total) / max(trained.updates, 1)
    return trained


def alone(plan: Plan, device: torch.device, report: Callable[[float, Any], None]) -> Trained:
    """The same loop in one process, on whole batches of `plan.batch`: the reference the workers must match.

    On one CPU thread: these matrices are tiny, and a second thread waiting on a busy core made
    the loop 10 to 100 times slower here when other work shared the machine.
    """
    bundle = _bundle(plan, device)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fit(plan, bundle, bundle, 0, 1, report)
    finally:
        torch.set_num_threads(threads)


def _bundle(plan: Plan, device: torch.device) -> Bundle:
    return Bundle([Stacked(plan, v.norm, device) for v in plan.variants]).to(device, getattr(torch, plan.dtype))


def fit(
    plan: Plan, bundle: Bundle, model: nn.Module, rank: int, world: int, report: Callable[[float, Any], None]
) -> Trained:
    """Train `model` (the bundle, or DDP around it) on shard `rank` of `world` of each global batch."""
    device, b = bundle.members[0].w1.device, plan.batch
    x = torch.from_numpy(plan.x).to(device, getattr(torch, plan.dtype))
    y = torch.from_numpy(plan.y).to(device)
    groups = [{"params": list(m.parameters()), "lr": v.lr} for m, v in zip(bundle.members, plan.variants, strict=True)]
    optimizer = torch.optim.SGD(groups, lr=plan.variants[0].lr)
    names = [v.name for v in plan.variants]
    curves: dict[str, list[Tensor]] = {name: [] for name in names}

    def evaluate(epochs_done: int) -> None:
        """Rank 0 records the training loss (before training, then after each epoch) and reports it."""
        if rank == 0:
            for name, loss in zip(names, _losses(bundle, x, y), strict=True):
                curves[name].append(loss)
            report(epochs_done / plan.epochs, {name: curve[-1].tolist() for name, curve in curves.items()})

    per_epoch = len(x) // (b * world)  # drop_last: every worker gets a full shard at every step
    updates = 0
    started = time.perf_counter()
    evaluate(0)
    for epoch in range(plan.epochs):
        orders = torch.stack([epoch_order(seed, epoch, len(x)) for seed in plan.seeds]).to(device)
        for step in range(per_epoch):
            first = step * b * world + rank * b
            rows = orders[:, first : first + b]  # [S, b]: this rank's shard of each seed's global batch
            targets = y[rows].flatten()
            loss = sum(F.cross_entropy(out.flatten(0, 1), targets, reduction="sum") / b for out in model(x[rows]))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            updates += 1
        evaluate(epoch + 1)
    return Trained(
        weights={name: [t.cpu().numpy() for t in m.stacked()] for name, m in zip(names, bundle.members, strict=True)},
        curves={name: torch.stack(curve, 1).cpu().numpy() for name, curve in curves.items() if curve},
        updates=updates,
        samples_per_update=float(b),
        train_seconds=time.perf_counter() - started,
    )


def max_difference(mine: list[np.ndarray], theirs: list[np.ndarray]) -> list[float]:
    """Per seed, the largest |difference| between two sets of stacked weights (BatchNorm's included)."""
    per_tensor = [np.abs(a - b).reshape(len(a), -1).max(1) for a, b in zip(mine, theirs, strict=True)]
    return np.max(per_tensor, axis=0).tolist()
