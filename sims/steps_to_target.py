"""Steps to reach a target loss, per batch size, each with its own tuned learning rate.

Least squares trained with SGD: for every batch size the learning rate is picked from a
small grid (fractions of the exact stability limit 2 / lambda_max) as the one reaching
the target in the fewest updates. Doubling a small batch roughly halves the updates
needed (the gradient noise halves, so a larger rate is usable); past some batch size
the rate is capped by the curvature and more samples per update no longer save updates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims.observe import PerSeed, Table
from sims.result import MetricRow, Series
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase, label, require_batch_fits
from sims.targets import RATE_FRACTIONS, Target, Tuned, best_lr, speedup, steps

if TYPE_CHECKING:
    from sims.context import Context

NAME = "steps_to_target"


class Params(ParamsBase):
    batch_sizes: list[Annotated[int, Field(ge=1)]] = Field(
        default=[1, 4, 16, 64, 256], min_length=3, max_length=10, description="Batch sizes, smallest first."
    )
    n_samples: int = Field(256, ge=16, le=20_000, description="Training samples.")
    features: int = Field(16, ge=1, le=256, description="Input features.")
    condition: float = Field(100.0, ge=1, le=1e6, description="Spread of the feature scales.")
    target_fraction: float = Field(
        0.005, gt=0, lt=1, description="Target: this fraction of the starting excess loss over the best possible."
    )
    max_updates: int = Field(800, ge=10, le=20_000, description="Update budget per run.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if sorted(set(self.batch_sizes)) != self.batch_sizes:
            raise ValueError(f"batch_sizes must be distinct and increasing; got {self.batch_sizes}")
        require_batch_fits("batch size", self.batch_sizes[-1], self.n_samples, of="the dataset")
        return self


def variants_of(params: Params) -> list[str]:
    return [label(b) for b in params.batch_sizes]


def returns_diminish(evidence: Tuned, seed_index: int, _: str | None) -> bool | None:
    """Near-perfect scaling at the small end and less than half of it at the large end.

    Both ends, not the batch size where the saving first drops below half: that knee falls
    between two grid points, and which one it lands on changes with the seed.
    """
    batches, variants = evidence.batch_sizes, evidence.variants
    small = speedup(evidence, seed_index, variants[0], variants[1])
    large = speedup(evidence, seed_index, variants[-2], variants[-1])
    if small is None or large is None:
        return None
    return small >= 0.5 * batches[1] / batches[0] and large < 0.5 * batches[-1] / batches[-2]


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="steps_to_target",
        kind="number",
        description="Fewest updates to reach the target loss over the learning-rate grid.",
        unit="updates",
        variants=variants_of,
        read=steps,
    ),
    PerSeed(
        name="best_lr",
        kind="number",
        description="The learning rate on the grid that reached the target first.",
        unit="learning rate",
        variants=variants_of,
        read=best_lr,
    ),
    PerSeed(
        name="small_batch_speedup",
        kind="number",
        description="Steps at the smallest batch size divided by steps at the next one.",
        read=lambda evidence, i, _: speedup(evidence, i, evidence.variants[0], evidence.variants[1]),
    ),
    PerSeed(
        name="large_batch_speedup",
        kind="number",
        description="Steps at the second-largest batch size divided by steps at the largest.",
        read=lambda evidence, i, _: speedup(evidence, i, evidence.variants[-2], evidence.variants[-1]),
    ),
    PerSeed(
        name="returns_diminish",
        kind="bool",
        description="Whether growing the smallest batch to the next saves at least half the updates perfect "
        "scaling would, while growing the second-largest to the largest saves less than half: perfect "
        "scaling first, diminishing returns later.",
        read=returns_diminish,
    ),
)


def experiment(params: Params, ctx: Context) -> Tuned:
    """For each batch size, every rate of the grid with every seed, the training-set loss after each update."""
    from sims import data, problems

    problem = data.least_squares(params.n_samples, params.features, condition=params.condition, noise=0.1, seed=0)
    rates = [f * problem.critical_rate for f in RATE_FRACTIONS]
    ctx.plan(**{f"batch {b}": 1.0 for b in params.batch_sizes})
    traces: list[Trace] = []
    for job in problems.rate_grid(problem, params.batch_sizes, ctx.seeds, params.max_updates):
        traces += ctx.train(job).traces
    evidence = Tuned(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=traces,
        batch_sizes=params.batch_sizes,
        max_updates=params.max_updates,
        target=Target(problem.min_loss, excess_fraction=params.target_fraction),
        diverged=[],  # a rate too large for a batch size is part of the grid, not a failed run
        notes=[
            f"least squares, {params.n_samples} samples x {params.features} features; target: "
            f"{params.target_fraction:.0%} of the starting excess loss over the exact optimum "
            f"{problem.min_loss:.4g}; rates tried: {', '.join(f'{r:.3g}' for r in rates)} "
            f"(fractions of 2 / lambda_max = {problem.critical_rate:.4g}); budget {params.max_updates} updates."
        ],
    )
    seeds = range(len(ctx.seeds))
    for v in evidence.variants:
        found = [x for i in seeds if (x := steps(evidence, i, v)) is not None]
        lrs = [x for i in seeds if (x := best_lr(evidence, i, v)) is not None]
        evidence.metrics.append(
            MetricRow(
                variant=v,
                values={
                    "steps_to_target": sum(found) / len(found) if found else None,
                    "best_lr": sum(lrs) / len(lrs) if lrs else None,
                    "seeds_reaching_target": float(len(found)),
                },
            )
        )
    evidence.series = []
    for i, seed in enumerate(ctx.seeds):
        reaching = [
            (b, x)
            for b, v in zip(params.batch_sizes, evidence.variants, strict=True)
            if (x := steps(evidence, i, v)) is not None
        ]
        evidence.series.append(
            Series(
                metric="steps_to_target",
                variant="all",
                seed=seed,
                x_label="batch_size",
                x=[float(b) for b, _ in reaching],
                y=[x for _, x in reaching],
            )
        )
    return evidence


SIM = Simulation(
    name=NAME,
    title="Steps to target vs batch size",
    summary="Updates to reach a target loss per batch size, rate tuned: perfect scaling, then a plateau.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
