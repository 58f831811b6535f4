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

from sims.datasizes import digits_train_size
from sims.result import ObservableSpec, consensus
from sims.spec import ParamsBase, Simulation

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

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


def observables(params: Params) -> list[ObservableSpec]:
    return [
        ObservableSpec(
            name="decay_matches_growth",
            description=f"Whether the step-decay and batch-growth validation curves stay within {MATCH:.0%} "
            "of each other, epoch by epoch.",
            kind="bool",
        ),
        ObservableSpec(
            name="lowest_final_val_loss",
            description="The schedule ending with the lowest validation loss.",
            kind="choice",
            choices=VARIANTS,
        ),
        ObservableSpec(
            name="updates", description="Optimizer updates taken.", kind="number", unit="updates", variants=VARIANTS
        ),
        ObservableSpec(
            name="final_val_loss", description="Validation loss after the last epoch.", kind="number", variants=VARIANTS
        ),
        ObservableSpec(
            name="update_ratio_decay_to_growth",
            description="Updates taken by step decay divided by updates taken by batch growth.",
            kind="number",
        ),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    from dataclasses import replace

    from sims import context as c
    from sims import problems
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
    outcome = ctx.train(replace(base, runs=runs, eval_train=False))

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
                first_epoch=first,
                eval_train=False,
            )
        )
        start = phase.model.params
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
    groups = c.by_variant(traces)

    def final(trace: Trace) -> float | None:
        return None if trace.diverged_at is not None else c.last(trace.val_loss)

    def matches(seed: int) -> bool | None:
        a = next(t for t in groups["step decay"] if t.run.seed == seed).val_loss
        b = grown[seed].val_loss
        if len(a) != len(b):
            return None
        return all(abs(x - y) <= MATCH * x for x, y in zip(a[1:], b[1:], strict=True))

    updates = {v: [float(t.updates) for t in groups[v]] for v in VARIANTS}
    values = [
        consensus("decay_matches_growth", "bool", [matches(s) for s in ctx.seeds]),
        consensus("lowest_final_val_loss", "choice", c.pick_per_seed(ctx.seeds, groups, final)),
        consensus(
            "update_ratio_decay_to_growth",
            "number",
            [d / g for d, g in zip(updates["step decay"], updates["batch growth"], strict=True)],
        ),
    ]
    for name in VARIANTS:
        values.append(consensus("updates", "number", updates[name], variant=name, unit="updates"))
        values.append(consensus("final_val_loss", "number", c.per_seed(ctx.seeds, groups[name], final), variant=name))
    rows = c.metric_rows(
        traces,
        {
            "updates": lambda t: float(t.updates),
            "final_val_loss": final,
            "final_val_accuracy": lambda t: c.last(t.val_acc),
            "min_val_loss": lambda t: min(t.val_loss) if t.val_loss else None,
        },
    )
    gaps = [
        statistics.fmean(abs(x - y) for x, y in zip(a.val_loss, grown[a.run.seed].val_loss, strict=False))
        for a in groups["step decay"]
    ]
    return c.Findings(
        variants=VARIANTS,
        series=c.curves(traces, ("update_loss", "val_loss", "val_acc")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(traces),
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
    observables=observables,
    simulate=simulate,
)
run = SIM.run
