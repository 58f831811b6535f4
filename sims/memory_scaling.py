"""Peak training memory against batch size: a fixed part plus a part per sample.

A training step holds the weights, their gradients and the optimizer's state whatever the
batch (Rajbhandari et al. 2020 count them as 2 + 2 + 12 bytes per parameter for mixed-precision
Adam; here everything is float32: 4 + 4, plus 8 for Adam's two moment buffers, Kingma and Ba
2015), and the activations the backward pass needs, which grow with every sample. Checkpointing
(Chen et al. 2016) keeps only each block's input and recomputes the inside during the backward
pass, trading compute for activation memory.

A residual MLP on the digits (an input layer, blocks of Linear h->4h, GELU, Linear 4h->h added
to the stream, an output layer) makes one real training step at each batch size, and the peak
bytes live during that step are measured (`sims.memory`: CUDA's allocator counters on a GPU,
the CPU allocator's own reports to the profiler elsewhere). Per variant (SGD without momentum,
Adam, Adam with every block checkpointed) a least-squares line peak = intercept + slope * batch
is fitted. Memory does not depend on the seed: each seed is its own initialisation and batch,
and they agree to the byte on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerSeed, Table
from sims.result import MetricRow, Series
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase

if TYPE_CHECKING:
    import torch

    from sims.context import Context
    from sims.memory import Step, StepMemory

NAME = "memory_scaling"
SGD, ADAM, CHECKPOINTED = "sgd", "adam", "adam + checkpointing"
VARIANTS = [SGD, ADAM, CHECKPOINTED]
FIXED, ACTIVATIONS = "weights, gradients and optimizer state", "activations"
INTERCEPT, SLOPE = "intercept", "slope"
EXPANSION = 4  # each block's inner width, as a multiple of the stream's
MIB, KIB = 2.0**20, 2.0**10
DIGITS_CLASSES = 10
TRAIN_SIZE = digits_train_size()


class Params(ParamsBase):
    batch_sizes: Annotated[list[Annotated[int, Field(ge=1, le=TRAIN_SIZE)]], Distinct] = Field(
        default=[32, 64, 128, 256, 512],
        min_length=3,
        max_length=10,
        description="Batch sizes at which one training step is measured (at least 3, for a line and a check of it).",
    )
    hidden: int = Field(64, ge=4, le=1024, description=f"Width of the residual stream; blocks are {EXPANSION}x wider.")
    blocks: int = Field(4, ge=1, le=16, description="Residual blocks between the input and output layers.")


@dataclass(kw_only=True)
class Measured(Evidence):
    """Bytes of one training step per variant, seed (outer list) and batch size (inner list)."""

    batch_sizes: list[int]
    peak: dict[str, list[list[int]]]  # the most bytes live during the step
    resident: dict[str, list[list[int]]]  # live when the step starts: weights, gradients, optimizer state
    built: dict[str, list[list[int]]]  # live once the model and optimizer exist: the weights
    param_bytes: int  # the weights as measured once built (SGD's build makes nothing else): the unit of the ratio


@dataclass(frozen=True)
class Fit:
    intercept: float  # bytes
    slope: float  # bytes per sample
    worst_residual: float  # bytes, the largest distance of a measured peak from the line


def fit(xs: list[int], ys: list[int]) -> Fit:
    """Least squares y = intercept + slope * x."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    intercept = my - slope * mx
    worst = max(abs(y - intercept - slope * x) for x, y in zip(xs, ys, strict=True))
    return Fit(intercept, slope, worst)


def line(evidence: Measured, seed_index: int, variant: str) -> Fit:
    return fit(evidence.batch_sizes, evidence.peak[variant][seed_index])


def relative(new: float, old: float) -> float:
    return new / old - 1


def grows_with_batch(evidence: Measured, seed_index: int, _: str | None) -> str:
    """In Adam's run, which grows more from the smallest batch to the largest: the bytes live at a step's start,
    or the bytes the step makes and frees?
    """
    resident, peak = evidence.resident[ADAM][seed_index], evidence.peak[ADAM][seed_index]
    fixed = resident[-1] - resident[0]
    inside = (peak[-1] - resident[-1]) - (peak[0] - resident[0])
    return ACTIVATIONS if inside > fixed else FIXED


def adam_raises(evidence: Measured, seed_index: int, _: str | None) -> str:
    sgd, adam = line(evidence, seed_index, SGD), line(evidence, seed_index, ADAM)
    return INTERCEPT if relative(adam.intercept, sgd.intercept) > relative(adam.slope, sgd.slope) else SLOPE


def checkpointing_cuts(evidence: Measured, seed_index: int, _: str | None) -> str:
    adam, ckpt = line(evidence, seed_index, ADAM), line(evidence, seed_index, CHECKPOINTED)
    return INTERCEPT if relative(ckpt.intercept, adam.intercept) < relative(ckpt.slope, adam.slope) else SLOPE


