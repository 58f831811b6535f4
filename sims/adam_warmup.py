"""Warmup with Adam: a linear ramp widens the range of peak learning rates that train well.

Adam normalises every step: its first update moves each weight by about the learning rate
(times the sign of the gradient), however small the gradient, and for the next few updates
the second-moment estimate rests on a handful of gradients (Liu et al. 2020, "On the
Variance of the Adaptive Learning Rate and Beyond"). At a high peak rate those first,
full-size steps knock a fresh network into a region it does not recover from; a linear
warmup keeps them small while the network moves somewhere that tolerates the peak rate
(Kalra and Barkeshli 2024, "Why warmup the learning rate?"; Kosson et al. 2024). At a small
peak rate there is nothing to protect, and the ramp only costs a few updates.

A small ConvNet on the 8x8 digits trains with Adam and a cosine decay at every rate of a
grid, once from the full rate and once after a linear warmup over the first part of the
updates, all else equal. A run "trains well" when its final validation accuracy is within
`margin` of the best run of its seed; the range of good peak rates is read off the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase, label

if TYPE_CHECKING:
    from sims.context import Context

NAME = "adam_warmup"
TRAIN_SIZE = digits_train_size()
SCHEDULES = ("no warmup", "warmup")


class Params(ParamsBase):
    rates: list[Annotated[float, Field(gt=0, le=10)]] = Field(
        default=[0.01, 0.03, 0.1, 0.3],
        min_length=2,
        max_length=8,
        description="Adam's peak learning rates, increasing: every rate trains with and without warmup.",
    )
    warmup_fraction: float = Field(
        0.2, gt=0, le=0.5, description="Share of the run's updates over which the warmup ramps the rate up linearly."
    )
    epochs: int = Field(5, ge=1, le=100, description="Epochs for every run (a cosine decay spans them).")
    batch_size: int = Field(32, ge=1, le=TRAIN_SIZE, description="Batch size of every run.")
    channels: int = Field(
        8, ge=1, le=64, description="Channels of the ConvNet's first convolution (the second has twice as many)."
    )
    train_size: int = Field(720, ge=64, le=TRAIN_SIZE, description="Training images used.")
    margin: float = Field(
        0.1,
        gt=0,
        lt=1,
        description="A run trains well when its final validation accuracy is within this of its seed's best run.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if sorted(set(self.rates)) != self.rates:
            raise ValueError(f"rates must be distinct and increasing; got {self.rates}")
        if self.batch_size > self.train_size:
            raise ValueError(f"batch_size {self.batch_size} is larger than train_size ({self.train_size})")
        return self


def variant(rate: float, schedule: str) -> str:
    return f"lr {label(rate)} {schedule}"


def variants_of(params: Params) -> list[str]:
    return [variant(rate, schedule) for rate in params.rates for schedule in SCHEDULES]


def updates_of(params: Params) -> int:
    return params.epochs * math.ceil(params.train_size / params.batch_size)


def warmup_updates(params: Params) -> int:
    """The ramp's length in updates: at least one, so the first step is never at the full rate."""
    return max(1, round(params.warmup_fraction * updates_of(params)))


def accuracy(trace: Trace) -> float | None:
    """Final validation accuracy; none for a run that diverged."""
    return None if trace.diverged_at is not None else t.last(trace.val_acc)


def score(trace: Trace | None) -> float | None:
    """Final validation accuracy for judging the grid: a run that diverged scores zero, so it never trains well."""
    if trace is None:
        return None
    return 0.0 if trace.diverged_at is not None else t.last(trace.val_acc)


def final_loss(trace: Trace) -> float | None:
    return None if trace.diverged_at is not None else t.last(trace.val_loss)


@dataclass(kw_only=True)
class Grid(Evidence):
    """The traces, and the params that say which rates and margin to read them with."""

    params: Params


def scores(evidence: Grid, seed_index: int) -> dict[str, float] | None:
    """Every variant's final validation accuracy for one seed; None if any run is missing."""
    seed = evidence.seeds[seed_index]
    found = {name: score(evidence.run(name, seed)) for name in evidence.variants}
    if any(value is None for value in found.values()):
        return None
    return {name: float(value) for name, value in found.items() if value is not None}


def good_rates(evidence: Grid, seed_index: int, schedule: str) -> list[float] | None:
    """The peak rates at which this schedule ends within the margin of the seed's best run."""
    found = scores(evidence, seed_index)
    if found is None:
        return None
    best = max(found.values())
    params = evidence.params
    return [r for r in params.rates if found[variant(r, schedule)] >= best - params.margin]


def largest_good_rate(evidence: Grid, seed_index: int, schedule: str | None) -> str | None:
    good = good_rates(evidence, seed_index, str(schedule))
    return label(max(good)) if good else None


