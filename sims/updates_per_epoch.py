"""How many optimizer updates one epoch takes at each batch size.

One epoch of logistic regression per batch size, counting the updates the training loop
actually performs, once keeping the last partial batch and once dropping it. The features
come on different scales, as real ones do, so some directions of the weights are learned
slowly and one epoch is far from converged: the loss after it shows how much progress the
epoch's updates made, not the noise floor a converged small batch jitters around.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.observe import Evidence, Once, PerRun, PerSeed, Pick, Table
from sims.runs import Run, Trace
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase, label, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context
    from sims.jobs import Dataset

NAME = "updates_per_epoch"


class Params(ParamsBase):
    n_samples: int = Field(10_000, ge=1, le=200_000, description="Training samples in the dataset.")
    batch_sizes: Annotated[list[Annotated[int, Field(ge=1)]], Distinct] = Field(
        default=[32, 100, 500, 3000], min_length=1, max_length=12, description="Batch sizes to compare."
    )
    lr: float = Field(0.1, gt=0, le=10, description="Learning rate of plain SGD.")
    features: int = Field(20, ge=1, le=512, description="Input features of the logistic regression.")
    condition: float = Field(
        100.0,
        ge=1,
        le=1e6,
        description="Spread of the feature scales (1: all alike, and one epoch nearly converges).",
    )

    @model_validator(mode="after")
    def _batches_fit(self) -> Params:
        for size in self.batch_sizes:
            require_batch_fits("batch size", size, self.n_samples, of="the dataset")
        return self


@dataclass(kw_only=True)
class Counts(Evidence):
    """The epoch that kept its last partial batch (`traces`) beside the one that dropped it."""

    dropped: list[Trace]
    n_samples: int


def variants_of(params: Params) -> list[str]:
    return [label(b) for b in params.batch_sizes]


def updates(trace: Trace) -> int:
    return trace.updates


def dropped_updates(evidence: Counts, index: int, variant: str | None) -> int | None:
    """Updates of the drop_last epoch of one seed (None if that run is missing)."""
    seed = evidence.seeds[index]
    run = next((tr for tr in evidence.dropped if tr.run.variant == variant and tr.run.seed == seed), None)
    return run.updates if run is not None else None


def last_batch_size(evidence: Counts, variant: str | None) -> int:
    """Fixed by the setup: what is left after the full batches, or a whole batch if it divides evenly."""
    size = evidence.of(str(variant))[0].run.batch_size
    return evidence.n_samples % size or size


def scaled(dataset: Dataset, condition: float) -> Dataset:
    """Features scaled from 1 down to 1 / sqrt(condition): the loss's curvatures span about `condition`."""
    import math

    import torch

    from sims.jobs import Dataset

    features = dataset.x.shape[-1]
    return Dataset(dataset.x * torch.logspace(0, -math.log10(condition) / 2, features), dataset.y)


def experiment(params: Params, ctx: Context) -> Counts:
    from sims import data
    from sims.jobs import Job, Order
    from sims.models import MLP

    dataset = scaled(data.linear_classes(params.n_samples, params.features, seed=0), params.condition)
    runs = [Run(label(b), seed, params.lr, b) for b in params.batch_sizes for seed in ctx.seeds]
    ctx.plan(keep_last=1.0, drop_last=1.0)
    common = dict(model=MLP((params.features, 2)), loss="cross_entropy", train=dataset, runs=runs, epochs=1)
    kept = ctx.train(Job(stage="keep_last", **common))
    dropped = ctx.train(Job(stage="drop_last", order=Order(drop_last=True), **common))

    rows = t.metric_rows(
        kept.traces,
        {
            "updates_per_epoch": lambda tr: float(tr.updates),
            "train_loss_after_epoch": lambda tr: t.last(tr.train_loss),
            "train_accuracy_after_epoch": lambda tr: t.last(tr.train_acc),
        },
    )
    dropped_groups = t.by_variant(dropped.traces)
    for row in rows:
        row.values["updates_per_epoch_drop_last"] = float(dropped_groups[row.variant][0].updates)
    return Counts(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=kept.traces,
        dropped=dropped.traces,
        n_samples=params.n_samples,
        series=t.curves(kept.traces, ("update_loss", "train_loss")),
        metrics=rows,
        diverged=t.divergences(kept.traces + dropped.traces),
        notes=[
            f"{params.n_samples} samples, {params.features} features with scales spread {params.condition:g}x in "
            "curvature; counts are the updates the training loop performed, per seed."
        ],
    )


OBSERVABLES = Table(
    variants_of,
    PerRun(
        name="updates_per_epoch",
        kind="number",
        description="Optimizer updates in one epoch, the last partial batch kept.",
        unit="updates",
        read=updates,
    ),
    PerSeed(
        name="updates_per_epoch_drop_last",
        kind="number",
        description="Optimizer updates in one epoch when the last partial batch is dropped.",
        unit="updates",
        variants=variants_of,
        read=dropped_updates,
    ),
    Once(
        name="last_batch_size",
        kind="number",
        description="Samples in the final batch of the epoch (equal to the batch size when it divides evenly).",
        unit="samples",
        variants=variants_of,
        read=last_batch_size,
    ),
    Pick(
        name="most_updates_batch",
        description="The batch size that takes the most updates per epoch.",
        score=updates,
        highest=True,
    ),
    Pick(
        name="lowest_loss_after_one_epoch_batch",
        description="The batch size whose model has the lowest training loss after one epoch "
        "(with features on one scale, condition 1, an epoch nearly converges and the noise floor decides).",
        score=lambda trace: t.last(trace.train_loss),
    ),
)

SIM = Simulation(
    name=NAME,
    title="Updates per epoch",
    summary="One epoch per batch size: how many optimizer steps actually happen, with and without drop_last.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
