"""Data parallelism for real: W worker processes, b samples each per step, gradients all-reduced.

For each worker count W, W processes join a `torch.distributed` group (gloo on the CPU, NCCL
when every rank has a GPU) and train the digits MLP wrapped in DistributedDataParallel:
each global batch of W*b samples is cut into W shards, each worker takes the gradient of
its shard, and DDP averages them, so every step is the one a single process would take on
the whole global batch. The same loop then runs in this process on whole global batches
and the weights are compared (float64, so only rounding is left; see `sims.ddp`). Beside
them: W=1 at batch b, the curve to keep; the runs again at lr x W (the linear scaling
rule); and BatchNorm with per-worker statistics (over b) against BatchNorm synced across
the workers (over W*b). Starting the processes is part of the run and is measured.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.observe import Evidence, Once, PerSeed, Table
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase

if TYPE_CHECKING:
    import torch

    from sims import ddp
    from sims.context import Context
    from sims.distributed import Launched

NAME = "data_parallel"
TRAIN_SIZE = digits_train_size()
TOLERANCE = 1e-9  # the largest weight difference still counted as the same training (float64)
LR_CHOICES = ["same lr", "lr x W"]
BN_KINDS = ["per-worker", "synced"]
BN_CHOICES = ["per-worker", "synced", "both", "neither"]


class Params(ParamsBase):
    workers: Annotated[list[Annotated[int, Field(ge=2, le=8)]], Distinct] = Field(
        default=[2, 4], min_length=1, max_length=3, description="Worker counts W (W processes each); W=1 is the base."
    )
    batch_per_worker: int = Field(32, ge=2, le=TRAIN_SIZE // 2, description="Samples per worker per step (b).")
    lr: float = Field(0.1, gt=0, le=5, description="Learning rate at W=1; the scaled runs use lr x W.")
    epochs: int = Field(5, ge=1, le=50, description="Passes over the training set.")
    hidden: int = Field(32, ge=2, le=256, description="Width of the hidden layer.")

    @model_validator(mode="after")
    def _global_batch_fits(self) -> Params:
        most = max(self.workers) * self.batch_per_worker
        if most > TRAIN_SIZE:
            raise ValueError(
                f"workers {max(self.workers)} x batch_per_worker {self.batch_per_worker} = {most} is larger than the "
                f"training set ({TRAIN_SIZE} images); allowed: max(workers) * batch_per_worker <= {TRAIN_SIZE}"
            )
        return self


def w(count: int) -> str:
    return f"W={count}"


def parallel(params: Params) -> list[str]:
    return [w(k) for k in params.workers]


def counts(params: Params) -> list[str]:
    return [w(1), *parallel(params)]


def worker_runs(params: Params, k: int) -> list[tuple[str, float, str | None]]:
    """(name, learning rate, BatchNorm kind) of each run the k workers train."""
    lr = params.lr
    return [(w(k), lr, None), (f"{w(k)} lr x{k}", k * lr, None)] + [(f"{w(k)} BN {n}", lr, n) for n in BN_KINDS]


def variants_of(params: Params) -> list[str]:
    return [w(1)] + [name for k in params.workers for name, _, _ in worker_runs(params, k)]


def scaling_runs(params: Params) -> list[str]:
    return [name for k in params.workers for name, _, norm in worker_runs(params, k) if norm is None]


@dataclass(kw_only=True)
class Parallel(Evidence):
    """The training curves as traces, and what was measured beside them, keyed by "W=k"."""

    global_batch: dict[str, float] = field(default_factory=dict)
    updates_per_epoch: dict[str, float] = field(default_factory=dict)
    start_seconds: dict[str, float] = field(default_factory=dict)
    weight_gap: dict[str, list[float]] = field(default_factory=dict)  # per seed, over both learning rates
    bn_gap: dict[str, list[float]] = field(default_factory=dict)  # BatchNorm run -> per seed


def curve_gap(evidence: Evidence, seed_index: int, name: str | None) -> float | None:
    """Mean |difference| in log training loss, epoch by epoch, between a run and W=1 of the same seed."""
    seed = evidence.seeds[seed_index]
    mine, base = evidence.run(str(name), seed), evidence.run(w(1), seed)
    if mine is None or base is None or len(mine.train_loss) != len(base.train_loss) or len(mine.train_loss) < 2:
        return None
    pairs = list(zip(mine.train_loss[1:], base.train_loss[1:], strict=True))
    if not all(a > 0 and math.isfinite(a) for a, _ in pairs):
        return None
    return statistics.fmean(abs(math.log(a) - math.log(b)) for a, b in pairs)


def lr_keeping_curve(evidence: Evidence, seed_index: int, count: str | None) -> str | None:
    k = str(count).removeprefix("W=")
    gaps = {
        "same lr": curve_gap(evidence, seed_index, count),
        "lr x W": curve_gap(evidence, seed_index, f"{count} lr x{k}"),
    }
    known = {choice: gap for choice, gap in gaps.items() if gap is not None}
    return min(known, key=known.__getitem__) if known else None


def matches(gap: float | None) -> bool | None:
    return None if gap is None or not math.isfinite(gap) else gap <= TOLERANCE


def bn_matching(evidence: Parallel, seed_index: int, count: str | None) -> str | None:
    per_worker, synced = (matches(evidence.bn_gap[f"{count} BN {n}"][seed_index]) for n in BN_KINDS)
    if per_worker is None or synced is None:
        return None
    return {(True, True): "both", (True, False): "per-worker", (False, True): "synced"}.get(
        (per_worker, synced), "neither"
    )


OBSERVABLES = Table(
    variants_of,
    Once(
        name="global_batch",
        kind="number",
        description="Samples behind each update, added up over the workers (measured).",
        unit="samples",
        variants=counts,
        read=lambda evidence, count: evidence.global_batch[str(count)],
    ),
    Once(
        name="updates_per_epoch",
        kind="number",
        description="Optimizer updates per pass over the training set (an incomplete last global batch is dropped).",
        unit="updates",
        variants=counts,
        read=lambda evidence, count: evidence.updates_per_epoch[str(count)],
    ),
    PerSeed(
        name="max_weight_difference",
        kind="number",
        description="Largest difference between any weight the W workers trained and the same run trained by one "
        "process at batch W x b, from the same start on the same samples (at lr and at lr x W).",
        variants=parallel,
        read=lambda evidence, i, count: evidence.weight_gap[str(count)][i],
    ),
    PerSeed(
        name="matches_single_process",
        kind="bool",
        description=f"Whether the W workers end with the weights of one process at batch W x b: every weight within "
        f"{TOLERANCE:g} (float64; the same sums added in another order differ by about 1e-16).",
        variants=parallel,
        read=lambda evidence, i, count: matches(evidence.weight_gap[str(count)][i]),
    ),
    PerSeed(
        name="lr_keeping_curve",
        kind="choice",
        description="With b per worker fixed (so W times the global batch), which learning rate keeps the "
        "training-loss curve per epoch of one worker: the same lr, or lr x W (the linear scaling rule).",
        choices=LR_CHOICES,
        variants=parallel,
        read=lr_keeping_curve,
    ),
    PerSeed(
        name="curve_gap",
        kind="number",
        description="Mean distance in log training loss, epoch by epoch, between this run and W=1.",
        variants=scaling_runs,
        read=curve_gap,
    ),
    PerSeed(
        name="bn_weight_difference",
        kind="number",
        description="Largest weight difference between this BatchNorm run (statistics per worker over b, or synced "
        "over all W x b) and BatchNorm in one process at batch W x b.",
        variants=lambda params: [f"{w(k)} BN {n}" for k in params.workers for n in BN_KINDS],
        read=lambda evidence, i, name: evidence.bn_gap[str(name)][i],
    ),
    PerSeed(
        name="bn_matching_one_process",
        kind="choice",
        description=f"Which BatchNorm ends with the weights of one process at batch W x b (within {TOLERANCE:g}).",
        choices=BN_CHOICES,
        variants=parallel,
        read=bn_matching,
    ),
    Once(
        name="start_seconds",
        kind="number",
        description="Wall time from starting the W worker processes until all of them joined the process group.",
        unit="s",
        variants=parallel,
        read=lambda evidence, count: evidence.start_seconds[str(count)],
    ),
)


def record(found: Parallel, params: Params, k: int, launched: Launched, alone: ddp.Trained) -> None:
    """What k workers measured: counts, start time, curves, and their weights against one process."""
    from sims import ddp

    rank0: ddp.Trained = launched.results[0]
    found.global_batch[w(k)] = rank0.samples_per_update
    found.updates_per_epoch[w(k)] = rank0.updates / params.epochs
    found.start_seconds[w(k)] = launched.start_seconds
    found.notes.append(
        f"{w(k)}: the {k} processes were in the group {launched.start_seconds:.2f} s after the start; each then "
        f"trained {rank0.updates} steps in {rank0.train_seconds:.2f} s ({launched.seconds:.2f} s start to finish)."
    )
    runs = [ddp.Variant(*run) for run in worker_runs(params, k)]
    found.traces += rank0.traces(runs, found.seeds, k * params.batch_per_worker)
    plain = [name for name, _, norm in worker_runs(params, k) if norm is None]
    gaps = [ddp.max_difference(rank0.weights[name], alone.weights[name]) for name in plain]
    found.weight_gap[w(k)] = [max(per_seed) for per_seed in zip(*gaps, strict=True)]
    for name in (f"{w(k)} BN {n}" for n in BN_KINDS):
        found.bn_gap[name] = ddp.max_difference(rank0.weights[name], alone.weights[f"{w(k)} BN"])


def experiment(params: Params, ctx: Context) -> Parallel:
    """W=1, then for each W one process at W x b and W workers (started, and always cleaned up)."""
    from dataclasses import replace

    from sims import data, ddp, distributed
    from sims import traces as t

    _, device = distributed.backend_for(ctx.device, max(params.workers))
    cold = distributed.warm(ddp.__name__)  # the forkserver imports torch while this process trains
    split = data.digits(DIGITS_VAL_FRACTION)
    x, y, b = split.train.x[0].numpy(), split.train.y[0, :, 0].numpy(), params.batch_per_worker
    base = ddp.Plan(
        x, y, ctx.seeds, params.hidden, data.DIGITS_CLASSES, b, params.epochs, [ddp.Variant(w(1), params.lr)]
    )
    stages = {w(1): 1.0}
    for k in params.workers:  # roughly their share of the time: workers pay for k processes on the same cores
        stages |= {f"{w(k)} one process": 0.2 * k, f"{w(k)} workers": float(k)}
    ctx.plan(**stages)

    def progress(fraction: float, losses: dict[str, list[float]]) -> None:
        ctx.tracker.check_cancel()
        ctx.tracker.update(fraction, lambda: ddp.live_points(fraction, losses, ctx.seeds, params.epochs), force=True)

    ctx.tracker.enter(w(1))
    single = ddp.alone(base, device, progress)
    found = Parallel(seeds=ctx.seeds, variants=variants_of(params))
    found.traces += single.traces(base.variants, ctx.seeds, b)
    found.global_batch[w(1)], found.updates_per_epoch[w(1)] = single.samples_per_update, single.updates / params.epochs
    for k in params.workers:
        runs = [ddp.Variant(*run) for run in worker_runs(params, k)]
        ctx.tracker.enter(f"{w(k)} one process")
        bn = ddp.Variant(f"{w(k)} BN", params.lr, "per-worker")  # in one process, "per worker" is the whole W x b
        one = replace(base, batch=k * b, variants=[*runs[:2], bn])
        alone = ddp.alone(one, device, lambda f, _: progress(f, {}))
        ctx.tracker.enter(f"{w(k)} workers")
        plan = replace(base, variants=runs)
        launched = distributed.launch(ddp.train, k, plan, device=device, tracker=ctx.tracker, progress=progress)
        record(found, params, k, launched, alone)
    found.series = t.curves(found.traces, ("train_loss",))
    found.metrics = t.metric_rows(found.traces, {"final_train_loss": lambda trace: t.last(trace.train_loss)})
    started = "started by this run, importing torch once" if cold else "already running"
    found.notes = [
        f"{launched.backend} on {device.type}; workers start through {launched.method} ({started}).",
        f"digits MLP 64-{params.hidden}-10, plain SGD in float64; b = {b} per worker; each seed's shuffled global "
        "batch cut into W shards, an incomplete last one dropped.",
        *found.notes,
    ]
    return found


def textbook(params: Params, seeds: list[int], device: torch.device) -> None:
    """The same training the common way, in one process: W=1 at b, and each W's runs at the global batch W x b."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from sims import data

    split = data.digits(DIGITS_VAL_FRACTION)
    x, y = split.train.x[0].to(device), split.train.y[0, :, 0].to(device)
    b, lr = params.batch_per_worker, params.lr
    runs = [(b, lr, False)] + [
        run for k in params.workers for run in ((k * b, lr, False), (k * b, k * lr, False), (k * b, lr, True))
    ]
    for seed in seeds:
        for batch, rate, norm in runs:
            torch.manual_seed(seed)
            model = nn.Sequential(
                nn.Linear(data.DIGITS_FEATURES, params.hidden),
                nn.BatchNorm1d(params.hidden) if norm else nn.Identity(),
                nn.ReLU(),
                nn.Linear(params.hidden, data.DIGITS_CLASSES),
            ).to(device)
            optimizer = torch.optim.SGD(model.parameters(), lr=rate)
            loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, drop_last=True)
            for _ in range(params.epochs):
                model.train()
                for inputs, targets in loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(inputs), targets).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    nn.functional.cross_entropy(model(x), y).item()


SIM = Simulation(
    name=NAME,
    title="Data parallelism with torch.distributed",
    summary="W worker processes with b samples each, gradients all-reduced: the weights of one process at W x b.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
    textbook=textbook,
)
run = SIM.run