def adam_extra_state_ratio(evidence: Measured, seed_index: int, _: str | None) -> float:
    extra = line(evidence, seed_index, ADAM).intercept - line(evidence, seed_index, SGD).intercept
    return extra / evidence.param_bytes


def checkpoint_saving(evidence: Measured, seed_index: int, _: str | None) -> float:
    return 1 - line(evidence, seed_index, CHECKPOINTED).slope / line(evidence, seed_index, ADAM).slope


def crossover_batch(evidence: Measured, seed_index: int, variant: str | None) -> float:
    """The batch at which the activations' share of the peak equals the fixed part."""
    found = line(evidence, seed_index, str(variant))
    return found.intercept / found.slope


OBSERVABLES = Table(
    lambda params: list(VARIANTS),
    PerSeed(
        name="grows_with_batch",
        kind="choice",
        description="Which part of Adam's peak memory grows from the smallest batch to the largest: what is live "
        "at the start of every step (weights, gradients, optimizer state) or what the step makes and frees "
        "(activations and their gradients).",
        choices=[FIXED, ACTIVATIONS],
        read=grows_with_batch,
    ),
    PerSeed(
        name="adam_raises",
        kind="choice",
        description="Which fitted term of peak memory (peak = intercept + slope x batch) Adam raises over SGD, "
        "relative to SGD's.",
        choices=[INTERCEPT, SLOPE],
        read=adam_raises,
    ),
    PerSeed(
        name="checkpointing_cuts",
        kind="choice",
        description="Which fitted term of Adam's peak memory checkpointing every block lowers more, relative to "
        "the same model without checkpointing.",
        choices=[INTERCEPT, SLOPE],
        read=checkpointing_cuts,
    ),
    PerSeed(
        name="adam_extra_state_ratio",
        kind="number",
        description="Adam's intercept minus SGD's, in units of the parameters' own bytes (Adam keeps two moment "
        "buffers the size of the weights; SGD without momentum keeps none).",
        unit="x parameter bytes",
        read=adam_extra_state_ratio,
    ),
    PerSeed(
        name="checkpoint_saving",
        kind="number",
        description="The fraction of the per-sample slope (activation memory) that checkpointing every block saves. "
        "It grows with the number of blocks and the share of each block's activations kept inside it.",
        read=checkpoint_saving,
    ),
    PerSeed(
        name="intercept_mib",
        kind="number",
        description="Fitted peak memory at batch 0: what the step needs whatever the batch.",
        unit="MiB",
        variants=VARIANTS,
        read=lambda evidence, i, variant: line(evidence, i, str(variant)).intercept / MIB,
    ),
    PerSeed(
        name="slope_kib_per_sample",
        kind="number",
        description="Fitted extra peak memory per sample in the batch.",
        unit="KiB/sample",
        variants=VARIANTS,
        read=lambda evidence, i, variant: line(evidence, i, str(variant)).slope / KIB,
    ),
    PerSeed(
        name="crossover_batch",
        kind="number",
        description="The batch size at which the per-sample part of the peak equals the fixed part "
        "(intercept / slope): above it, activations take most of the memory.",
        unit="samples",
        variants=VARIANTS,
        read=crossover_batch,
    ),
)


def training_steps(
    batches: list[tuple[torch.Tensor, torch.Tensor]], params: Params, variant: str, seed: int, device: torch.device
) -> list[Step]:
    """Build the model and optimizer for one variant and return a full training step on each batch.

    Gradients stay allocated between steps (`zero_grad(set_to_none=False)`), so what is live at
    the start of a step is exactly weights + gradients + optimizer state. The optimizers run
    their per-tensor loops (`foreach=False`) on every device, so the temporaries of the update
    are the same everywhere.
    """
    import functools

    import torch
    from torch import nn
    from torch.utils.checkpoint import checkpoint

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        width = params.hidden * EXPANSION
        net = nn.ModuleDict(
            {
                "inp": nn.Linear(batches[0][0].shape[1], params.hidden),
                "blocks": nn.ModuleList(
                    nn.Sequential(nn.Linear(params.hidden, width), nn.GELU(), nn.Linear(width, params.hidden))
                    for _ in range(params.blocks)
                ),
                "out": nn.Linear(params.hidden, DIGITS_CLASSES),
            }
        ).to(device)
    if variant == SGD:
        optimizer: torch.optim.Optimizer = torch.optim.SGD(net.parameters(), lr=0.01, foreach=False)
    else:
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, foreach=False)
    checkpointed = variant == CHECKPOINTED

    def step(x: torch.Tensor, y: torch.Tensor) -> None:
        optimizer.zero_grad(set_to_none=False)
        h = net["inp"](x)
        for block in net["blocks"]:
            h = h + (checkpoint(block, h, use_reentrant=False) if checkpointed else block(h))
        nn.functional.cross_entropy(net["out"](h), y).backward()
        optimizer.step()

    return [functools.partial(step, x, y) for x, y in batches]


