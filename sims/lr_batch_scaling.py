"""The linear scaling rule: multiply the batch size by k, multiply the learning rate by k.

For each k the same MLP trains at (B, lr), (kB, lr), (kB, k*lr), and (kB, k*lr) with a
short linear warmup. Curves are compared per epoch, where the rule says they should
match. For large k the scaled rate gets too big and the rule stops holding.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "lr_batch_scaling"
BASE = "base"
KINDS = ["same lr", "scaled", "scaled+warmup"]
NONE = "none"
TRAIN_SIZE = digits_train_size()


class Params(ParamsBase):
    base_batch: int = Field(16, ge=1, le=TRAIN_SIZE, description="Batch size of the reference run.")
    base_lr: float = Field(0.1, gt=0, le=10, description="Learning rate of the reference run.")
    ks: Annotated[list[Annotated[int, Field(ge=2)]], Distinct] = Field(
        default=[2, 8, 32], min_length=1, max_length=8, description="Factors k by which batch size (and rate) grow."
    )
    epochs: int = Field(10, ge=1, le=200, description="Epochs for every run: the rule compares curves per epoch.")
    warmup_epochs: float = Field(2.0, ge=0, le=50, description="Linear warmup length for the warmed-up runs.")
    tolerance: float = Field(0.25, gt=0, le=5, description="How far above the base final loss still counts as holding.")

    @model_validator(mode="after")
    def _batches_fit(self) -> Params:
        for k in self.ks:
            if k * self.base_batch > TRAIN_SIZE:
                raise ValueError(
                    f"k={k} makes a batch of {k * self.base_batch}, larger than the training set "
                    f"({TRAIN_SIZE} images); allowed: k * base_batch <= {TRAIN_SIZE}"
                )
        return self


def factor_label(k: int) -> str:
    return f"x{k}"


def variant(k: int | str, kind: str) -> str:
    """The run of `kind` at factor k (an int, or its label "x8")."""
    return f"{k if isinstance(k, str) else factor_label(k)} {kind}"


def factors(params: Params) -> list[str]:
    return [factor_label(k) for k in params.ks]


def variants_of(params: Params) -> list[str]:
    return [BASE] + [variant(k, kind) for k in params.ks for kind in KINDS]


@dataclass(kw_only=True)
class Scaling(Evidence):
    """The runs, with the params that say which k to try and how far from the base still holds."""

    params: Params


def final(trace: Trace | None) -> float | None:
    return None if trace is None or trace.diverged_at is not None else t.last(trace.val_loss)


def gap(evidence: Evidence, trace: Trace) -> float | None:
    """Mean distance between a run's validation curve and the base run's of the same seed."""
    reference = evidence.run(BASE, trace.run.seed)
    if reference is None:
        return None
    mine, theirs = trace.val_loss[1:], reference.val_loss[1:]
    if trace.diverged_at is not None or len(mine) != len(theirs) or not mine:
        return None
    return statistics.fmean(abs(a - b) for a, b in zip(mine, theirs, strict=True))


def curve_gap(evidence: Evidence, seed_index: int, name: str) -> float | None:
    trace = evidence.run(name, evidence.seeds[seed_index])
    return None if trace is None else gap(evidence, trace)


def closest_to_base(evidence: Evidence, seed_index: int, factor: str) -> str | None:
    """Of the three large-batch runs at this factor, the one whose curve stays nearest the base."""
    kinds = {kind: evidence.of(variant(factor, kind)) for kind in KINDS}
    return t.pick_per_seed([evidence.seeds[seed_index]], kinds, lambda trace: gap(evidence, trace))[0]


def rule_breaks_at(evidence: Scaling, seed_index: int, _: str | None) -> str:
    """The smallest k whose scaled, warmed-up run ends above the tolerance (or diverged)."""
    seed = evidence.seeds[seed_index]
    limit = (1 + evidence.params.tolerance) * (final(evidence.run(BASE, seed)) or 0.0)
    for k in evidence.params.ks:
        loss = final(evidence.run(variant(k, "scaled+warmup"), seed))
        if loss is None or loss > limit:
            return factor_label(k)
    return NONE


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="closest_to_base",
        kind="choice",
        description="Which large-batch run's validation curve stays closest to the base one, epoch by epoch. "
        "Where the rule breaks (see rule_breaks_at) all three end far from the base, and which is closest "
        "changes from seed to seed.",
        choices=KINDS,
        variants=factors,
        read=closest_to_base,
    ),
    PerSeed(
        name="rule_breaks_at",
        kind="choice",
        description="The smallest k where even the scaled, warmed-up run ends more than the tolerance above the "
        "base run's final validation loss ('none' if the rule held for every k). It depends on the base learning "
        "rate: the rule breaks once k times that rate is too large for the loss's curvature.",
        choices=lambda params: [*factors(params), NONE],
        read=rule_breaks_at,
    ),
    PerSeed(
        name="curve_gap",
        kind="number",
        description="Mean distance between this run's validation loss and the base run's, over the epochs.",
        variants=lambda params: variants_of(params)[1:],
        read=curve_gap,
    ),
    PerRun(name="final_val_loss", kind="number", description="Validation loss after the last epoch.", read=final),
)


def experiment(params: Params, ctx: Context) -> Scaling:
    """One stacked job: the base run and, for each k, the three large-batch runs, every seed."""
    from dataclasses import replace

    from sims import problems
    from sims.callbacks import Divergence, Evaluate
    from sims.runs import Run, Schedule, batch_sizes

    base = problems.digits_mlp("train", epochs=params.epochs)
    runs = [Run(BASE, seed, params.base_lr, params.base_batch) for seed in ctx.seeds]
    for k in params.ks:
        batch = k * params.base_batch
        per_epoch = len(batch_sizes(base.train.size, batch, False))
        warmup = Schedule(warmup=max(1, round(params.warmup_epochs * per_epoch)))
        for seed in ctx.seeds:
            runs += [
                Run(variant(k, "same lr"), seed, params.base_lr, batch),
                Run(variant(k, "scaled"), seed, k * params.base_lr, batch),
                Run(variant(k, "scaled+warmup"), seed, k * params.base_lr, batch, schedule=warmup),
            ]
    ctx.plan(train=1.0)
    outcome = ctx.train(replace(base, runs=runs, record=(Divergence(), Evaluate(train=False))))
    evidence = Scaling(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=outcome.traces,
        params=params,
        series=t.curves(outcome.traces, ("val_loss", "val_acc")),
        notes=[
            f"digits MLP; base: batch {params.base_batch}, lr {params.base_lr:g}; warmup {params.warmup_epochs:g} "
            f"epoch(s) from zero; the rule holds while the scaled run ends within {params.tolerance:.0%} of the base."
        ],
    )
    evidence.metrics = t.metric_rows(
        outcome.traces,
        {
            "batch_size": lambda trace: float(trace.run.batch_size),
            "lr": lambda trace: trace.run.lr,
            "updates": lambda trace: float(trace.updates),
            "final_val_loss": final,
            "curve_gap": lambda trace: gap(evidence, trace),
        },
    )
    return evidence


SIM = Simulation(
    name=NAME,
    title="Batch size and learning rate: the linear scaling rule",
    summary="kB with lr, with k*lr, and with k*lr plus warmup, against the small-batch curve; where the rule breaks.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
