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

from sims.result import ObservableSpec, consensus
from sims.spec import ParamsBase, Simulation, label, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

NAME = "steps_to_target"
NONE = "none"
#: Learning rates tried per batch size, as fractions of the exact stability limit 2 / lambda_max.
RATE_FRACTIONS = (0.9, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015)


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


def observables(params: Params) -> list[ObservableSpec]:
    variants = [label(b) for b in params.batch_sizes]
    return [
        ObservableSpec(
            name="steps_to_target",
            description="Fewest updates to reach the target loss over the learning-rate grid.",
            kind="number",
            unit="updates",
            variants=variants,
        ),
        ObservableSpec(
            name="best_lr",
            description="The learning rate on the grid that reached the target first.",
            kind="number",
            unit="learning rate",
            variants=variants,
        ),
        ObservableSpec(
            name="small_batch_speedup",
            description="Steps at the smallest batch size divided by steps at the next one.",
            kind="number",
        ),
        ObservableSpec(
            name="large_batch_speedup",
            description="Steps at the second-largest batch size divided by steps at the largest.",
            kind="number",
        ),
        ObservableSpec(
            name="diminishing_returns_from",
            description="The first batch size where growing to the next saves less than half the updates "
            "perfect scaling would ('none' if scaling stays near perfect).",
            kind="choice",
            choices=[*variants[:-1], NONE],
        ),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    import math

    from sims import context as c
    from sims import data
    from sims.engine import Job
    from sims.result import MetricRow, Series
    from sims.runs import Run, batch_sizes

    problem = data.least_squares(params.n_samples, params.features, condition=params.condition, noise=0.1, seed=0)
    rates = [f * problem.critical_rate for f in RATE_FRACTIONS]
    variants = [label(b) for b in params.batch_sizes]
    ctx.plan(**{f"batch {b}": 1.0 for b in params.batch_sizes})
    steps: dict[str, dict[int, tuple[float, float] | None]] = {}  # variant -> seed -> (steps, lr)
    for batch in params.batch_sizes:
        per_epoch = len(batch_sizes(params.n_samples, batch, False))
        job = Job(
            stage=f"batch {batch}",
            sizes=(params.features, 1),
            loss="half_mse",
            train=problem.data,
            runs=[Run(label(batch), seed, lr, batch) for lr in rates for seed in ctx.seeds],
            epochs=math.ceil(params.max_updates / per_epoch),
            full_loss_each_update=True,
        )
        outcome = ctx.train(job)

        def reached(trace: Trace) -> int | None:
            start = trace.train_loss[0]
            target = problem.min_loss + params.target_fraction * (start - problem.min_loss)
            for update, loss in enumerate(trace.full_loss[: params.max_updates], start=1):
                if loss <= target:
                    return update
            return None

        best: dict[int, tuple[float, float] | None] = {}
        for seed in ctx.seeds:
            found = [(n, t.run.lr) for t in outcome.traces if t.run.seed == seed and (n := reached(t)) is not None]
            best[seed] = (float(min(found)[0]), min(found)[1]) if found else None
        steps[label(batch)] = best

    def per_seed(variant: str, index: int) -> list[float | None]:
        return [None if steps[variant][s] is None else steps[variant][s][index] for s in ctx.seeds]  # type: ignore[index]

    def ratio(a: str, b: str) -> list[float | None]:
        return [None if x is None or y is None else x / y for x, y in zip(per_seed(a, 0), per_seed(b, 0), strict=True)]

    def diminishing(seed_index: int) -> str:
        for small, large, b_small, b_large in zip(
            variants, variants[1:], params.batch_sizes, params.batch_sizes[1:], strict=False
        ):
            x, y = per_seed(small, 0)[seed_index], per_seed(large, 0)[seed_index]
            if x is None or y is None or x / y < 0.5 * (b_large / b_small):
                return small
        return NONE

    values = [
        consensus("small_batch_speedup", "number", ratio(variants[0], variants[1])),
        consensus("large_batch_speedup", "number", ratio(variants[-2], variants[-1])),
        consensus("diminishing_returns_from", "choice", [diminishing(i) for i in range(len(ctx.seeds))]),
    ]
    for v in variants:
        values.append(consensus("steps_to_target", "number", per_seed(v, 0), variant=v, unit="updates"))
        values.append(consensus("best_lr", "number", per_seed(v, 1), variant=v, unit="learning rate"))
    rows = []
    for v in variants:
        found = [x for x in per_seed(v, 0) if x is not None]
        lrs = [x for x in per_seed(v, 1) if x is not None]
        rows.append(
            MetricRow(
                variant=v,
                values={
                    "steps_to_target": sum(found) / len(found) if found else None,
                    "best_lr": sum(lrs) / len(lrs) if lrs else None,
                    "seeds_reaching_target": float(len(found)),
                },
            )
        )
    series = [
        Series(
            metric="steps_to_target",
            variant="all",
            seed=seed,
            x_label="batch_size",
            x=[float(b) for b, v in zip(params.batch_sizes, variants, strict=True) if steps[v][seed] is not None],
            y=[steps[v][seed][0] for v in variants if steps[v][seed] is not None],  # type: ignore[index]
        )
        for seed in ctx.seeds
    ]
    return c.Findings(
        variants=variants,
        series=series,
        metrics=rows,
        observables=values,
        notes=[
            f"least squares, {params.n_samples} samples x {params.features} features; target: "
            f"{params.target_fraction:.0%} of the starting excess loss over the exact optimum "
            f"{problem.min_loss:.4g}; rates tried: {', '.join(f'{r:.3g}' for r in rates)} "
            f"(fractions of 2 / lambda_max = {problem.critical_rate:.4g}); budget {params.max_updates} updates."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Steps to target vs batch size",
    summary="Updates to reach a target loss per batch size, rate tuned: perfect scaling, then a plateau.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
