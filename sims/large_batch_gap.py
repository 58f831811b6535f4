"""The large-batch generalization gap, and what closes it.

The digits MLP at a small and a large batch size. Trained for the same epochs at the
same rate the large batch ends far behind on held-out data (Keskar et al. 2017 saw such
a gap). But it also took k times fewer updates. Hoffer et al. (2017) and Shallue et al.
(2018) traced the gap to that: give the large batch as many updates as the small one
(k times the epochs), a rate scaled with the batch and a warmup, and the gap closes.

Four runs per seed: the small batch; the large batch at the same epochs and rate; the
same with the rate scaled and warmed up; and that again trained for as many updates as
the small batch. The sharpness of each end point (the training loss's largest Hessian
eigenvalue, by power iteration) says whether large batches land in sharper minima.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.runs import Trace, batch_sizes
from sims.simulation import Simulation
from sims.spec import ParamsBase, label

if TYPE_CHECKING:
    from sims.context import Context

NAME = "large_batch_gap"
TRAIN_SIZE = digits_train_size()
SETTINGS = ["same epochs", "scaled rate", "matched updates"]
#: The gap counts as closed once the matched-updates gap is below this fraction of the same-epochs gap.
CLOSED = 0.25
#: Runs trained longer than this many epochs would take minutes: refused.
MAX_EPOCHS = 4000


class Params(ParamsBase):
    small_batch: int = Field(16, ge=1, le=TRAIN_SIZE, description="The small batch size.")
    large_batch: int = Field(512, ge=2, le=TRAIN_SIZE, description="The large batch size.")
    lr: float = Field(0.1, gt=0, le=5, description="Learning rate of the small batch (and of the unscaled large run).")
    epochs: int = Field(4, ge=1, le=100, description="Epochs of the small batch and of the same-epochs large runs.")
    hidden: int = Field(64, ge=4, le=512, description="Width of the MLP's hidden layer.")
    train_samples: int = Field(
        1000, ge=100, le=TRAIN_SIZE, description="Training images used (the validation split stays whole)."
    )
    scaling: Literal["sqrt", "linear"] = Field(
        "sqrt",
        description="How the large batch's rate grows with k = large / small: sqrt (Hoffer et al.: the same "
        "update covariance as the small batch) or linear (Goyal et al.: the same expected step per sample).",
    )
    warmup: float = Field(0.1, ge=0, le=1, description="Linear warmup of the scaled runs, a fraction of their updates.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.large_batch <= self.small_batch:
            raise ValueError(f"large_batch ({self.large_batch}) must be larger than small_batch ({self.small_batch})")
        if self.large_batch > self.train_samples:
            raise ValueError(
                f"large_batch {self.large_batch} is larger than train_samples ({self.train_samples}); "
                f"allowed: up to {self.train_samples}"
            )
        if matched_epochs(self) > MAX_EPOCHS:
            raise ValueError(
                f"matching updates needs {matched_epochs(self)} epochs of the large batch (most {MAX_EPOCHS}); "
                "lower epochs or large_batch / small_batch"
            )
        return self

    @property
    def k(self) -> float:
        return self.large_batch / self.small_batch

    @property
    def scaled_lr(self) -> float:
        return self.lr * (math.sqrt(self.k) if self.scaling == "sqrt" else self.k)


def updates_per_epoch(params: Params, batch: int) -> int:
    return len(batch_sizes(params.train_samples, batch, False))


def matched_epochs(params: Params) -> int:
    """Epochs of the large batch that take as many updates as the small batch's epochs."""
    small = params.epochs * updates_per_epoch(params, params.small_batch)
    return max(1, round(small / updates_per_epoch(params, params.large_batch)))


def small(params: Params) -> str:
    return label(params.small_batch)


def large(params: Params, setting: str) -> str:
    """The run of the large batch in one setting: "512", "512 scaled rate", "512 matched updates"."""
    base = label(params.large_batch)
    return base if setting == SETTINGS[0] else f"{base} {setting}"


