"""The learning-rate range test: raise the rate exponentially during one short run.

The loss first barely moves (rate too small), then falls fastest, then blows up. The
steepest fall suggests a good rate; the blow-up marks the edge of stability. On least
squares that edge is known exactly (2 / lambda_max), so the test can be checked.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims import traces as t
from sims.observe import Evidence, Once, PerSeed, Table
from sims.problem_params import ProblemParams
from sims.result import Series
from sims.runs import Run, Schedule, Trace, batch_sizes
from sims.simulation import Simulation
from sims.spec import require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context

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
    Several observables ask it of the same curve, so answers are remembered.
    """
    return _blowup_index(tuple(losses), diverged_at)


@functools.lru_cache(maxsize=64)
def _blowup_index(losses: tuple[float, ...], diverged_at: int | None) -> int | None:
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


@dataclass(kw_only=True)
class Ramp(Evidence):
    """The runs, the learning rate at each update (as the engine applied it), and the exact edge where known."""

    rates: list[float]
    theory: float | None


def blowup_rate(trace: Trace, rates: list[float]) -> float | None:
    index = blowup_index(trace.update_loss, trace.diverged_at)
    return None if index is None else rates[index]


def steepest_rate(trace: Trace, rates: list[float]) -> float | None:
    index = steepest_index(trace.update_loss, blowup_index(trace.update_loss, trace.diverged_at))
    return None if index is None else rates[index]


def seed_blowup(evidence: Ramp, index: int, _: str | None = None) -> float | None:
    trace = evidence.run(VARIANT, evidence.seeds[index])
    return None if trace is None else blowup_rate(trace, evidence.rates)


def seed_steepest(evidence: Ramp, index: int, _: str | None) -> float | None:
    trace = evidence.run(VARIANT, evidence.seeds[index])
    return None if trace is None else steepest_rate(trace, evidence.rates)


def suggested(evidence: Ramp, index: int, _: str | None) -> float | None:
    blowup = seed_blowup(evidence, index)
    return None if blowup is None else blowup / 10


def blowup_to_critical(evidence: Ramp, index: int, _: str | None) -> float | None:
    blowup = seed_blowup(evidence, index)
    return None if blowup is None or evidence.theory is None else blowup / evidence.theory


def theory_rate(evidence: Ramp, _: str | None) -> float | None:
    return evidence.theory


def experiment(params: Params, ctx: Context) -> Ramp:
    from dataclasses import replace

    from sims import problems
    from sims.callbacks import Divergence
    from sims.layout import applied_factors

    base, theory = problems.for_params(params, "ramp", epochs=1)
    batch = params.batch_size or base.train.size
    per_epoch = len(batch_sizes(base.train.size, batch, False))
    epochs = math.ceil(params.steps / per_epoch)
    total = epochs * per_epoch
    schedule = Schedule("exponential", end_factor=params.lr_end / params.lr_start)
    runs = [Run(VARIANT, seed, params.lr_start, batch, schedule=schedule) for seed in ctx.seeds]
    ctx.plan(ramp=1.0)
    # The range test wants to see the blow-up, so the engine's own divergence cut-off is set high.
    outcome = ctx.train(replace(base, runs=runs, epochs=epochs, val=None, record=(Divergence(blowup=1e6),)))
    rates = (params.lr_start * applied_factors(schedule, total, per_epoch).double()).tolist()

    notes = [
        f"{params.problem}: rate from {params.lr_start:g} to {params.lr_end:g} over {total} updates, batch {batch}."
    ]
    if theory is not None:
        notes.append(f"exact critical rate 2 / lambda_max = {theory:.4g}.")
    series = [
        Series(
            metric="loss_vs_rate",
            variant=VARIANT,
            seed=tr.run.seed,
            x_label="learning_rate",
            x=rates[: len(tr.update_loss)],
            y=tr.update_loss,
        )
        for tr in outcome.traces
    ]
    rows = t.metric_rows(
        outcome.traces,
        {
            "steepest_rate": lambda tr: steepest_rate(tr, rates),
            "blowup_rate": lambda tr: blowup_rate(tr, rates),
            "lowest_loss": lambda tr: min(tr.update_loss) if tr.update_loss else None,
        },
        include_diverged=True,
    )
    return Ramp(
        seeds=ctx.seeds,
        variants=[VARIANT],
        traces=outcome.traces,
        rates=rates,
        theory=theory,
        series=series,
        metrics=rows,
        notes=notes,
        diverged=[],  # blowing up is what the test looks for, not a failed run
    )


OBSERVABLES = Table(
    lambda _: [VARIANT],
    PerSeed(
        name="steepest_rate",
        kind="number",
        description="The rate at which the loss fell fastest (per unit of log learning rate).",
        unit="learning rate",
        read=seed_steepest,
    ),
    PerSeed(
        name="blowup_rate",
        kind="number",
        description=f"The first rate at which the loss exceeded {BLOWUP:g}x the lowest loss seen so far.",
        unit="learning rate",
        read=seed_blowup,
    ),
    PerSeed(
        name="suggested_rate",
        kind="number",
        description="A tenth of the blow-up rate: a common pick from a range test.",
        unit="learning rate",
        read=suggested,
    ),
    Once(
        name="critical_rate_theory",
        when=has_theory,
        kind="number",
        description="2 / (largest eigenvalue of the loss Hessian), computed from the data.",
        unit="learning rate",
        read=theory_rate,
    ),
    PerSeed(
        name="blowup_to_critical_ratio",
        when=has_theory,
        kind="number",
        description="Blow-up rate divided by the exact critical rate.",
        read=blowup_to_critical,
    ),
)

SIM = Simulation(
    name=NAME,
    title="Learning-rate range test",
    summary="Raise the rate exponentially in one short run: where the loss falls fastest, where it blows up.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
