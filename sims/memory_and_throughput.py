"""Speed and memory per batch size on the device the run uses.

For each batch size one model trains alone for a couple of epochs: the fastest epoch
gives time per epoch and samples per second. Each seed is one round over every batch size
in turn, so load from outside the run falls on all batch sizes alike. Memory: on CUDA the
allocator's own peak (`torch.cuda.max_memory_allocated`); elsewhere an estimate from
tensor sizes (weights, gradients, and each layer's activations and their gradients for
one batch, float32), labelled as such in the result.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sims.datasizes import digits_train_size
from sims.observe import Evidence, Once, PerSeed, Table
from sims.result import MetricRow, Series
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase, label

if TYPE_CHECKING:
    from sims.context import Context
    from sims.jobs import Job

NAME = "memory_and_throughput"
TRAIN_SIZE = digits_train_size()
FLOAT_BYTES = 4


class Params(ParamsBase):
    batch_sizes: Annotated[list[Annotated[int, Field(ge=1, le=TRAIN_SIZE)]], Distinct] = Field(
        default=[16, 64, 256, 1024], min_length=2, max_length=10, description="Batch sizes to measure."
    )
    hidden: int = Field(512, ge=1, le=8192, description="Width of the two hidden layers.")
    epochs: int = Field(2, ge=1, le=20, description="Epochs timed per batch size and seed (the fastest counts).")


def variants_of(params: Params) -> list[str]:
    return [label(b) for b in params.batch_sizes]


@dataclass(kw_only=True)
class Measured(Evidence):
    """Timings and memory per batch size; nothing here is read from a loss curve."""

    seconds: dict[str, list[float]]  # batch size -> the fastest epoch of each seed's run
    memory: dict[str, float]  # batch size -> peak bytes of one training step
    samples: int  # training samples per epoch


def epoch_seconds(evidence: Measured, seed_index: int, batch: str) -> float:
    return evidence.seconds[batch][seed_index]


def samples_per_second(evidence: Measured, seed_index: int, batch: str) -> float:
    return evidence.samples / evidence.seconds[batch][seed_index]


def fastest_epoch_batch(evidence: Measured, seed_index: int, _: str | None) -> str:
    return min(evidence.variants, key=lambda batch: evidence.seconds[batch][seed_index])


def memory_by_batch(evidence: Measured) -> list[float]:
    """Peak memory per batch size, smallest batch first."""
    return [evidence.memory[batch] for batch in evidence.variants]


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="fastest_epoch_batch",
        kind="choice",
        description="The batch size that finishes an epoch in the least wall time. A timing: it depends on the "
        "machine, on what else runs on it (a busy CPU slows the large, multi-threaded steps most), and on the "
        "width of the layers (wider layers fill the hardware at a smaller batch).",
        choices=variants_of,
        read=fastest_epoch_batch,
    ),
    Once(
        name="memory_grows_with_batch",
        kind="bool",
        description="Whether peak memory rises with every step up in batch size.",
        read=lambda evidence, _: all(b > a for a, b in itertools.pairwise(memory_by_batch(evidence))),
    ),
    Once(
        name="memory_ratio_largest_to_smallest",
        kind="number",
        description="Peak memory at the largest batch size divided by that at the smallest.",
        read=lambda evidence, _: memory_by_batch(evidence)[-1] / memory_by_batch(evidence)[0],
    ),
    PerSeed(
        name="epoch_seconds",
        kind="number",
        description="Wall time of one epoch, one model trained alone.",
        unit="s",
        variants=variants_of,
        read=epoch_seconds,
    ),
    PerSeed(
        name="samples_per_second",
        kind="number",
        description="Training samples processed per second.",
        unit="samples/s",
        variants=variants_of,
        read=samples_per_second,
    ),
    Once(
        name="peak_memory_bytes",
        kind="number",
        description="Peak memory of one training step (see memory_method).",
        unit="bytes",
        variants=variants_of,
        read=lambda evidence, batch: evidence.memory[batch],
    ),
)


def estimated_bytes(sizes: tuple[int, ...], batch: int) -> int:
    """Weights and gradients, plus every layer's activations and their gradients for one batch."""
    weights = sum(a * b + b for a, b in itertools.pairwise(sizes))
    activations = batch * sum(sizes)
    return FLOAT_BYTES * 2 * (weights + activations)


def measured_bytes(ctx: Context, job: Job) -> float:
    """CUDA's own peak for one job, above what was already allocated (the dataset is)."""
    import torch

    torch.cuda.synchronize(ctx.device)
    torch.cuda.reset_peak_memory_stats(ctx.device)
    before = torch.cuda.memory_allocated(ctx.device)
    ctx.train(job)
    return float(torch.cuda.max_memory_allocated(ctx.device) - before)


def experiment(params: Params, ctx: Context) -> Measured:
    """Each batch size and seed trains one model alone, timed; then one epoch per batch size for memory."""
    from dataclasses import replace

    from sims import data, problems
    from sims.callbacks import Divergence
    from sims.models import MLP
    from sims.runs import Run

    base = problems.digits_mlp("timing", epochs=params.epochs)
    sizes = (data.DIGITS_FEATURES, params.hidden, params.hidden, data.DIGITS_CLASSES)
    base = replace(base, model=MLP(sizes), train=base.train.to(ctx.device), val=None, record=(Divergence(),))
    variants = variants_of(params)
    on_cuda = ctx.device.type == "cuda"
    ctx.plan(timing=1.0, memory=0.2)
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    for seed in ctx.seeds:  # one round per seed over every batch size: a burst of outside load hits none alone
        for batch in params.batch_sizes:
            outcome = ctx.train(replace(base, runs=[Run(label(batch), seed, 0.01, batch)]))
            seconds[label(batch)].append(min(outcome.epoch_seconds))
    memory: dict[str, float] = {}
    for batch in params.batch_sizes:
        if on_cuda:
            job = replace(base, stage="memory", epochs=1, runs=[Run(label(batch), ctx.seeds[0], 0.01, batch)])
            memory[label(batch)] = measured_bytes(ctx, job)
        else:
            memory[label(batch)] = float(estimated_bytes(sizes, batch))
    method = (
        "CUDA allocator peak (torch.cuda.max_memory_allocated) during one epoch, above what was allocated before"
        if on_cuda
        else "estimated from tensor sizes: weights, gradients, and one batch's activations and their gradients "
        "(float32); not a measurement of the process"
    )
    n = base.train.size
    return Measured(
        seeds=ctx.seeds,
        variants=variants,
        seconds=seconds,
        memory=memory,
        samples=n,
        series=[
            Series(
                metric="samples_per_second",
                variant="all",
                seed=seed,
                x_label="batch_size",
                x=[float(b) for b in params.batch_sizes],
                y=[n / seconds[label(b)][i] for b in params.batch_sizes],
            )
            for i, seed in enumerate(ctx.seeds)
        ],
        metrics=[
            MetricRow(
                variant=v,
                values={
                    "epoch_seconds": min(seconds[v]),
                    "samples_per_second": n / min(seconds[v]),
                    "peak_memory_mib": memory[v] / 2**20,
                },
            )
            for v in variants
        ],
        notes=[f"digits MLP 64-{params.hidden}-{params.hidden}-10, {n} training images.", f"memory_method: {method}."],
    )


SIM = Simulation(
    name=NAME,
    title="Memory and throughput",
    summary="Per batch size: samples per second, time per epoch and peak memory on the device in use.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
