"""Speed and memory per batch size on the device the run uses.

For each batch size one model trains alone for a couple of epochs: the fastest epoch
gives time per epoch and samples per second. Each seed is one round over every batch size
in turn, so load from outside the run falls on all batch sizes alike. Memory is measured
(`sims.memory`: CUDA's allocator counters on a GPU, the CPU allocator's own reports to the
profiler elsewhere): for each batch size a fresh model is built inside the measurement and
trains one epoch, and the peak is the most bytes live during that epoch, counted from before
the model was built: the weights, their gradients, the batches the training loop gathers
ahead, and each step's activations. The copies made while the model is assembled come before
the epoch and are not counted; the dataset, already in memory, is not counted either.
"""

from __future__ import annotations

import gc
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
    import torch

    from sims.context import Context
    from sims.jobs import Job
    from sims.memory import StepMemory
    from sims.tracker import Tracker

NAME = "memory_and_throughput"
TRAIN_SIZE = digits_train_size()


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
    memory: dict[str, float]  # batch size -> peak bytes while training one epoch, from before the model was built
    resident: dict[str, float]  # batch size -> bytes live when that epoch starts: weights, gradients, the loop's plan
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
        description="Whether peak memory (measured, see memory_method) rises with every step up in batch size.",
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
        description="Peak memory while training one epoch at this batch size, counted from before the model was "
        "built: weights, gradients, the batches gathered ahead and one step's activations (see memory_method).",
        unit="bytes",
        variants=variants_of,
        read=lambda evidence, batch: evidence.memory[batch],
    ),
)


MEASURED_STEP = (
    "the measured step is one epoch of training at the batch size (every update, and the batches the training loop "
    "gathers ahead of them) of a freshly built model; the dataset, already in memory, is not counted, nor are the "
    "copies made while the model is assembled, which come before the epoch"
)


def epoch_memory(job: Job, device: torch.device, tracker: Tracker, span: tuple[float, float]) -> StepMemory:
    """Build the job's model inside the measurement, then measure one epoch of its training as the step."""
    import torch

    from sims import memory
    from sims.loop import Trainer

    with torch.no_grad():  # as the engine trains: the gradients are written out by hand
        return memory.step_memory(lambda: Trainer(job, device, tracker, span).fit, device, warmup=0)


def experiment(params: Params, ctx: Context) -> Measured:
    """Each batch size and seed trains one model alone, timed; then one epoch per batch size, measured for memory."""
    from dataclasses import replace

    import torch

    from sims import data, memory, problems
    from sims.callbacks import Divergence
    from sims.models import MLP
    from sims.runs import Run

    problem = problems.digits_mlp("timing", epochs=params.epochs)
    sizes = (data.DIGITS_FEATURES, params.hidden, params.hidden, data.DIGITS_CLASSES)
    base = replace(problem, model=MLP(sizes), train=problem.train.to(ctx.device), val=None, record=(Divergence(),))
    variants = variants_of(params)
    # The CPU's reports reach the profiler and CUDA has its own counters; on any other device the CPU measures.
    device = ctx.device if ctx.device.type in ("cuda", "cpu") else torch.device("cpu")
    measured = base if device == ctx.device else replace(base, train=problem.train.to(device))
    ctx.plan(timing=1.0, memory=0.2)
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    for seed in ctx.seeds:  # one round per seed over every batch size: a burst of outside load hits none alone
        for batch in params.batch_sizes:
            outcome = ctx.train(replace(base, runs=[Run(label(batch), seed, 0.01, batch)]))
            seconds[label(batch)].append(min(outcome.epoch_seconds))
    peak: dict[str, float] = {}
    resident: dict[str, float] = {}
    ctx.tracker.enter("memory")
    gc.collect()  # the timed runs' models go now, not during a measurement (freeing them there would be no step's)
    for i, batch in enumerate(params.batch_sizes):
        job = replace(measured, stage="memory", epochs=1, runs=[Run(label(batch), ctx.seeds[0], 0.01, batch)])
        found = epoch_memory(job, device, ctx.tracker, (i / len(variants), 1 / len(variants)))
        peak[label(batch)], resident[label(batch)] = float(found.peak), float(found.resident)
    method = f"{memory.method(device)}; {MEASURED_STEP}"
    if device != ctx.device:
        method += f" (measured on the CPU: {ctx.device.type} has no allocator peak this measurement reads)"
    n = base.train.size
    return Measured(
        seeds=ctx.seeds,
        variants=variants,
        seconds=seconds,
        memory=peak,
        resident=resident,
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
                    "peak_memory_mib": peak[v] / 2**20,
                    "live_at_epoch_start_mib": resident[v] / 2**20,
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
