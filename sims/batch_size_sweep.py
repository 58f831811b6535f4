"""The same MLP on the handwritten digits at several batch sizes.

Learning rate and epochs are held fixed, so smaller batches take more (noisier) updates
per epoch. Epoch time is measured in a separate pass, one batch size at a time (its seeds
together), so it is not distorted by other batch sizes sharing the training loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.result import ObservableSpec, consensus, measured_once
from sims.spec import Distinct, ParamsBase, Simulation, label

if TYPE_CHECKING:
    from sims.context import Context, Findings

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


def observables(params: Params) -> list[ObservableSpec]:
    variants = [label(b) for b in params.batch_sizes]

    def per_variant(name: str, description: str, unit: str | None = None) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="number", unit=unit, variants=variants)

    def choice(name: str, description: str) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="choice", choices=variants)

    return [
        choice("lowest_val_loss_batch", "The batch size ending with the lowest validation loss."),
        choice("highest_val_accuracy_batch", "The batch size ending with the highest validation accuracy."),
        choice("fastest_epoch_batch", "The batch size that finishes one epoch in the least wall time."),
        choice("noisiest_batch", "The batch size whose per-update loss curve is the most jagged."),
        choice("smoothest_batch", "The batch size whose per-update loss curve is the least jagged."),
        per_variant("updates_per_epoch", "Optimizer updates per epoch.", "updates"),
        per_variant("total_updates", "Optimizer updates over the whole run.", "updates"),
        per_variant("final_val_loss", "Validation cross-entropy after the last epoch."),
        per_variant("final_val_accuracy", "Validation accuracy after the last epoch.", "fraction"),
        per_variant("epoch_seconds", "Wall time of one epoch at this batch size, its seeds trained together.", "s"),
        per_variant("loss_noise", "Spread of the step-to-step change in log loss: higher is noisier."),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    from dataclasses import replace

    from sims import context as c
    from sims import data
    from sims.engine import Job
    from sims.runs import Run

    split = data.digits(VAL_FRACTION)
    variants = [label(b) for b in params.batch_sizes]
    runs = [Run(label(b), seed, params.lr, b) for b in params.batch_sizes for seed in ctx.seeds]
    job = Job(
        stage="train",
        sizes=(data.DIGITS_FEATURES, params.hidden, data.DIGITS_CLASSES),
        loss="cross_entropy",
        train=split.train,
        val=split.val,
        runs=runs,
        epochs=params.epochs,
        momentum=params.momentum,
        eval_train=False,
    )
    ctx.plan(train=0.9, timing=0.1)
    outcome = ctx.train(job)
    groups = c.by_variant(outcome.traces)

    timing = replace(job, stage="timing", epochs=TIMING_EPOCHS, val=None)
    seconds = {
        variant: min(ctx.train(replace(timing, runs=[r for r in runs if r.variant == variant])).epoch_seconds)
        for variant in variants
    }

    noise = {id(t): c.roughness(t.update_loss) for t in outcome.traces}
    values = [
        consensus("lowest_val_loss_batch", "choice", c.pick_per_seed(ctx.seeds, groups, lambda t: c.last(t.val_loss))),
        consensus(
            "highest_val_accuracy_batch",
            "choice",
            c.pick_per_seed(ctx.seeds, groups, lambda t: c.last(t.val_acc), highest=True),
        ),
        measured_once("fastest_epoch_batch", "choice", min(variants, key=seconds.__getitem__)),
        consensus("noisiest_batch", "choice", c.pick_per_seed(ctx.seeds, groups, lambda t: noise[id(t)], highest=True)),
        consensus("smoothest_batch", "choice", c.pick_per_seed(ctx.seeds, groups, lambda t: noise[id(t)])),
    ]
    for variant in variants:
        traces = groups[variant]
        per_epoch = traces[0].updates // params.epochs if traces[0].diverged_at is None else None
        reads = {
            "updates_per_epoch": (lambda t, n=per_epoch: n if t.diverged_at is None else None, "updates"),
            "total_updates": (lambda t: t.updates if t.diverged_at is None else None, "updates"),
            "final_val_loss": (lambda t: c.last(t.val_loss) if t.diverged_at is None else None, None),
            "final_val_accuracy": (lambda t: c.last(t.val_acc) if t.diverged_at is None else None, "fraction"),
            "loss_noise": (lambda t: noise[id(t)], None),
        }
        for name, (read, unit) in reads.items():
            values.append(consensus(name, "number", c.per_seed(ctx.seeds, traces, read), variant=variant, unit=unit))
        values.append(measured_once("epoch_seconds", "number", seconds[variant], variant=variant, unit="s"))

    rows = c.metric_rows(
        outcome.traces,
        {
            "updates_per_epoch": lambda t: t.updates / params.epochs,
            "final_val_loss": lambda t: c.last(t.val_loss),
            "final_val_accuracy": lambda t: c.last(t.val_acc),
            "min_val_loss": lambda t: min(t.val_loss) if t.val_loss else None,
            "loss_noise": lambda t: noise[id(t)],
        },
    )
    for row in rows:
        row.values["epoch_seconds"] = seconds[row.variant]
    return c.Findings(
        variants=variants,
        series=c.curves(outcome.traces, ("update_loss", "val_loss", "val_acc")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(outcome.traces),
        notes=[
            f"digits: {split.train.size} training and {split.val.size} validation images; "
            f"epoch time: the fastest of {TIMING_EPOCHS} epochs at that batch size alone, all seeds together."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Batch size sweep",
    summary="One MLP on handwritten digits at several batch sizes: loss, accuracy, noise, updates and speed.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