def trains_well(evidence: Grid, seed_index: int, name: str | None) -> bool | None:
    """Whether this variant's run ends within the margin of its seed's best run."""
    found = scores(evidence, seed_index)
    if found is None:
        return None
    return found[str(name)] >= max(found.values()) - evidence.params.margin


def widens(evidence: Grid, seed_index: int, _: str | None) -> bool | None:
    """Whether the warmup trains well at a higher peak rate than the runs without it."""
    plain = good_rates(evidence, seed_index, "no warmup")
    ramped = good_rates(evidence, seed_index, "warmup")
    if plain is None or ramped is None:
        return None
    return max(ramped, default=0.0) > max(plain, default=0.0)


def gap_at(evidence: Grid, seed_index: int, rate: float) -> float | None:
    """Final accuracy with warmup minus without, at one peak rate."""
    found = scores(evidence, seed_index)
    if found is None:
        return None
    return found[variant(rate, "warmup")] - found[variant(rate, "no warmup")]


def smallest_rate_same(evidence: Grid, seed_index: int, _: str | None) -> bool | None:
    """Whether, at the smallest peak rate, the two schedules end within the margin of each other."""
    gap = gap_at(evidence, seed_index, evidence.params.rates[0])
    return None if gap is None else abs(gap) <= evidence.params.margin


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="warmup_widens_range",
        kind="bool",
        description="Whether the largest peak rate that trains well (final validation accuracy within the margin "
        "of the seed's best run) is higher with the warmup than without it.",
        read=widens,
    ),
    PerSeed(
        name="largest_good_rate",
        kind="choice",
        description="The largest peak rate of the grid at which this schedule trains well: final validation "
        "accuracy within the margin of the seed's best run.",
        choices=lambda params: [label(rate) for rate in params.rates],
        variants=list(SCHEDULES),
        read=largest_good_rate,
    ),
    PerSeed(
        name="trains_well",
        kind="bool",
        description="Whether this run ends within the margin of its seed's best run in validation accuracy "
        "(a run that diverged does not).",
        variants=variants_of,
        read=trains_well,
    ),
    PerSeed(
        name="same_at_smallest_rate",
        kind="bool",
        description="Whether, at the smallest peak rate of the grid, the runs with and without warmup end within "
        "the margin of each other in validation accuracy.",
        read=smallest_rate_same,
    ),
    PerSeed(
        name="warmup_accuracy_gain",
        kind="number",
        description="Final validation accuracy with the warmup minus without it, at each peak rate.",
        variants=lambda params: [label(rate) for rate in params.rates],
        read=lambda evidence, i, rate: gap_at(evidence, i, float(str(rate))),
    ),
    PerRun(
        name="final_val_accuracy", kind="number", description="Validation accuracy after the last epoch.", read=accuracy
    ),
    PerRun(name="final_val_loss", kind="number", description="Validation loss after the last epoch.", read=final_loss),
)


def experiment(params: Params, ctx: Context) -> Evidence:
    """One stacked job: every peak rate, with and without warmup, every seed; Adam with a cosine decay."""
    from sims import data
    from sims.callbacks import Divergence, Evaluate
    from sims.dataset import Dataset
    from sims.datasizes import DIGITS_VAL_FRACTION
    from sims.jobs import Job
    from sims.models import ConvNet
    from sims.runs import Optimizer, Run, Schedule

    split = data.digits(DIGITS_VAL_FRACTION)
    train = Dataset(split.train.x[:, : params.train_size], split.train.y[:, : params.train_size])
    ramp = warmup_updates(params)
    schedules = {"no warmup": Schedule("cosine"), "warmup": Schedule("cosine", warmup=ramp)}
    runs = [
        Run(variant(rate, name), seed, rate, params.batch_size, schedule=schedules[name])
        for rate in params.rates
        for name in SCHEDULES
        for seed in ctx.seeds
    ]
    job = Job(
        stage="train",
        model=ConvNet(channels=(params.channels, 2 * params.channels)),
        loss="cross_entropy",
        train=train,
        val=split.val,
        runs=runs,
        epochs=params.epochs,
        optimizer=Optimizer("adam"),
        record=(Divergence(), Evaluate(train=False)),
    )
    ctx.plan(train=1.0)
    traces = ctx.train(job).traces
    return Grid(
        params=params,
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=traces,
        series=t.curves(traces, ("val_loss", "val_acc")),
        metrics=t.metric_rows(
            traces,
            {"lr": lambda trace: trace.run.lr, "final_val_accuracy": accuracy, "final_val_loss": final_loss},
        ),
        notes=[
            f"ConvNet ({params.channels}, {2 * params.channels} channels) on {params.train_size} digits images; "
            f"Adam (betas 0.9, 0.999), batch {params.batch_size}, {params.epochs} epochs ({updates_of(params)} "
            f"updates) with a cosine decay; warmup: linear over the first {ramp} updates."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Warmup with Adam: the range of peak rates",
    summary="Adam at a grid of peak rates, with and without a linear warmup: which peak rates still train well.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
