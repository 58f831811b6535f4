"""How many optimizer updates one epoch takes at each batch size.

One epoch of logistic regression per batch size, counting the updates the training loop
actually performs, once keeping the last partial batch and once dropping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims.result import ObservableSpec, consensus, measured_once
from sims.spec import Distinct, ParamsBase, Simulation, label, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context, Findings

NAME = "updates_per_epoch"


class Params(ParamsBase):
    n_samples: int = Field(10_000, ge=1, le=200_000, description="Training samples in the dataset.")
    batch_sizes: Annotated[list[Annotated[int, Field(ge=1)]], Distinct] = Field(
        default=[32, 100, 500, 3000], min_length=1, max_length=12, description="Batch sizes to compare."
    )
    lr: float = Field(0.1, gt=0, le=10, description="Learning rate of plain SGD.")
    features: int = Field(20, ge=1, le=512, description="Input features of the logistic regression.")

    @model_validator(mode="after")
    def _batches_fit(self) -> Params:
        for size in self.batch_sizes:
            require_batch_fits("batch size", size, self.n_samples, of="the dataset")
        return self


def observables(params: Params) -> list[ObservableSpec]:
    variants = [label(b) for b in params.batch_sizes]
    return [
        ObservableSpec(
            name="updates_per_epoch",
            description="Optimizer updates in one epoch, the last partial batch kept.",
            kind="number",
            unit="updates",
            variants=variants,
        ),
        ObservableSpec(
            name="updates_per_epoch_drop_last",
            description="Optimizer updates in one epoch when the last partial batch is dropped.",
            kind="number",
            unit="updates",
            variants=variants,
        ),
        ObservableSpec(
            name="last_batch_size",
            description="Samples in the final batch of the epoch (equal to the batch size when it divides evenly).",
            kind="number",
            unit="samples",
            variants=variants,
        ),
        ObservableSpec(
            name="most_updates_batch",
            description="The batch size that takes the most updates per epoch.",
            kind="choice",
            choices=variants,
        ),
        ObservableSpec(
            name="lowest_loss_after_one_epoch_batch",
            description="The batch size whose model has the lowest training loss after one epoch.",
            kind="choice",
            choices=variants,
        ),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    from sims import context as c
    from sims import data
    from sims.engine import Job
    from sims.runs import Run

    dataset = data.linear_classes(params.n_samples, params.features, seed=0)
    runs = [Run(label(b), seed, params.lr, b) for b in params.batch_sizes for seed in ctx.seeds]
    ctx.plan(keep_last=1.0, drop_last=1.0)
    common = dict(sizes=(params.features, 2), loss="cross_entropy", train=dataset, runs=runs, epochs=1)
    kept = ctx.train(Job(stage="keep_last", **common))
    dropped = ctx.train(Job(stage="drop_last", drop_last=True, **common))

    kept_groups, dropped_groups = c.by_variant(kept.traces), c.by_variant(dropped.traces)
    values = []
    for size in params.batch_sizes:
        variant = label(size)
        values.append(
            consensus(
                "updates_per_epoch",
                "number",
                c.per_seed(ctx.seeds, kept_groups[variant], lambda t: t.updates),
                variant=variant,
                unit="updates",
            )
        )
        values.append(
            consensus(
                "updates_per_epoch_drop_last",
                "number",
                c.per_seed(ctx.seeds, dropped_groups[variant], lambda t: t.updates),
                variant=variant,
                unit="updates",
            )
        )
        remainder = params.n_samples % size
        values.append(measured_once("last_batch_size", "number", remainder or size, variant=variant, unit="samples"))
    values.append(
        consensus(
            "most_updates_batch", "choice", c.pick_per_seed(ctx.seeds, kept_groups, lambda t: t.updates, highest=True)
        )
    )
    values.append(
        consensus(
            "lowest_loss_after_one_epoch_batch",
            "choice",
            c.pick_per_seed(ctx.seeds, kept_groups, lambda t: c.last(t.train_loss)),
        )
    )
    rows = c.metric_rows(
        kept.traces,
        {
            "updates_per_epoch": lambda t: float(t.updates),
            "train_loss_after_epoch": lambda t: c.last(t.train_loss),
            "train_accuracy_after_epoch": lambda t: c.last(t.train_acc),
        },
    )
    for row in rows:
        drop = [t.updates for t in dropped_groups[row.variant]]
        row.values["updates_per_epoch_drop_last"] = float(drop[0])
    return c.Findings(
        variants=[label(b) for b in params.batch_sizes],
        series=c.curves(kept.traces, ("update_loss", "train_loss")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(kept.traces + dropped.traces),
        notes=[f"{params.n_samples} samples; counts are the updates the training loop performed, per seed."],
    )


SIM = Simulation(
    name=NAME,
    title="Updates per epoch",
    summary="One epoch per batch size: how many optimizer steps actually happen, with and without drop_last.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