def variants_of(params: Params) -> list[str]:
    return [small(params), *(large(params, s) for s in SETTINGS)]


@dataclass(kw_only=True)
class Gap(Evidence):
    """The runs, and the sharpness of each run's end point, by (variant, seed)."""

    params: Params
    sharpness: dict[tuple[str, int], float | None] = field(default_factory=dict)


def final(metric: str) -> Callable[[Trace], float | None]:
    def read(trace: Trace) -> float | None:
        return None if trace.diverged_at is not None else t.last(getattr(trace, metric))

    return read


def _pair(evidence: Gap, seed_index: int, setting: str | None) -> tuple[Trace | None, Trace | None]:
    seed = evidence.seeds[seed_index]
    return evidence.run(small(evidence.params), seed), evidence.run(large(evidence.params, str(setting)), seed)


def gap(evidence: Gap, seed_index: int, setting: str | None) -> float | None:
    """Validation accuracy of the small batch minus the large batch's: positive when the large batch is behind."""
    mine, theirs = (final("val_acc")(x) if x else None for x in _pair(evidence, seed_index, setting))
    return None if mine is None or theirs is None else mine - theirs


def loss_gap(evidence: Gap, seed_index: int, setting: str | None) -> float | None:
    """Validation loss of the large batch minus the small batch's."""
    mine, theirs = (final("val_loss")(x) if x else None for x in _pair(evidence, seed_index, setting))
    return None if mine is None or theirs is None else theirs - mine


def closes(evidence: Gap, seed_index: int, _: str | None) -> bool | None:
    before, after = gap(evidence, seed_index, SETTINGS[0]), gap(evidence, seed_index, SETTINGS[-1])
    if before is None or after is None:
        return None
    return before > 0 and after < CLOSED * before


def sharpness_of(evidence: Gap, seed_index: int, variant: str | None) -> float | None:
    return evidence.sharpness.get((str(variant), evidence.seeds[seed_index]))


def sharper(evidence: Gap, seed_index: int, _: str | None) -> str | None:
    """Of the small batch and the large batch with matched updates, the end point with the larger sharpness."""
    pair = [small(evidence.params), large(evidence.params, SETTINGS[-1])]
    values = [sharpness_of(evidence, seed_index, v) for v in pair]
    if any(v is None for v in values):
        return None
    return pair[0] if float(values[0] or 0) >= float(values[1] or 0) else pair[1]


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="gap",
        kind="number",
        description="Final validation accuracy of the small batch minus the large batch's in this setting "
        "(negative: the large batch ends ahead).",
        unit="fraction",
        variants=SETTINGS,
        read=gap,
    ),
    PerSeed(
        name="loss_gap",
        kind="number",
        description="Final validation loss of the large batch minus the small batch's in this setting.",
        variants=SETTINGS,
        read=loss_gap,
    ),
    PerSeed(
        name="gap_closes",
        kind="bool",
        description=f"Whether, with the rate scaled, a warmup and as many updates as the small batch, the "
        f"accuracy gap falls below {CLOSED:.0%} of the gap at the same epochs and rate.",
        read=closes,
    ),
    PerSeed(
        name="sharpness",
        kind="number",
        description="Largest eigenvalue of the training loss's Hessian at the run's end point (power iteration).",
        variants=variants_of,
        read=sharpness_of,
    ),
    PerSeed(
        name="sharper_end_point",
        kind="choice",
        description="Of the small batch and the large batch given as many updates, the end point with the larger "
        "top Hessian eigenvalue. It depends on how far each run got: at its scaled rate the large batch fits the "
        "training set more tightly in those updates, and cross-entropy's curvature falls as the fit tightens.",
        choices=lambda params: [small(params), large(params, SETTINGS[-1])],
        read=sharper,
    ),
    PerRun(
        name="final_val_accuracy",
        kind="number",
        description="Validation accuracy after the last epoch.",
        unit="fraction",
        read=final("val_acc"),
    ),
    PerRun(
        name="final_val_loss",
        kind="number",
        description="Validation loss after the last epoch.",
        read=final("val_loss"),
    ),
    PerRun(
        name="final_train_loss",
        kind="number",
        description="Training loss after the last epoch.",
        read=final("train_loss"),
    ),
    PerRun(
        name="updates",
        kind="number",
        description="Optimizer updates the run took.",
        unit="updates",
        read=lambda trace: trace.updates,
    ),
)


