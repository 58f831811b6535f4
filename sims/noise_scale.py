"""The gradient noise scale, measured, beside the batch size where steps to a target stop halving.

McCandlish et al. (2018) predict the critical batch size from one measurement: B_simple =
tr(Sigma) / |G|^2, the per-example gradient variance over the squared mean gradient. A
batch of B samples has gradient noise tr(Sigma) / B, so below B_simple a bigger batch
mostly removes noise (each doubling nearly halves the updates needed) and above it the
gradient is already accurate (more samples per update buy little).

Least squares with label noise: for every batch size the rate is tuned on a grid (as in
steps_to_target) and the updates to a target loss just above the noise floor are counted.
Separately, a full-batch run is stopped at checkpoints, and B_simple is computed there
from exact per-example gradients (torch.func). Near the floor the mean gradient shrinks
while the per-example spread does not, so the noise scale grows as the loss falls.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims.observe import PerSeed, Table
from sims.result import MetricRow, Series
from sims.simulation import Simulation
from sims.spec import ParamsBase, label, require_batch_fits
from sims.targets import NONE, RATE_FRACTIONS, Target, Tuned, best_lr, diminishing_returns_from, fitted, steps

if TYPE_CHECKING:
    from sims.blocks import StackedNet
    from sims.context import Context
    from sims.data import LeastSquares
    from sims.runs import Trace

NAME = "noise_scale"
LEVELS = ["start", "midway", "target"]
#: How far (either way) the noise scale may sit from the knee and still count as predicting it.
FACTOR = 3.0
#: Standard deviation of the label noise, which sets the loss floor.
LABEL_NOISE = 0.3
#: Checkpoints of the full-batch run: after every epoch at first, then 25% more epochs each time.
CHECKPOINT_GROWTH = 1.25
#: The full-batch run stops here if its loss has not yet fallen well past the target.
MAX_PROBE_EPOCHS = 5000


class Params(ParamsBase):
    batch_sizes: list[Annotated[int, Field(ge=1)]] = Field(
        default=[1, 4, 16, 64, 256], min_length=3, max_length=8, description="Batch sizes, smallest first."
    )
    n_samples: int = Field(512, ge=16, le=8192, description="Training samples.")
    features: int = Field(16, ge=1, le=128, description="Input features.")
    condition: float = Field(
        2.0,
        ge=1,
        le=1e4,
        description="Spread of the curvatures: largest over smallest Hessian eigenvalue (exact: the inputs are "
        "whitened, then scaled). B_simple treats the curvature as even: it predicts the knee for small values and "
        "overestimates it for large ones.",
    )
    target_excess: float = Field(
        0.3, ge=0.02, le=10, description="Target: the best possible loss (the noise floor) times 1 + this."
    )
    max_updates: int = Field(400, ge=10, le=20_000, description="Update budget per run of the rate grid.")
    probe_rate: float = Field(
        0.25,
        gt=0,
        lt=1,
        description="Rate of the full-batch run the noise scale is measured on, times 2/lambda_max.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if sorted(set(self.batch_sizes)) != self.batch_sizes:
            raise ValueError(f"batch_sizes must be distinct and increasing; got {self.batch_sizes}")
        require_batch_fits("batch size", self.batch_sizes[-1], self.n_samples, of="the dataset")
        return self


def variants_of(params: Params) -> list[str]:
    return [label(b) for b in params.batch_sizes]


@dataclass(frozen=True)
class Point:
    """One checkpoint of the full-batch run: where it was and what the gradients looked like there."""

    update: int
    loss: float  # on the whole training set
    trace_sigma: float  # tr(Sigma): the summed variance of one sample's gradient
    gradient_sq: float  # |G|^2: the squared mean gradient

    @property
    def simple(self) -> float:
        return self.trace_sigma / self.gradient_sq if self.gradient_sq > 0 else math.inf


@dataclass(kw_only=True)
class Measured(Tuned):
    """The rate grid's runs, and per seed the checkpoints of the full-batch run."""

    probe: list[list[Point]] = field(default_factory=list)  # per seed index, in order of training