def digit_batches(params: Params, seed: int, device: torch.device) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """One batch of each size, drawn from the digits in the seed's own order, on the device before measuring."""
    import torch

    from sims import data
    from sims.datasizes import DIGITS_VAL_FRACTION

    train = data.digits(DIGITS_VAL_FRACTION).train
    inputs, labels = train.x[0], train.y[0, :, 0]
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    return [(inputs[order[:b]].to(device), labels[order[:b]].to(device)) for b in params.batch_sizes]


def textbook(params: Params, seeds: list[int], device: torch.device) -> None:
    """The same training steps with nothing measured: what the measurement costs on top, for the benchmark."""
    for seed in seeds:
        batches = digit_batches(params, seed, device)
        for variant in VARIANTS:
            steps = training_steps(batches, params, variant, seed, device)
            steps[0]()
            for step in steps:
                step()


def experiment(params: Params, ctx: Context) -> Measured:
    """Each seed and variant: a fresh model, one warm-up step at the smallest batch, one measured step per batch."""
    import functools

    import torch

    from sims import memory

    device = ctx.device if ctx.device.type in ("cuda", "cpu") else torch.device("cpu")
    ctx.plan(measure=1.0)
    ctx.tracker.enter("measure")
    keys = ("peak", "resident", "built")
    found: dict[str, dict[str, list[list[int]]]] = {k: {v: [] for v in VARIANTS} for k in keys}
    total, done = len(ctx.seeds) * len(VARIANTS), 0
    for seed in ctx.seeds:
        batches = digit_batches(params, seed, device)
        for variant in VARIANTS:
            ctx.tracker.check_cancel()
            build = functools.partial(training_steps, batches, params, variant, seed, device)
            row: list[StepMemory] = memory.steps_memory(build, device)
            done += 1
            ctx.tracker.update(done / total)
            for key in keys:
                found[key][variant].append([getattr(m, key) for m in row])
    param_bytes = found["built"][SGD][0][0]
    method = memory.method(device)
    if device != ctx.device:
        method += f" (measured on the CPU: {ctx.device.type} has no allocator peak this measurement reads)"
    return evidence(params, ctx.seeds, found, param_bytes, method)


def evidence(
    params: Params,
    seeds: list[int],
    found: dict[str, dict[str, list[list[int]]]],
    param_bytes: int,
    method: str,
) -> Measured:
    """The measurements, with curves of peak and resident memory per batch size and each variant's fitted line."""
    measured = Measured(
        seeds=seeds,
        variants=list(VARIANTS),
        batch_sizes=list(params.batch_sizes),
        peak=found["peak"],
        resident=found["resident"],
        built=found["built"],
        param_bytes=param_bytes,
    )
    measured.series = [
        Series(
            metric=f"{key}_mib",
            variant=variant,
            seed=seed,
            x_label="batch_size",
            x=[float(b) for b in params.batch_sizes],
            y=[p / MIB for p in getattr(measured, key)[variant][i]],
        )
        for key in ("peak", "resident")
        for variant in VARIANTS
        for i, seed in enumerate(seeds)
    ]
    measured.metrics = [metrics_of(measured, variant) for variant in VARIANTS]
    width = params.hidden * EXPANSION
    measured.notes = [
        f"residual MLP on the digits: 64-{params.hidden}, {params.blocks} blocks of {params.hidden}-{width}-"
        f"{params.hidden} (GELU) added to the stream, {params.hidden}-10; float32; parameters "
        f"{param_bytes / MIB:.3f} MiB. Per seed and variant a fresh model makes one warm-up step at the smallest "
        "batch, then one measured step at each batch size in turn.",
        "SGD without momentum; Adam with its two moment buffers; checkpointing: torch.utils.checkpoint "
        "(use_reentrant=False) around every block. Gradients stay allocated between steps.",
        f"memory_method: {method}.",
    ]
    return measured


def metrics_of(measured: Measured, variant: str) -> MetricRow:
    """The first seed's figures: memory is the same for every seed."""
    found = line(measured, 0, variant)
    return MetricRow(
        variant=variant,
        values={
            "intercept_mib": found.intercept / MIB,
            "slope_kib_per_sample": found.slope / KIB,
            "crossover_batch": found.intercept / found.slope,
            "fit_worst_residual_kib": found.worst_residual / KIB,
            "weights_mib": measured.built[variant][0][0] / MIB,
            "resident_mib": measured.resident[variant][0][0] / MIB,
            f"peak_mib_at_{measured.batch_sizes[-1]}": measured.peak[variant][0][-1] / MIB,
        },
    )


SIM = Simulation(
    name=NAME,
    title="Memory against batch size: state vs activations",
    summary="Peak memory of a training step per batch size, fitted as a fixed part plus a part per sample, "
    "for SGD, Adam and Adam with checkpointing.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
    textbook=textbook,
)
run = SIM.run
