"""The learning-rate range test: raise the rate exponentially during one short run.

The loss first barely moves (rate too small), then falls fastest, then blows up. The
steepest fall suggests a good rate; the blow-up marks the edge of stability. On least
squares that edge is known exactly (2 / lambda_max), so the test can be checked.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.problem_params import ProblemParams
from sims.result import ObservableSpec, consensus, measured_once
from sims.spec import Simulation, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context, Findings

NAME = "lr_range_test"
VARIANT = "range test"
#: Blown up: the loss is this many times the lowest loss seen so far.
BLOWUP = 4.0
SMOOTHING = 5


class Params(ProblemParams):
    lr_start: float = Field(1e-4, gt=0, le=10, description="Learning rate at the first update.")
    lr_end: float = Field(100.0, gt=0, le=1e4, description="Learning rate at the last update.")
    steps: int = Field(300, ge=10, le=5000, description="Updates over which the rate rises.")
    batch_size: int | None = Field(64, ge=1, description="Batch size; empty means full batch.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.lr_start >= self.lr_end:
            raise ValueError(f"lr_start ({self.lr_start:g}) must be smaller than lr_end ({self.lr_end:g})")
        require_batch_fits("batch_size", self.batch_size, self.train_size)
        return self


def has_theory(params: Params) -> bool:
    return params.problem == "least_squares"


def observables(params: Params) -> list[ObservableSpec]:
    def rate(name: str, description: str) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="number", unit="learning rate")

    specs = [
        rate("steepest_rate", "The rate at which the loss fell fastest (per unit of log learning rate)."),
        rate("blowup_rate", f"The first rate at which the loss exceeded {BLOWUP:g}x the lowest loss seen so far."),
        rate("suggested_rate", "A tenth of the blow-up rate: a common pick from a range test."),
    ]
    if has_theory(params):
        specs += [
            rate("critical_rate_theory", "2 / (largest eigenvalue of the loss Hessian), computed from the data."),
            ObservableSpec(
                name="blowup_to_critical_ratio",
                description="Blow-up rate divided by the exact critical rate.",
                kind="number",
            ),
        ]
    return specs


def _smoothed(values: list[float]) -> list[float]:
    """Running mean of log loss over the last SMOOTHING updates."""
    logs = [math.log(max(v, 1e-30)) if math.isfinite(v) else math.inf for v in values]
    out = []
    for i in range(len(logs)):
        window = logs[max(0, i - SMOOTHING + 1) : i + 1]
        out.append(sum(window) / len(window))
    return out


def blowup_index(losses: list[float], diverged_at: int | None) -> int | None:
    """First update (0-based) whose smoothed loss is BLOWUP x the best so far, or where the run diverged.

    Smoothing (a running mean of log loss) keeps one unlucky mini-batch from counting.
    """
    best = math.inf
    for i, value in enumerate(_smoothed(losses)):
        if not math.isfinite(value) or value > math.log(BLOWUP) + best:
            return i
        best = min(best, value)
    return None if diverged_at is None else diverged_at - 1


def steepest_index(losses: list[float], stop: int | None) -> int | None:
    """Update (0-based) where the smoothed log loss falls most over a stretch of the ramp.

    The stretch is a fifteenth of the run, so the answer reflects the trend of the curve
    rather than one lucky batch.
    """
    usable = _smoothed(losses[: stop if stop is not None else len(losses)])
    span = max(SMOOTHING, len(losses) // 15)
    if len(usable) <= span:
        return None
    drops = [usable[i + span] - usable[i] for i in range(len(usable) - span)]
    return min(range(len(drops)), key=drops.__getitem__) + span // 2


def simulate(params: Params, ctx: Context) -> Findings:
    from dataclasses import replace

    from sims import context as c
    from sims import problems
    from sims.engine import applied_factors
    from sims.result import Series
    from sims.runs import Run, Schedule, batch_sizes

    base, theory = problems.for_params(params, "ramp", epochs=1)
    batch = params.batch_size or base.train.size
    per_epoch = len(batch_sizes(base.train.size, batch, False))
    epochs = math.ceil(params.steps / per_epoch)
    total = epochs * per_epoch
    schedule = Schedule("exponential", end_factor=params.lr_end / params.lr_start)
    runs = [Run(VARIANT, seed, params.lr_start, batch, schedule=schedule) for seed in ctx.seeds]
    ctx.plan(ramp=1.0)
    # The range test wants to see the blow-up, so the engine's own divergence cut-off is set high.
    outcome = ctx.train(replace(base, runs=runs, epochs=epochs, eval_train=False, val=None, blowup=1e6))
    rates = (params.lr_start * applied_factors(schedule, total, per_epoch).double()).tolist()

    def rate_at(index: int | None) -> float | None:
        return None if index is None else rates[index]

    blowup = {id(t): rate_at(blowup_index(t.update_loss, t.diverged_at)) for t in outcome.traces}
    steepest = {
        id(t): rate_at(steepest_index(t.update_loss, blowup_index(t.update_loss, t.diverged_at)))
        for t in outcome.traces
    }
    blowups = [blowup[id(t)] for t in outcome.traces]
    values = [
        consensus("steepest_rate", "number", [steepest[id(t)] for t in outcome.traces], unit="learning rate"),
        consensus("blowup_rate", "number", blowups, unit="learning rate"),
        consensus("suggested_rate", "number", [None if b is None else b / 10 for b in blowups], unit="learning rate"),
    ]
    notes = [
        f"{params.problem}: rate from {params.lr_start:g} to {params.lr_end:g} over {total} updates, batch {batch}."
    ]
    if theory is not None:
        ratios = [None if b is None else b / theory for b in blowups]
        values.append(measured_once("critical_rate_theory", "number", theory, unit="learning rate"))
        values.append(consensus("blowup_to_critical_ratio", "number", ratios))
        notes.append(f"exact critical rate 2 / lambda_max = {theory:.4g}.")
    series = [
        Series(
            metric="loss_vs_rate",
            variant=VARIANT,
            seed=t.run.seed,
            x_label="learning_rate",
            x=rates[: len(t.update_loss)],
            y=t.update_loss,
        )
        for t in outcome.traces
    ]
    rows = c.metric_rows(
        outcome.traces,
        {
            "steepest_rate": lambda t: steepest[id(t)],
            "blowup_rate": lambda t: blowup[id(t)],
            "lowest_loss": lambda t: min(t.update_loss) if t.update_loss else None,
        },
        include_diverged=True,
    )
    return c.Findings(variants=[VARIANT], series=series, metrics=rows, observables=values, notes=notes)


SIM = Simulation(
    name=NAME,
    title="Learning-rate range test",
    summary="Raise the rate exponentially in one short run: where the loss falls fastest, where it blows up.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