def excess(evidence: Measured, loss: float) -> float:
    return loss - evidence.min_loss


def level_excess(evidence: Measured, seed_index: int, level: str) -> float:
    """The excess loss over the floor that defines a level of the full-batch run."""
    start = excess(evidence, evidence.probe[seed_index][0].loss)
    goal = evidence.target.loss(start) - evidence.min_loss
    return {"start": start, "midway": math.sqrt(start * goal), "target": goal}[level]


def noise_at(evidence: Measured, seed_index: int, level: str | None) -> float | None:
    """B_simple where the full-batch run's excess loss passes the level, interpolated on log scales."""
    points = evidence.probe[seed_index]
    aim = level_excess(evidence, seed_index, str(level))
    if level == "start":
        return points[0].simple
    for a, b in itertools.pairwise(points):
        high, low = excess(evidence, a.loss), excess(evidence, b.loss)
        if high >= aim >= low > 0:
            w = math.log(high / aim) / math.log(high / low) if high > low else 0.0
            return math.exp((1 - w) * math.log(a.simple) + w * math.log(b.simple))
    return None


def growth(evidence: Measured, seed_index: int, _: str | None) -> float | None:
    first, last = noise_at(evidence, seed_index, "start"), noise_at(evidence, seed_index, "target")
    return None if first is None or last is None else last / first


def grows(evidence: Measured, seed_index: int, _: str | None) -> bool | None:
    """Rising from level to level, and at least doubled by the target."""
    values = [noise_at(evidence, seed_index, level) for level in LEVELS]
    if any(v is None for v in values):
        return None
    start, midway, target = (float(v or 0.0) for v in values)
    return start < midway < target and target >= 2 * start


def knee_label(evidence: Measured, seed_index: int, _: str | None = None) -> str | None:
    """The first batch where returns diminish; None when that batch never reached the target (budget ran out)."""
    found = diminishing_returns_from(evidence, seed_index, None)
    if found != NONE and steps(evidence, seed_index, found) is None:
        return None
    return found


def knee(evidence: Measured, seed_index: int) -> float | None:
    """The knee batch size of one seed; None when there is none on the grid or it is undecided."""
    found = knee_label(evidence, seed_index)
    return None if found in (None, NONE) else float(str(found))


def knee_ratio(evidence: Measured, seed_index: int, _: str | None) -> float | None:
    noise, at = noise_at(evidence, seed_index, "target"), knee(evidence, seed_index)
    return None if noise is None or at is None else noise / at


def predicts(evidence: Measured, seed_index: int, _: str | None) -> bool | None:
    """Within FACTOR of the knee; with no knee on the grid, at least the largest batch / FACTOR."""
    noise, found = noise_at(evidence, seed_index, "target"), knee_label(evidence, seed_index)
    if noise is None or found is None:
        return None
    if found == NONE:
        return noise >= evidence.batch_sizes[-1] / FACTOR
    return 1 / FACTOR <= noise / float(found) <= FACTOR


def critical(evidence: Measured, seed_index: int, _: str | None) -> float | None:
    fit = fitted(evidence, seed_index)
    return None if fit is None else fit[0]


