"""The textbook way to train the same runs: one `nn.Module` at a time, fed by a `DataLoader`.

Two uses: the benchmark times it against the batched engine on identical work, and the
tests check that both arrive at the same weights when given the same sample order.
Everything here is what a tutorial would write: `torch.optim`, `loss.backward()`,
gradient accumulation by scaling each micro-batch's loss, `clip_grad_norm_`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from sims.blocks import StackedNet
from sims.callbacks import Evaluate
from sims.jobs import Job
from sims.layout import applied_factors, shuffle_orders
from sims.runs import Optimizer, Run, batch_sizes


def build_module(job: Job, run: Run) -> nn.Module:
    """The run's model as plain torch.nn, starting where the engine starts it."""
    if job.start is not None:
        return job.start.module(job.runs.index(run))
    return StackedNet.build(job.model, [run.seed], torch.device("cpu")).module(0)


class Loss(nn.Module):
    """Cross-entropy on [B, 1] class indices, or half of `MSELoss`: the engine's two losses."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.cross_entropy = nn.CrossEntropyLoss()
        self.mse = nn.MSELoss()

    def forward(self, outputs: Tensor, targets: Tensor) -> Tensor:
        if self.kind == "cross_entropy":
            return self.cross_entropy(outputs, targets[:, 0])
        return 0.5 * self.mse(outputs, targets)


class SGDW(torch.optim.SGD):
    """SGD with decoupled weight decay: each step first shrinks the weights by lr * decay, as AdamW does."""

    def __init__(self, params: list[Tensor], *, lr: float, momentum: float, nesterov: bool, decay: float) -> None:
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov)
        self.decay = decay

    @torch.no_grad()
    def step(self, closure: None = None) -> None:  # type: ignore[override]
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.mul_(1.0 - group["lr"] * self.decay)
        super().step()


def torch_optimizer(config: Optimizer, params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    """The torch.optim optimizer a run of this config is checked against."""
    if config.kind == "sgdw":
        return SGDW(params, lr=lr, momentum=config.momentum, nesterov=config.nesterov, decay=config.weight_decay)
    if config.kind == "sgd":
        return torch.optim.SGD(
            params, lr=lr, momentum=config.momentum, nesterov=config.nesterov, weight_decay=config.weight_decay
        )
    kind = torch.optim.Adam if config.kind == "adam" else torch.optim.AdamW
    return kind(params, lr=lr, betas=config.betas, eps=config.eps, weight_decay=config.weight_decay)


@dataclass
class Trained:
    """One run trained the textbook way: the model and the losses a tutorial would log."""

    module: nn.Module
    update_loss: list[float] = field(default_factory=list)  # each update's batch loss
    train_loss: list[float] = field(default_factory=list)  # after each epoch, when the job evaluates
    val_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)  # each update's global norm before clipping


def train_one(job: Job, run: Run, device: torch.device, *, same_order: bool = False) -> Trained:
    """Train a single run. `same_order` replays the engine's shuffles instead of the loader's own."""
    model = build_module(job, run).to(device)
    criterion = Loss(job.loss)
    optimizer = torch_optimizer(job.optimizer, list(model.parameters()), run.lr)
    dataset = TensorDataset(job.train.x[run.dataset], job.train.y[run.dataset])
    order = job.order
    per_epoch = len(batch_sizes(len(dataset), run.batch_size, order.drop_last))
    scheduler = None
    if run.schedule is not None:
        factors = applied_factors(run.schedule, per_epoch * job.epochs, per_epoch).tolist()
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda u: factors[min(u, len(factors) - 1)])
    orders = shuffle_orders(run.seed, len(dataset), job.epochs, order.first_epoch) if same_order else None
    evaluate = next((part for part in job.record if isinstance(part, Evaluate)), None)
    trained = Trained(model)
    for epoch in range(job.epochs):
        if orders is not None and order.shuffle:
            sampler = orders[epoch].tolist()
            loader = DataLoader(dataset, batch_size=run.batch_size, sampler=sampler, drop_last=order.drop_last)
        else:
            loader = DataLoader(dataset, batch_size=run.batch_size, shuffle=order.shuffle, drop_last=order.drop_last)
        model.train()
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            total = 0.0
            for x, y in zip(inputs.split(run.micro_batch), targets.split(run.micro_batch), strict=True):
                loss = criterion(model(x), y)
                share = len(x) / len(inputs) if run.reduction == "mean" else 1.0
                (loss * share).backward()
                total += loss.item() * share
            limit = run.clip if run.clip is not None else math.inf  # inf: the norm, gradients left as they are
            trained.grad_norm.append(float(nn.utils.clip_grad_norm_(model.parameters(), limit)))
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            trained.update_loss.append(total)
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                for data, wanted, curve in (
                    (job.train, evaluate.train, trained.train_loss),
                    (job.val, evaluate.val, trained.val_loss),
                ):
                    if data is not None and wanted:
                        x, y = data.x[run.dataset].to(device), data.y[run.dataset].to(device)
                        curve.append(criterion(model(x), y).item())
    return trained


def train_all(job: Job, device: torch.device) -> list[Trained]:
    """Every run of the job, one after another, as a tutorial would write it."""
    return [train_one(job, run, device) for run in job.runs]
