"""Learning rates on a log grid, and the rate at which training stops converging.

On least squares the answer is known exactly: full-batch gradient descent on
0.5 * mean((Xw + b - y)^2) converges if and only if lr < 2 / lambda_max, where lambda_max
is the largest eigenvalue of the Hessian X^T X / n. The sweep finds the edge by
experiment (a grid, then two rounds of finer grids inside the bracket) and reports it
beside the theory. The digits MLP shows the same picture without a closed form.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.problem_params import ProblemParams
from sims.result import ObservableSpec, consensus, measured_once
from sims.spec import Simulation, label, log_grid, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

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


def has_theory(params: Params) -> bool:
    return params.problem == "least_squares" and params.batch_size in (None, params.n_samples)


def observables(params: Params) -> list[ObservableSpec]:
    variants = [label(r) for r in params.rates]
    specs = [
        ObservableSpec(
            name="diverges", description="Whether training at this rate blew up.", kind="bool", variants=variants
        ),
        ObservableSpec(
            name="smallest_diverging_rate",
            description="The smallest rate on the grid that diverged ('none' if none did).",
            kind="choice",
            choices=[*variants, NONE],
        ),
        ObservableSpec(
            name="best_rate",
            description="The rate on the grid with the lowest final training loss among those that did not diverge.",
            kind="choice",
            choices=variants,
        ),
        ObservableSpec(
            name="final_loss", description="Training loss after the last epoch.", kind="number", variants=variants
        ),
        ObservableSpec(
            name="critical_rate_measured",
            description="The rate where training turns from converging to diverging, located by finer grids.",
            kind="number",
            unit="learning rate",
        ),
    ]
    if has_theory(params):
        specs += [
            ObservableSpec(
                name="critical_rate_theory",
                description="2 / (largest eigenvalue of the loss Hessian), computed from the data.",
                kind="number",
                unit="learning rate",
            ),
            ObservableSpec(
                name="measured_to_theory_ratio",
                description="Measured critical rate divided by the theoretical one (1 means exact agreement).",
                kind="number",
            ),
        ]
    return specs


def _final(trace: Trace) -> float | None:
    if trace.diverged_at is not None or not trace.train_loss:
        return None
    return trace.train_loss[-1]


def simulate(params: Params, ctx: Context) -> Findings:
    from dataclasses import replace

    from sims import context as c
    from sims import problems
    from sims.runs import Run

    base, theory = problems.for_params(params, "grid", params.epochs)
    batch = params.batch_size or base.train.size
    rates = params.rates
    variants = [label(r) for r in rates]
    ctx.plan(grid=1.0, refine=float(REFINE_ROUNDS))
    grid = ctx.train(replace(base, runs=[Run(label(r), s, r, batch) for r in rates for s in ctx.seeds]))
    groups = c.by_variant(grid.traces)

    # Bracket the edge for every seed, then narrow it with finer grids.
    brackets: dict[int, tuple[float, float]] = {}
    for seed in ctx.seeds:
        stable = [t.run.lr for v in variants for t in groups[v] if t.run.seed == seed and t.diverged_at is None]
        unstable = [t.run.lr for v in variants for t in groups[v] if t.run.seed == seed and t.diverged_at is not None]
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
            mine = [t for t in refined.traces if t.run.seed == seed]
            low = max([low] + [t.run.lr for t in mine if t.diverged_at is None])
            high = min([high] + [t.run.lr for t in mine if t.diverged_at is not None and t.run.lr > low])
            brackets[seed] = (low, high)

    critical = [math.sqrt(brackets[s][0] * brackets[s][1]) if s in brackets else None for s in ctx.seeds]

    def smallest_diverging(seed: int) -> str:
        for variant in variants:
            if any(t.run.seed == seed and t.diverged_at is not None for t in groups[variant]):
                return variant
        return NONE

    values = [
        consensus("smallest_diverging_rate", "choice", [smallest_diverging(s) for s in ctx.seeds]),
        consensus("best_rate", "choice", c.pick_per_seed(ctx.seeds, groups, _final)),
        consensus("critical_rate_measured", "number", critical, unit="learning rate"),
    ]
    for variant in variants:
        values.append(
            consensus(
                "diverges",
                "bool",
                c.per_seed(ctx.seeds, groups[variant], lambda t: t.diverged_at is not None),
                variant=variant,
            )
        )
        values.append(
            consensus("final_loss", "number", c.per_seed(ctx.seeds, groups[variant], _final), variant=variant)
        )
    notes = [f"{params.problem}, batch size {batch} of {base.train.size}, {params.epochs} epochs."]
    if has_theory(params) and theory is not None:
        values.append(measured_once("critical_rate_theory", "number", theory, unit="learning rate"))
        ratios = [None if v is None else v / theory for v in critical]
        values.append(consensus("measured_to_theory_ratio", "number", ratios))
        notes.append(f"theory: gradient descent diverges above 2 / lambda_max = {theory:.4g}.")
    if not brackets:
        notes.append("the grid did not straddle the critical rate: widen lr_min..lr_max to measure it.")

    rows = c.metric_rows(
        grid.traces,
        {
            "lr": lambda t: t.run.lr,
            "final_train_loss": _final,
            "min_train_loss": lambda t: min(t.train_loss) if t.train_loss else None,
            "final_val_accuracy": lambda t: c.last(t.val_acc),
        },
    )
    return c.Findings(
        variants=variants,
        series=c.curves(grid.traces, ("update_loss", "train_loss", "val_loss")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(grid.traces),
        notes=notes,
    )


SIM = Simulation(
    name=NAME,
    title="Learning rate sweep",
    summary="Rates on a log grid: which converge, which diverge, the best, and the measured vs exact critical rate.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
