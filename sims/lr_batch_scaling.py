"""The linear scaling rule: multiply the batch size by k, multiply the learning rate by k.

For each k the same MLP trains at (B, lr), (kB, lr), (kB, k*lr), and (kB, k*lr) with a
short linear warmup. Curves are compared per epoch, where the rule says they should
match. For large k the scaled rate gets too big and the rule stops holding.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims.datasizes import digits_train_size
from sims.result import ObservableSpec, consensus
from sims.spec import Distinct, ParamsBase, Simulation

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

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


def variant(k: int, kind: str) -> str:
    return f"{factor_label(k)} {kind}"


def observables(params: Params) -> list[ObservableSpec]:
    factors = [factor_label(k) for k in params.ks]
    runs = [BASE] + [variant(k, kind) for k in params.ks for kind in KINDS]
    return [
        ObservableSpec(
            name="closest_to_base",
            description="Which large-batch run's validation curve stays closest to the base one, epoch by epoch.",
            kind="choice",
            choices=KINDS,
            variants=factors,
        ),
        ObservableSpec(
            name="rule_breaks_at",
            description="The smallest k where even the scaled, warmed-up run ends more than the tolerance above the "
            "base run's final validation loss ('none' if the rule held for every k).",
            kind="choice",
            choices=[*factors, NONE],
        ),
        ObservableSpec(
            name="curve_gap",
            description="Mean distance between this run's validation loss and the base run's, over the epochs.",
            kind="number",
            variants=runs[1:],
        ),
        ObservableSpec(
            name="final_val_loss", description="Validation loss after the last epoch.", kind="number", variants=runs
        ),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    from dataclasses import replace

    from sims import context as c
    from sims import problems
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
    outcome = ctx.train(replace(base, runs=runs, eval_train=False))
    groups = c.by_variant(outcome.traces)
    reference = {t.run.seed: t for t in groups[BASE]}

    def gap(trace: Trace) -> float | None:
        mine, theirs = trace.val_loss[1:], reference[trace.run.seed].val_loss[1:]
        if trace.diverged_at is not None or len(mine) != len(theirs) or not mine:
            return None
        return statistics.fmean(abs(a - b) for a, b in zip(mine, theirs, strict=True))

    def final(trace: Trace) -> float | None:
        return None if trace.diverged_at is not None else c.last(trace.val_loss)

    def breaks(seed: int) -> str:
        limit = (1 + params.tolerance) * (final(reference[seed]) or 0.0)
        for k in params.ks:
            trace = next(t for t in groups[variant(k, "scaled+warmup")] if t.run.seed == seed)
            loss = final(trace)
            if loss is None or loss > limit:
                return factor_label(k)
        return NONE

    values = [consensus("rule_breaks_at", "choice", [breaks(s) for s in ctx.seeds])]
    for k in params.ks:
        kinds = {kind: groups[variant(k, kind)] for kind in KINDS}
        values.append(
            consensus("closest_to_base", "choice", c.pick_per_seed(ctx.seeds, kinds, gap), variant=factor_label(k))
        )
    for name in groups:
        if name != BASE:
            values.append(consensus("curve_gap", "number", c.per_seed(ctx.seeds, groups[name], gap), variant=name))
        values.append(consensus("final_val_loss", "number", c.per_seed(ctx.seeds, groups[name], final), variant=name))
    rows = c.metric_rows(
        outcome.traces,
        {
            "batch_size": lambda t: float(t.run.batch_size),
            "lr": lambda t: t.run.lr,
            "updates": lambda t: float(t.updates),
            "final_val_loss": final,
            "curve_gap": gap,
        },
    )
    return c.Findings(
        variants=list(groups),
        series=c.curves(outcome.traces, ("val_loss", "val_acc")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(outcome.traces),
        notes=[
            f"digits MLP; base: batch {params.base_batch}, lr {params.base_lr:g}; warmup {params.warmup_epochs:g} "
            f"epoch(s) from zero; the rule holds while the scaled run ends within {params.tolerance:.0%} of the base."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Batch size and learning rate: the linear scaling rule",
    summary="kB with lr, with k*lr, and with k*lr plus warmup, against the small-batch curve; where the rule breaks.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