def critical_ratio(evidence: Measured, seed_index: int, _: str | None) -> float | None:
    noise, b_crit = noise_at(evidence, seed_index, "target"), critical(evidence, seed_index, None)
    return None if noise is None or b_crit is None else noise / b_crit


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="noise_scale",
        kind="number",
        description="B_simple = tr(Sigma) / |G|^2 from exact per-example gradients, on the full-batch run at its "
        "start, where the loss is midway (geometrically) to the target, and at the target.",
        unit="samples",
        variants=LEVELS,
        read=noise_at,
    ),
    PerSeed(
        name="noise_scale_growth",
        kind="number",
        description="The noise scale at the target divided by the one at the start.",
        read=growth,
    ),
    PerSeed(
        name="grows_as_loss_falls",
        kind="bool",
        description="Whether the noise scale rises from start to midway to target and at least doubles: near the "
        "noise floor the mean gradient shrinks while the spread of per-example gradients does not.",
        read=grows,
    ),
    PerSeed(
        name="steps_to_target",
        kind="number",
        description="Fewest updates to the target over the learning-rate grid (fractional: where the loss crossed it).",
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
        name="knee_batch",
        kind="choice",
        description="The first batch size where growing to the next saves less than half the updates perfect "
        "scaling would ('none' if scaling stays near perfect). Undecided when "
        "that batch size never reached the target within the update budget.",
        choices=lambda params: [*variants_of(params)[:-1], NONE],
        read=knee_label,
    ),
    PerSeed(
        name="critical_batch",
        kind="number",
        description="B_crit of S = S_min (1 + B_crit / B) fitted to the steps per batch size: the batch size "
        "that takes twice the fewest possible updates.",
        unit="samples",
        read=critical,
    ),
    PerSeed(
        name="noise_to_knee_ratio",
        kind="number",
        description="The noise scale at the target divided by the knee batch size.",
        read=knee_ratio,
    ),
    PerSeed(
        name="noise_to_critical_ratio",
        kind="number",
        description="The noise scale at the target divided by the fitted critical batch size.",
        read=critical_ratio,
    ),
    PerSeed(
        name="predicts_knee",
        kind="bool",
        description=f"Whether the noise scale at the target lies within a factor {FACTOR:g} of the knee batch size "
        "(with no knee on the grid: at least a third of the largest batch). It depends on the spread of "
        "curvatures: full-batch training leaves the loss in the flattest directions, where the gradient is "
        "small and B_simple large, while the usable rate, and so the knee, is set by the sharpest one. It holds "
        "at a condition of 2 to 3; from about 5 it overestimates the knee (at 30, by 20 to 30 times the fitted "
        "critical batch). At condition 1 full-batch steps reach the target almost at once and the grid shows no knee.",
        read=predicts,
    ),
)


def experiment(params: Params, ctx: Context) -> Measured:
    """The rate grid per batch size, then the full-batch run checkpoint by checkpoint."""
    from sims import data

    problem = data.whitened_least_squares(
        params.n_samples, params.features, condition=params.condition, noise=LABEL_NOISE, seed=0
    )
    ctx.plan(
        **{f"batch {b}": 1.0 for b in params.batch_sizes},
        checkpoints=0.5,
    )
    evidence = Measured(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=_grid(params, ctx, problem),
        batch_sizes=params.batch_sizes,
        max_updates=params.max_updates,
        target=Target(problem.min_loss, above_floor=params.target_excess, interpolate=True),
        diverged=[],  # a rate too large for a batch size is part of the grid, not a failed run
    )
    evidence.probe = _probe(params, ctx, problem, evidence)
    evidence.notes = [
        f"least squares, {params.n_samples} samples x {params.features} features, label noise "
        f"{LABEL_NOISE:g}; floor (best possible loss) {problem.min_loss:.4g}, target {evidence.target.loss(0):.4g}; "
        f"rates tried: fractions {', '.join(f'{f:g}' for f in RATE_FRACTIONS)} of 2 / lambda_max = "
        f"{problem.critical_rate:.4g}; budget {params.max_updates} updates. Noise scale: full batch at "
        f"{params.probe_rate:g} x 2 / lambda_max, per-example gradients over all {params.n_samples} samples."
    ]
    evidence.metrics = _metrics(evidence)
    evidence.series = _series(params, evidence)
    return evidence


def _grid(params: Params, ctx: Context, problem: LeastSquares) -> list[Trace]:
    """Every rate of the grid with every seed, per batch size, the training-set loss after each update."""
    from sims import problems

    jobs = problems.rate_grid(problem, params.batch_sizes, ctx.seeds, params.max_updates)
    return [trace for job in jobs for trace in ctx.train(job).traces]


