"""Learning-rate schedules, and growing the batch instead of decaying the rate.

Four ways to train the same MLP for the same epochs: a constant rate; step decay (the
rate divided at milestones); cosine decay; and a constant rate with the batch size
multiplied at the milestones by the factor step decay would have divided the rate by.
With plain SGD, the noise of an update scales with lr / batch, so decay and growth
should give matching curves per epoch, growth with far fewer updates.
"""

from __future__ import annotations

import itertools
import statistics
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Pick, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "schedules"
VARIANTS = ["constant", "step decay", "cosine", "batch growth"]
TRAIN_SIZE = digits_train_size()
#: Decay and growth "match" when their validation curves differ by at most this, relative to the loss.
MATCH = 0.15


class Params(ParamsBase):
    batch_size: int = Field(32, ge=1, le=TRAIN_SIZE, description="Starting batch size.")
    lr: float = Field(0.2, gt=0, le=10, description="Starting learning rate.")
    epochs: int = Field(12, ge=2, le=300, description="Epochs for every schedule.")
    milestones: list[Annotated[int, Field(ge=1)]] = Field(
        default=[6, 9], min_length=1, max_length=5, description="Epochs after which the rate decays (or batch grows)."
    )
    factor: float = Field(5.0, gt=1, le=100, description="Rate divided by, or batch multiplied by, at each milestone.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if sorted(set(self.milestones)) != self.milestones or self.milestones[-1] >= self.epochs:
            raise ValueError(f"milestones must increase and lie before epoch {self.epochs}; got {self.milestones}")
        largest = round(self.batch_size * self.factor ** len(self.milestones))
        if largest > TRAIN_SIZE:
            raise ValueError(
                f"the batch would grow to {largest}, larger than the training set ({TRAIN_SIZE}); "
                "use a smaller batch_size, factor or fewer milestones"
            )
        return self


def variants_of(params: Params) -> list[str]:
    return VARIANTS


def final(trace: Trace) -> float | None:
    return None if trace.diverged_at is not None else t.last(trace.val_loss)


def decay_and_growth(evidence: Evidence, seed_index: int) -> tuple[Trace, Trace]:
    seed = evidence.seeds[seed_index]
    decay, growth = evidence.run("step decay", seed), evidence.run("batch growth", seed)
    assert decay is not None and growth is not None, f"seed {seed}: every schedule trains every seed"
    return decay, growth


def decay_matches_growth(evidence: Evidence, seed_index: int, _: str | None) -> bool | None:
    """Whether every epoch's validation losses lie within MATCH of each other (None if the runs differ in length)."""
    decay, growth = decay_and_growth(evidence, seed_index)
    a, b = decay.val_loss, growth.val_loss
    if len(a) != len(b):
        return None
    return all(abs(x - y) <= MATCH * x for x, y in zip(a[1:], b[1:], strict=True))


def update_ratio(evidence: Evidence, seed_index: int, _: str | None) -> float:
    decay, growth = decay_and_growth(evidence, seed_index)
    return float(decay.updates) / float(growth.updates)


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="decay_matches_growth",
        kind="bool",
        description=f"Whether the step-decay and batch-growth validation curves stay within {MATCH:.0%} "
        "of each other, epoch by epoch.",
        read=decay_matches_growth,
    ),
    Pick(
        name="lowest_final_val_loss",
        description="The schedule ending with the lowest validation loss.",
        score=final,
    ),
    PerRun(
        name="updates",
        kind="number",
        description="Optimizer updates taken.",
        unit="updates",
        read=lambda trace: float(trace.updates),
    ),
    PerRun(name="final_val_loss", kind="number", description="Validation loss after the last epoch.", read=final),
    PerSeed(
        name="update_ratio_decay_to_growth",
        kind="number",
        description="Updates taken by step decay divided by updates taken by batch growth.",
        read=update_ratio,
    ),
)


def experiment(params: Params, ctx: Context) -> Evidence:
    """The three schedules in one job; batch growth as one job per stretch between milestones, chained."""
    from dataclasses import replace

    from sims import problems
    from sims.callbacks import Divergence, Evaluate
    from sims.jobs import Order
    from sims.runs import Run, Schedule

    base = problems.digits_mlp("schedules", epochs=params.epochs)
    decay = Schedule("step", milestones=tuple(params.milestones), gamma=1 / params.factor)
    cosine = Schedule("cosine")
    runs = []
    for seed in ctx.seeds:
        runs += [
            Run("constant", seed, params.lr, params.batch_size),
            Run("step decay", seed, params.lr, params.batch_size, schedule=decay),
            Run("cosine", seed, params.lr, params.batch_size, schedule=cosine),
        ]
    bounds = [0, *params.milestones, params.epochs]
    phases = {f"growth {i + 1}": 0.3 / len(bounds) for i in range(len(bounds) - 1)}
    ctx.plan(schedules=1.0, **phases)
    outcome = ctx.train(replace(base, runs=runs, record=(Divergence(), Evaluate(train=False))))

    # Batch growth: one phase per stretch between milestones, each starting where the last ended.
    grown: dict[int, Trace] = {}
    start = None
    for i, (first, last) in enumerate(itertools.pairwise(bounds)):
        batch = round(params.batch_size * params.factor**i)
        phase_runs = [Run("batch growth", seed, params.lr, batch) for seed in ctx.seeds]
        phase = ctx.train(
            replace(
                base,
                stage=f"growth {i + 1}",
                runs=phase_runs,
                epochs=last - first,
                start=start,
                order=Order(first_epoch=first),
                record=(Divergence(), Evaluate(train=False)),
            )
        )
        start = phase.model
        for trace in phase.traces:
            whole = grown.setdefault(trace.run.seed, replace(trace, update_loss=[], val_loss=[], val_acc=[], updates=0))
            skip = 0 if i == 0 else 1  # a later phase's epoch 0 is the previous phase's last epoch
            whole.update_loss += trace.update_loss
            whole.val_loss += trace.val_loss[skip:]
            whole.val_acc += trace.val_acc[skip:]
            whole.updates += trace.updates
            if trace.diverged_at is not None and whole.diverged_at is None:
                whole.diverged_at = whole.updates - trace.updates + trace.diverged_at
                whole.divergence_reason = trace.divergence_reason
    traces = outcome.traces + [grown[s] for s in ctx.seeds]
    gaps = [
        statistics.fmean(abs(x - y) for x, y in zip(a.val_loss, grown[a.run.seed].val_loss, strict=False))
        for a in traces
        if a.run.variant == "step decay"
    ]
    return Evidence(
        seeds=ctx.seeds,
        variants=VARIANTS,
        traces=traces,
        series=t.curves(traces, ("update_loss", "val_loss", "val_acc")),
        metrics=t.metric_rows(
            traces,
            {
                "updates": lambda trace: float(trace.updates),
                "final_val_loss": final,
                "final_val_accuracy": lambda trace: t.last(trace.val_acc),
                "min_val_loss": lambda trace: min(trace.val_loss) if trace.val_loss else None,
            },
        ),
        notes=[
            f"digits MLP, plain SGD, batch {params.batch_size}, lr {params.lr:g}; at epochs {params.milestones} the "
            f"rate is divided by {params.factor:g} (step decay) or the batch multiplied by it (batch growth).",
            f"mean gap between the decay and growth validation curves: {statistics.fmean(gaps):.3g}.",
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Schedules: decay the rate or grow the batch",
    summary="Constant, step decay, cosine, and batch growth at the decay points: curves per epoch and update counts.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
