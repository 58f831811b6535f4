"""The same MLP on the handwritten digits at several batch sizes.

Learning rate and epochs are held fixed, so smaller batches take more (noisier) updates
per epoch. Epoch time is measured in a separate pass, one batch size at a time (its seeds
together), so it is not distorted by other batch sizes sharing the training loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sims import traces as t
from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.observe import Evidence, Once, PerRun, PerSeed, Pick, Scalar, Table
from sims.runs import Run, Trace
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase, label

if TYPE_CHECKING:
    from sims.context import Context

NAME = "batch_size_sweep"
VAL_FRACTION = DIGITS_VAL_FRACTION
TRAIN_SIZE = digits_train_size(VAL_FRACTION)
TIMING_EPOCHS = 3


class Params(ParamsBase):
    batch_sizes: Annotated[list[Annotated[int, Field(ge=1, le=TRAIN_SIZE)]], Distinct] = Field(
        default=[16, 64, 256, 1024], min_length=2, max_length=10, description="Batch sizes to compare."
    )
    lr: float = Field(0.05, gt=0, le=10, description="Learning rate, the same for every batch size.")
    epochs: int = Field(20, ge=1, le=500, description="Passes over the training set.")
    hidden: int = Field(64, ge=1, le=1024, description="Width of the hidden layer.")
    momentum: float = Field(0.0, ge=0, lt=1, description="SGD momentum.")


@dataclass(kw_only=True)
class Sweep(Evidence):
    """The training runs, and the wall time of one epoch per batch size from the separate timing pass."""

    epochs: int
    epoch_seconds: dict[str, float]


def variants_of(params: Params) -> list[str]:
    return [label(b) for b in params.batch_sizes]


def unless_diverged(read: Callable[[Trace], Scalar]) -> Callable[[Trace], Scalar]:
    """A run that blew up stopped early: its counts and final values say nothing about its batch size."""
    return lambda trace: read(trace) if trace.diverged_at is None else None


def loss_noise(trace: Trace) -> float | None:
    return t.roughness(trace.update_loss)


def updates_per_epoch(evidence: Sweep, index: int, variant: str | None) -> int | None:
    trace = evidence.run(str(variant), evidence.seeds[index])
    return None if trace is None or trace.diverged_at is not None else trace.updates // evidence.epochs


def fastest_batch(evidence: Sweep, _: str | None) -> str:
    return min(evidence.variants, key=evidence.epoch_seconds.__getitem__)


def epoch_seconds(evidence: Sweep, variant: str | None) -> float:
    return evidence.epoch_seconds[str(variant)]


def experiment(params: Params, ctx: Context) -> Sweep:
    from dataclasses import replace

    from sims import data
    from sims.callbacks import Divergence, Evaluate
    from sims.jobs import Job
    from sims.models import MLP
    from sims.runs import Optimizer

    split = data.digits(VAL_FRACTION)
    variants = variants_of(params)
    runs = [Run(label(b), seed, params.lr, b) for b in params.batch_sizes for seed in ctx.seeds]
    job = Job(
        stage="train",
        model=MLP((data.DIGITS_FEATURES, params.hidden, data.DIGITS_CLASSES)),
        loss="cross_entropy",
        train=split.train,
        val=split.val,
        runs=runs,
        epochs=params.epochs,
        optimizer=Optimizer(momentum=params.momentum),
        record=(Divergence(), Evaluate(train=False)),
    )
    ctx.plan(train=0.9, timing=0.1)
    outcome = ctx.train(job)

    timing = replace(job, stage="timing", epochs=TIMING_EPOCHS, val=None)
    seconds = {
        variant: min(ctx.train(replace(timing, runs=[r for r in runs if r.variant == variant])).epoch_seconds)
        for variant in variants
    }

    rows = t.metric_rows(
        outcome.traces,
        {
            "updates_per_epoch": lambda tr: tr.updates / params.epochs,
            "final_val_loss": lambda tr: t.last(tr.val_loss),
            "final_val_accuracy": lambda tr: t.last(tr.val_acc),
            "min_val_loss": lambda tr: min(tr.val_loss) if tr.val_loss else None,
            "loss_noise": loss_noise,
        },
    )
    for row in rows:
        row.values["epoch_seconds"] = seconds[row.variant]
    return Sweep(
        seeds=ctx.seeds,
        variants=variants,
        traces=outcome.traces,
        epochs=params.epochs,
        epoch_seconds=seconds,
        series=t.curves(outcome.traces, ("update_loss", "val_loss", "val_acc")),
        metrics=rows,
        notes=[
            f"digits: {split.train.size} training and {split.val.size} validation images; "
            f"epoch time: the fastest of {TIMING_EPOCHS} epochs at that batch size alone, all seeds together."
        ],
    )


OBSERVABLES = Table(
    variants_of,
    Pick(
        name="lowest_val_loss_batch",
        description="The batch size ending with the lowest validation loss.",
        score=lambda trace: t.last(trace.val_loss),
    ),
    Pick(
        name="highest_val_accuracy_batch",
        description="The batch size ending with the highest validation accuracy.",
        score=lambda trace: t.last(trace.val_acc),
        highest=True,
    ),
    Once(
        name="fastest_epoch_batch",
        kind="choice",
        description="The batch size that finishes one epoch in the least wall time. A timing: it depends on the "
        "machine and on what else runs on it.",
        choices=variants_of,
        read=fastest_batch,
    ),
    Pick(
        name="noisiest_batch",
        description="The batch size whose per-update loss curve is the most jagged.",
        score=loss_noise,
        highest=True,
    ),
    Pick(
        name="smoothest_batch",
        description="The batch size whose per-update loss curve is the least jagged.",
        score=loss_noise,
    ),
    PerSeed(
        name="updates_per_epoch",
        kind="number",
        description="Optimizer updates per epoch.",
        unit="updates",
        variants=variants_of,
        read=updates_per_epoch,
    ),
    PerRun(
        name="total_updates",
        kind="number",
        description="Optimizer updates over the whole run.",
        unit="updates",
        read=unless_diverged(lambda trace: trace.updates),
    ),
    PerRun(
        name="final_val_loss",
        kind="number",
        description="Validation cross-entropy after the last epoch.",
        read=unless_diverged(lambda trace: t.last(trace.val_loss)),
    ),
    PerRun(
        name="final_val_accuracy",
        kind="number",
        description="Validation accuracy after the last epoch.",
        unit="fraction",
        read=unless_diverged(lambda trace: t.last(trace.val_acc)),
    ),
    Once(
        name="epoch_seconds",
        kind="number",
        description="Wall time of one epoch at this batch size, its seeds trained together.",
        unit="s",
        variants=variants_of,
        read=epoch_seconds,
    ),
    PerRun(
        name="loss_noise",
        kind="number",
        description="Spread of the step-to-step change in log loss: higher is noisier.",
        read=loss_noise,
    ),
)

SIM = Simulation(
    name=NAME,
    title="Batch size sweep",
    summary="One MLP on handwritten digits at several batch sizes: loss, accuracy, noise, updates and speed.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
