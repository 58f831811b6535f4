"""Learning rates on a log grid, and the rate at which training stops converging.

On least squares the answer is known exactly: full-batch gradient descent on
0.5 * mean((Xw + b - y)^2) converges if and only if lr < 2 / lambda_max, where lambda_max
is the largest eigenvalue of the Hessian X^T X / n. The sweep finds the edge by
experiment (a grid, then two rounds of finer grids inside the bracket) and reports it
beside the theory. The digits MLP shows the same picture without a closed form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims import traces as t
from sims.observe import Evidence, Once, PerRun, PerSeed, Pick, Table
from sims.problem_params import ProblemParams
from sims.runs import Run, Trace
from sims.simulation import Simulation
from sims.spec import label, log_grid, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context

NAME = "learning_rate_sweep"
NONE = "none"
REFINE_RATES = 12
REFINE_ROUNDS = 2


class Params(ProblemParams):
    lr_min: float = Field(0.01, gt=0, le=100, description="Smallest learning rate of the grid.")
    lr_max: float = Field(10.0, gt=0, le=1000, description="Largest learning rate of the grid.")
    n_rates: int = Field(7, ge=2, le=25, description="Rates on the grid, evenly spaced in log scale.")
    epochs: int = Field(200, ge=1, le=2000, description="Passes over the data (full-batch: one update each).")
    batch_size: int | None = Field(
        None, ge=1, description="Batch size; empty means full batch (plain gradient descent)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.lr_min >= self.lr_max:
            raise ValueError(f"lr_min ({self.lr_min:g}) must be smaller than lr_max ({self.lr_max:g})")
        require_batch_fits("batch_size", self.batch_size, self.train_size)
        return self

    @property
    def rates(self) -> list[float]:
        return log_grid(self.lr_min, self.lr_max, self.n_rates)


@dataclass(kw_only=True)
class Sweep(Evidence):
    """The grid's runs, each seed's critical rate from the finer grids, and the exact one where known."""

    critical: list[float | None]
    theory: float | None


def has_theory(params: Params) -> bool:
    return params.problem == "least_squares" and params.batch_size in (None, params.n_samples)


def variants_of(params: Params) -> list[str]:
    return [label(r) for r in params.rates]


def final(trace: Trace) -> float | None:
    if trace.diverged_at is not None or not trace.train_loss:
        return None
    return trace.train_loss[-1]


def diverged(trace: Trace) -> bool:
    return trace.diverged_at is not None


def smallest_diverging(evidence: Sweep, index: int, _: str | None) -> str:
    """The first rate of the grid whose run of this seed blew up, or NONE."""
    seed = evidence.seeds[index]
    for variant in evidence.variants:
        if any(trace.run.seed == seed and diverged(trace) for trace in evidence.of(variant)):
            return variant
    return NONE


def measured_critical(evidence: Sweep, index: int, _: str | None) -> float | None:
    return evidence.critical[index]


def theory_rate(evidence: Sweep, _: str | None) -> float | None:
    return evidence.theory


def measured_to_theory(evidence: Sweep, index: int, _: str | None) -> float | None:
    measured = evidence.critical[index]
    return None if measured is None or evidence.theory is None else measured / evidence.theory


def experiment(params: Params, ctx: Context) -> Sweep:
    from dataclasses import replace

    from sims import problems

    base, theory = problems.for_params(params, "grid", params.epochs)
    batch = params.batch_size or base.train.size
    rates = params.rates
    variants = variants_of(params)
    ctx.plan(grid=1.0, refine=float(REFINE_ROUNDS))
    grid = ctx.train(replace(base, runs=[Run(label(r), s, r, batch) for r in rates for s in ctx.seeds]))
    groups = t.by_variant(grid.traces)

    # Bracket the edge for every seed, then narrow it with finer grids.
    brackets: dict[int, tuple[float, float]] = {}
    for seed in ctx.seeds:
        stable = [tr.run.lr for v in variants for tr in groups[v] if tr.run.seed == seed and tr.diverged_at is None]
        unstable = [
            tr.run.lr for v in variants for tr in groups[v] if tr.run.seed == seed and tr.diverged_at is not None
        ]
        above = [r for r in unstable if r > max(stable, default=0.0)]
        if stable and above:
            brackets[seed] = (max(stable), min(above))
    for _ in range(REFINE_ROUNDS):
        if not brackets:
            break
        runs = [
            Run("refine", seed, lr, batch)
            for seed, (low, high) in brackets.items()
            for lr in log_grid(low, high, REFINE_RATES + 2)[1:-1]
        ]
        refined = ctx.train(replace(base, stage="refine", runs=runs, val=None))
        for seed in brackets:
            low, high = brackets[seed]
            mine = [tr for tr in refined.traces if tr.run.seed == seed]
            low = max([low] + [tr.run.lr for tr in mine if tr.diverged_at is None])
            high = min([high] + [tr.run.lr for tr in mine if tr.diverged_at is not None and tr.run.lr > low])
            brackets[seed] = (low, high)

    notes = [f"{params.problem}, batch size {batch} of {base.train.size}, {params.epochs} epochs."]
    if has_theory(params) and theory is not None:
        notes.append(f"theory: gradient descent diverges above 2 / lambda_max = {theory:.4g}.")
    if not brackets:
        notes.append("the grid did not straddle the critical rate: widen lr_min..lr_max to measure it.")

    rows = t.metric_rows(
        grid.traces,
        {
            "lr": lambda tr: tr.run.lr,
            "final_train_loss": final,
            "min_train_loss": lambda tr: min(tr.train_loss) if tr.train_loss else None,
            "final_val_accuracy": lambda tr: t.last(tr.val_acc),
        },
    )
    return Sweep(
        seeds=ctx.seeds,
        variants=variants,
        traces=grid.traces,
        critical=[math.sqrt(brackets[s][0] * brackets[s][1]) if s in brackets else None for s in ctx.seeds],
        theory=theory,
        series=t.curves(grid.traces, ("update_loss", "train_loss", "val_loss")),
        metrics=rows,
        notes=notes,
    )


OBSERVABLES = Table(
    variants_of,
    PerRun(
        name="diverges",
        kind="bool",
        description="Whether training at this rate blew up.",
        read=diverged,
    ),
    PerSeed(
        name="smallest_diverging_rate",
        kind="choice",
        description="The smallest rate on the grid that diverged ('none' if none did).",
        choices=lambda params: [*variants_of(params), NONE],
        read=smallest_diverging,
    ),
    Pick(
        name="best_rate",
        description="The rate on the grid with the lowest final training loss among those that did not diverge.",
        score=final,
    ),
    PerRun(
        name="final_loss",
        kind="number",
        description="Training loss after the last epoch.",
        read=final,
    ),
    PerSeed(
        name="critical_rate_measured",
        kind="number",
        description="The rate where training turns from converging to diverging, located by finer grids.",
        unit="learning rate",
        read=measured_critical,
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
        name="measured_to_theory_ratio",
        when=has_theory,
        kind="number",
        description="Measured critical rate divided by the theoretical one (1 means exact agreement).",
        read=measured_to_theory,
    ),
)

SIM = Simulation(
    name=NAME,
    title="Learning rate sweep",
    summary="Rates on a log grid: which converge, which diverge, the best, and the measured vs exact critical rate.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