def experiment(params: Params, ctx: Context) -> Gap:
    """Two stacked jobs (the same-epochs runs, then the long matched one), then each end point's sharpness."""
    from dataclasses import replace

    from sims import curvature, problems
    from sims.callbacks import Divergence, Evaluate
    from sims.dataset import Dataset
    from sims.runs import Run, Schedule

    base = problems.digits_mlp("same epochs", epochs=params.epochs, hidden=params.hidden)
    base = replace(
        base,
        train=Dataset(base.train.x[:, : params.train_samples], base.train.y[:, : params.train_samples]),
        record=(Divergence(), Evaluate()),
    )
    per_epoch = updates_per_epoch(params, params.large_batch)

    def warmed(epochs: int) -> Schedule:
        return Schedule(warmup=max(1, round(params.warmup * per_epoch * epochs)))

    runs = []
    for seed in ctx.seeds:
        runs += [
            Run(small(params), seed, params.lr, params.small_batch),
            Run(large(params, SETTINGS[0]), seed, params.lr, params.large_batch),
            Run(large(params, SETTINGS[1]), seed, params.scaled_lr, params.large_batch, schedule=warmed(params.epochs)),
        ]
    longer = matched_epochs(params)
    matched = [
        Run(large(params, SETTINGS[2]), seed, params.scaled_lr, params.large_batch, schedule=warmed(longer))
        for seed in ctx.seeds
    ]
    ctx.plan(**{"same epochs": 1.0, "matched updates": 1.0, "sharpness": 0.3})
    outcomes = [
        ctx.train(replace(base, runs=runs)),
        ctx.train(replace(base, stage="matched updates", epochs=longer, runs=matched)),
    ]
    evidence = Gap(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=[trace for outcome in outcomes for trace in outcome.traces],
        params=params,
    )
    ctx.tracker.enter("sharpness")
    for i, outcome in enumerate(outcomes):

        def step(done: float, i: int = i) -> None:
            ctx.tracker.check_cancel()
            ctx.tracker.update((i + done) / len(outcomes))

        values = curvature.sharpness(outcome.model, base.train, "cross_entropy", step=step)
        for trace, value in zip(outcome.traces, values, strict=True):
            kept = value if trace.diverged_at is None else None
            evidence.sharpness[(trace.run.variant, trace.run.seed)] = kept
    evidence.series = t.curves(evidence.traces, ("update_loss", "train_loss", "val_loss", "val_acc"))
    evidence.metrics = t.metric_rows(
        evidence.traces,
        {
            "batch_size": lambda trace: float(trace.run.batch_size),
            "lr": lambda trace: trace.run.lr,
            "updates": lambda trace: float(trace.updates),
            "final_val_accuracy": final("val_acc"),
            "final_val_loss": final("val_loss"),
            "final_train_loss": final("train_loss"),
            "sharpness": lambda trace: evidence.sharpness.get((trace.run.variant, trace.run.seed)),
        },
    )
    evidence.notes = [
        f"digits MLP (hidden {params.hidden}), {params.train_samples} training images; k = {params.k:g}; "
        f"scaled rate {params.scaled_lr:.3g} ({params.scaling}), warmup over {params.warmup:.0%} of the updates; "
        f"matched updates: {longer} epochs of the large batch against {params.epochs} of the small; sharpness "
        "on the training set."
    ]
    return evidence


SIM = Simulation(
    name=NAME,
    title="The large-batch generalization gap",
    summary="Small vs large batch at the same epochs, then with a scaled rate, warmup and as many updates.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
