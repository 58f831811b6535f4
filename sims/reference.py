"""The textbook way to train the same runs: one `nn.Module` at a time, fed by a `DataLoader`.

Two uses: the benchmark times it against the batched engine on identical work, and the
tests check that both arrive at the same weights when given the same sample order.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from sims.engine import Job, applied_factors, shuffle_orders
from sims.runs import Run, batch_sizes
from sims.stacked import init_layers


def build_module(job: Job, run: Run) -> nn.Sequential:
    layers: list[nn.Module] = []
    initial = init_layers(job.sizes, run.seed)
    for i, (weight, bias) in enumerate(initial):
        linear = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            linear.weight.copy_(weight)
            linear.bias.copy_(bias)
        layers.append(linear)
        if i < len(initial) - 1:
            layers.append(nn.ReLU() if job.activation == "relu" else nn.Tanh())
    return nn.Sequential(*layers)


class _Loss(nn.Module):
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


def train_one(job: Job, run: Run, device: torch.device, *, same_order: bool = False) -> nn.Sequential:
    """Train a single run. `same_order` replays the engine's shuffles instead of the loader's own."""
    model = build_module(job, run).to(device)
    if job.start is not None:
        row = job.runs.index(run)
        with torch.no_grad():
            linears = [layer for layer in model if isinstance(layer, nn.Linear)]
            for linear, weight, bias in zip(linears, job.start[::2], job.start[1::2], strict=True):
                linear.weight.copy_(weight[row].T)
                linear.bias.copy_(bias[row])
    criterion = _Loss(job.loss)
    if job.optimizer == "adam":
        optimizer: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=run.lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=run.lr, momentum=job.momentum)
    dataset = TensorDataset(job.train.x[run.dataset], job.train.y[run.dataset])
    per_epoch = len(batch_sizes(len(dataset), run.batch_size, job.drop_last))
    scheduler = None
    if run.schedule is not None:
        factors = applied_factors(run.schedule, per_epoch * job.epochs, per_epoch).tolist()
        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda u: factors[min(u, len(factors) - 1)])
    orders = shuffle_orders(run.seed, len(dataset), job.epochs, job.first_epoch) if same_order and job.shuffle else None
    history: list[float] = []
    for epoch in range(job.epochs):
        if orders is not None:
            loader = DataLoader(
                dataset, batch_size=run.batch_size, sampler=orders[epoch].tolist(), drop_last=job.drop_last
            )
        else:
            loader = DataLoader(dataset, batch_size=run.batch_size, shuffle=job.shuffle, drop_last=job.drop_last)
        model.train()
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            loss = criterion(model(inputs), targets)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            history.append(loss.item())
        model.eval()
        with torch.no_grad():
            for data in (job.train if job.eval_train else None, job.val):
                if data is not None:
                    criterion(model(data.x[run.dataset].to(device)), data.y[run.dataset].to(device)).item()
    return model


def train_all(job: Job, device: torch.device) -> list[nn.Sequential]:
    """Every run of the job, one after another, as a tutorial would write it."""
    return [train_one(job, run, device) for run in job.runs]


def stacked_weights(model: nn.Sequential) -> list[Tensor]:
    """The module's parameters in the engine's layout: [W0^T, b0, W1^T, b1, ...]."""
    out: list[Tensor] = []
    for layer in model:
        if isinstance(layer, nn.Linear):
            out.extend([layer.weight.detach().T, layer.bias.detach()])
    return out
