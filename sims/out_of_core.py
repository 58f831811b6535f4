"""Training on data that does not fit in memory: streamed from disk through a memory map.

The training set is written to a .npy file. One path loads it whole; the other opens it
as a memory map and reads one chunk of rows at a time. Both visit the samples in the
same order (chunks shuffled, rows shuffled within each chunk, as a streaming loader
must), so they take identical steps and must end at the same loss, while holding very
different amounts of data in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.observe import Evidence, Once, PerSeed, Table
from sims.result import MetricRow, Series
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from pathlib import Path

    import numpy as np
    import torch

    from sims.context import Context
    from sims.tracker import Tracker

NAME = "out_of_core"
VARIANTS = ["in memory", "out of core"]
MEMORY_METHOD = (
    "tracemalloc peak of Python and NumPy allocations while the data is loaded and fed "
    "(the whole array for 'in memory', one chunk at a time for 'out of core')"
)


class Params(ParamsBase):
    n_samples: int = Field(40_000, ge=100, le=2_000_000, description="Rows written to disk.")
    features: int = Field(32, ge=1, le=1024, description="Features per row.")
    chunk_rows: int = Field(2048, ge=1, description="Rows read from disk at a time.")
    batch_size: int = Field(256, ge=1, description="Batch size.")
    epochs: int = Field(2, ge=1, le=100, description="Passes over the file.")
    lr: float = Field(0.1, gt=0, le=10, description="Learning rate (plain SGD).")
    hidden: int = Field(32, ge=1, le=1024, description="Width of the hidden layer.")

    @model_validator(mode="after")
    def _fits(self) -> Params:
        if self.chunk_rows > self.n_samples:
            raise ValueError(f"chunk_rows {self.chunk_rows} is larger than n_samples ({self.n_samples})")
        if self.batch_size > self.chunk_rows:
            raise ValueError(f"batch_size {self.batch_size} is larger than chunk_rows ({self.chunk_rows})")
        return self


def variants_of(params: Params) -> list[str]:
    return VARIANTS


@dataclass(kw_only=True)
class Paths(Evidence):
    """Per path and seed, the final loss and the peak data memory (this loop records no traces)."""

    losses: dict[str, list[float]]  # path -> final training loss per seed
    peaks: dict[str, list[float]]  # path -> peak traced bytes per seed
    chunks: int  # chunk reads from disk per epoch


def final_losses_match(evidence: Paths, seed_index: int, _: str | None) -> bool:
    a, b = evidence.losses["in memory"][seed_index], evidence.losses["out of core"][seed_index]
    return abs(a - b) <= 1e-5 * max(1.0, abs(a))


def memory_ratio(evidence: Paths, seed_index: int, _: str | None) -> float:
    return evidence.peaks["in memory"][seed_index] / evidence.peaks["out of core"][seed_index]


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="final_losses_match",
        kind="bool",
        description="Whether both paths end at the same training loss (relative difference below 1e-5).",
        read=final_losses_match,
    ),
    PerSeed(
        name="memory_ratio",
        kind="number",
        description="Peak data memory loading the whole file divided by streaming it.",
        read=memory_ratio,
    ),
    PerSeed(
        name="final_loss",
        kind="number",
        description="Training loss after the last epoch.",
        variants=VARIANTS,
        read=lambda evidence, i, path: evidence.losses[path][i],
    ),
    PerSeed(
        name="peak_memory_bytes",
        kind="number",
        description="Peak memory held for the data (" + MEMORY_METHOD + ").",
        unit="bytes",
        variants=VARIANTS,
        read=lambda evidence, i, path: evidence.peaks[path][i],
    ),
    Once(
        name="chunks_read",
        kind="number",
        description="Chunk reads from disk per epoch.",
        read=lambda evidence, _: float(evidence.chunks),
    ),
)


def epoch_batches(params: Params, seed: int, epoch: int) -> list[tuple[int, torch.Tensor]]:
    """(chunk, row indices inside the chunk) for every batch of one epoch, in training order."""
    import torch

    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    chunks = math.ceil(params.n_samples / params.chunk_rows)
    batches = []
    for chunk in torch.randperm(chunks, generator=generator).tolist():
        rows = min(params.chunk_rows, params.n_samples - chunk * params.chunk_rows)
        order = torch.randperm(rows, generator=generator)
        batches += [(chunk, order[i : i + params.batch_size]) for i in range(0, rows, params.batch_size)]
    return batches


def train_path(
    params: Params, seed: int, x_path: Path, y_path: Path, streamed: bool, device: torch.device, tracker: Tracker
) -> tuple[float, int]:
    """Train one model through one path; returns (final training loss, peak traced bytes)."""
    import tracemalloc

    import numpy as np
    import torch

    from sims import gradients
    from sims.blocks import Pass, StackedNet
    from sims.models import MLP
    from sims.stacked import sample_losses

    model = MLP((params.features, params.hidden, 2))
    net = StackedNet.build(model, [seed], device)
    gradient = gradients.for_model(model, net, "cross_entropy")
    grads = [torch.zeros_like(p) for p in net.params]
    step = Pass()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        if streamed:
            x_map: np.ndarray = np.load(x_path, mmap_mode="r")
            y_map: np.ndarray = np.load(y_path, mmap_mode="r")
        else:
            x_all = torch.from_numpy(np.load(x_path))
            y_all = torch.from_numpy(np.load(y_path))
        for epoch in range(params.epochs):
            loaded = -1
            for chunk, rows in epoch_batches(params, seed, epoch):
                tracker.check_cancel()
                start = chunk * params.chunk_rows
                if streamed and chunk != loaded:
                    end = start + params.chunk_rows
                    x_chunk = torch.from_numpy(np.array(x_map[start:end]))
                    y_chunk = torch.from_numpy(np.array(y_map[start:end]))
                    loaded = chunk
                if streamed:
                    inputs, targets = x_chunk[rows], y_chunk[rows]
                else:
                    inputs, targets = x_all[start + rows], y_all[start + rows]
                inputs, targets = inputs.to(device).unsqueeze(0), targets.to(device).unsqueeze(0)
                weights = torch.full((1, len(rows), 1), 1.0 / len(rows), device=device)
                gradient(inputs, targets, weights, step, grads, accumulate=False)
                for param, grad in zip(net.params, grads, strict=True):
                    param.sub_(params.lr * grad)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    x_full = torch.from_numpy(np.load(x_path)).unsqueeze(0).to(device)
    y_full = torch.from_numpy(np.load(y_path)).unsqueeze(0).to(device)
    with torch.no_grad():
        loss = float(sample_losses("cross_entropy", net.predict(x_full), y_full).mean())
    return loss, peak


def write_dataset(params: Params, folder: Path) -> tuple[Path, Path]:
    import numpy as np

    from sims import data

    dataset = data.linear_classes(params.n_samples, params.features, seed=0)
    x_path, y_path = folder / "x.npy", folder / "y.npy"
    np.save(x_path, dataset.x[0].numpy())
    np.save(y_path, dataset.y[0].numpy())
    return x_path, y_path


def experiment(params: Params, ctx: Context) -> Paths:
    """Every seed trains one model per path from the same file, in the same sample order."""
    import tempfile
    from pathlib import Path

    ctx.plan(run=1.0)
    results: dict[str, list[tuple[float, int]]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="sims-out-of-core-") as folder:
        x_path, y_path = write_dataset(params, Path(folder))
        file_bytes = x_path.stat().st_size + y_path.stat().st_size
        for i, seed in enumerate(ctx.seeds):
            for streamed, name in ((False, "in memory"), (True, "out of core")):
                ctx.tracker.check_cancel()
                results[name].append(train_path(params, seed, x_path, y_path, streamed, ctx.device, ctx.tracker))
                ctx.tracker.update((2 * i + streamed + 1) / (2 * len(ctx.seeds)))
    losses = {name: [loss for loss, _ in runs] for name, runs in results.items()}
    peaks = {name: [float(peak) for _, peak in runs] for name, runs in results.items()}
    return Paths(
        seeds=ctx.seeds,
        variants=VARIANTS,
        losses=losses,
        peaks=peaks,
        chunks=math.ceil(params.n_samples / params.chunk_rows),
        series=[
            Series(metric="final_loss", variant=name, seed=seed, x_label="epoch", x=[float(params.epochs)], y=[loss])
            for name in VARIANTS
            for seed, loss in zip(ctx.seeds, losses[name], strict=True)
        ],
        metrics=[
            MetricRow(
                variant=name,
                values={
                    "final_loss": sum(losses[name]) / len(losses[name]),
                    "peak_memory_mib": max(peaks[name]) / 2**20,
                },
            )
            for name in VARIANTS
        ],
        notes=[
            f"{params.n_samples} rows x {params.features} features on disk ({file_bytes / 2**20:.1f} MiB), read in "
            f"chunks of {params.chunk_rows} rows; batch {params.batch_size}.",
            f"memory_method: {MEMORY_METHOD}.",
        ],
    )


def textbook(params: Params, seeds: list[int], device: torch.device) -> None:
    """The same training written the common way, for the benchmark: `nn.Module`, `DataLoader`,
    the whole array for one path and a memory-mapped `Dataset` read row by row for the other."""
    import tempfile
    from pathlib import Path

    import numpy as np
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, Dataset, TensorDataset

    class Mapped(Dataset):
        def __init__(self, x_path: Path, y_path: Path) -> None:
            self.x, self.y = np.load(x_path, mmap_mode="r"), np.load(y_path, mmap_mode="r")

        def __len__(self) -> int:
            return len(self.x)

        def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
            return torch.from_numpy(np.array(self.x[i])), torch.from_numpy(np.array(self.y[i]))

    with tempfile.TemporaryDirectory(prefix="sims-out-of-core-") as folder:
        x_path, y_path = write_dataset(params, Path(folder))
        whole = TensorDataset(torch.from_numpy(np.load(x_path)), torch.from_numpy(np.load(y_path)))
        for seed in seeds:
            for dataset in (whole, Mapped(x_path, y_path)):
                torch.manual_seed(seed)
                model = nn.Sequential(nn.Linear(params.features, params.hidden), nn.ReLU(), nn.Linear(params.hidden, 2))
                model.to(device)
                optimizer = torch.optim.SGD(model.parameters(), lr=params.lr)
                loader = DataLoader(dataset, batch_size=params.batch_size, shuffle=True)
                for _ in range(params.epochs):
                    for inputs, targets in loader:
                        optimizer.zero_grad()
                        loss = nn.functional.cross_entropy(model(inputs.to(device)), targets.to(device)[:, 0])
                        loss.backward()
                        optimizer.step()


SIM = Simulation(
    name=NAME,
    title="Out-of-core training",
    summary="One model trained from a file loaded whole and from the file streamed in chunks: same loss, less memory.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
    textbook=textbook,
)
run = SIM.run