def _probe(params: Params, ctx: Context, problem: LeastSquares, evidence: Measured) -> list[list[Point]]:
    """Full-batch gradient descent, stopped at checkpoints until every seed is well past the target.

    Each stop is a phase trained on from the last (the same run, split up); B_simple is
    computed on each seed's weights there, and at the start on the initial weights.
    """
    from dataclasses import replace

    from sims.blocks import StackedNet
    from sims.callbacks import Evaluate
    from sims.jobs import Job, Order
    from sims.models import MLP
    from sims.runs import Run

    model = MLP((params.features, 1))
    rate = params.probe_rate * problem.critical_rate
    job = Job(
        stage="checkpoints",
        model=model,
        loss="half_mse",
        train=problem.data,
        runs=[Run("full batch", seed, rate, params.n_samples) for seed in ctx.seeds],
        epochs=1,
        record=(Evaluate(),),
    )
    stop_below = evidence.min_loss * (1 + params.target_excess / 4)
    net, done = StackedNet.build(model, ctx.seeds, ctx.device), 0
    probe: list[list[Point]] = [[] for _ in ctx.seeds]
    while done < MAX_PROBE_EPOCHS:
        phase = max(1, round(done * (CHECKPOINT_GROWTH - 1)))
        outcome = ctx.train(replace(job, epochs=phase, start=net, order=Order(first_epoch=done)))
        if done == 0:
            _measure(probe, net, [trace.train_loss[0] for trace in outcome.traces], 0, problem, ctx)
        net, done = outcome.model, done + phase
        losses = [trace.train_loss[-1] for trace in outcome.traces]
        _measure(probe, net, losses, done, problem, ctx)
        if max(losses) < stop_below:
            break
    return probe


def _measure(
    probe: list[list[Point]], net: StackedNet, losses: list[float], update: int, problem: LeastSquares, ctx: Context
) -> None:
    from sims import curvature

    for r, loss in enumerate(losses):
        ctx.tracker.check_cancel()
        noise = curvature.noise_of_run(net, r, problem.data, "half_mse")
        probe[r].append(Point(update, loss, noise.trace_sigma, noise.gradient_sq))


def _metrics(evidence: Measured) -> list[MetricRow]:
    """Per batch size the mean steps and best rate over the seeds that reached the target; per level the noise scale."""
    seeds = range(len(evidence.seeds))
    rows = []
    for v in evidence.variants:
        found = [x for i in seeds if (x := steps(evidence, i, v)) is not None]
        lrs = [x for i in seeds if (x := best_lr(evidence, i, v)) is not None]
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
    for level in LEVELS:
        values = [x for i in seeds if (x := noise_at(evidence, i, level)) is not None]
        mean = math.exp(sum(map(math.log, values)) / len(values)) if values else None
        rows.append(MetricRow(variant=f"noise scale at {level}", values={"noise_scale": mean}))
    return rows


def _series(params: Params, evidence: Measured) -> list[Series]:
    """Steps against batch size per seed, and the full-batch run's noise scale and loss against updates."""
    out = []
    for i, seed in enumerate(evidence.seeds):
        reaching = [
            (b, x)
            for b, v in zip(params.batch_sizes, evidence.variants, strict=True)
            if (x := steps(evidence, i, v)) is not None
        ]
        out.append(
            Series(
                metric="steps_to_target",
                variant="all",
                seed=seed,
                x_label="batch_size",
                x=[float(b) for b, _ in reaching],
                y=[x for _, x in reaching],
            )
        )
        points = evidence.probe[i]
        for metric, ys in (("noise_scale", [p.simple for p in points]), ("train_loss", [p.loss for p in points])):
            out.append(
                Series(
                    metric=metric,
                    variant="full batch",
                    seed=seed,
                    x_label="update",
                    x=[float(p.update) for p in points],
                    y=ys,
                )
            )
    return out


SIM = Simulation(
    name=NAME,
    title="Gradient noise scale and the critical batch size",
    summary="B_simple from per-example gradients as the loss falls, against where steps to a target stop halving.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
