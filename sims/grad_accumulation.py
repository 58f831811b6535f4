"""Gradient accumulation: one batch of B in one step vs k micro-batches of B / k added up.

With the micro-batch losses averaged (each scaled by 1 / k), the accumulated gradient is
the large batch's gradient exactly, so the weights after training agree to float rounding.
Two things break the equality, and both are what interviewers ask about: BatchNorm, whose
statistics see one micro-batch of B / k samples instead of B; and summing the micro-batch
losses without the 1 / k, which hands the optimizer a gradient k times too large: the same
run as the large batch at k times the learning rate under SGD, and hardly a change at all
under Adam, which divides the scale out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.observe import Evidence, PerSeed, Table
from sims.simulation import Simulation
from sims.spec import ParamsBase, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context

NAME = "grad_accumulation"
TRAIN_SIZE = digits_train_size(DIGITS_VAL_FRACTION)
#: Largest relative weight difference still counted as "the same weights" (float32 rounding is ~1e-6).
SAME = 1e-4

ONE_BATCH, MEAN, SUM = "one batch", "accumulated", "summed"
BN_ONE_BATCH, BN_MEAN = "batchnorm one batch", "batchnorm accumulated"


class Params(ParamsBase):
    batch_size: int = Field(128, ge=2, le=TRAIN_SIZE, description="Samples per update (the large batch).")
    accumulate: int = Field(8, ge=2, le=64, description="Micro-batches the large batch is split into.")
    lr: float = Field(0.02, gt=0, le=10, description="Learning rate of the large-batch run.")
    epochs: int = Field(5, ge=1, le=200, description="Passes over the training set.")
    hidden: int = Field(64, ge=1, le=1024, description="Width of the hidden layer.")
    optimizer: Literal["sgd", "adam"] = Field("sgd", description="The optimizer every run uses.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.batch_size % self.accumulate:
            raise ValueError(
                f"batch_size {self.batch_size} must split into accumulate={self.accumulate} equal micro-batches"
            )
        require_batch_fits("batch_size", self.batch_size, TRAIN_SIZE)
        return self


def rate_factors(params: Params) -> list[int]:
    """Learning-rate multiples the summed run is compared against: 1, 2, ..., k, 2k."""
    k = params.accumulate
    return sorted({1, 2, max(k // 2, 1), k, 2 * k})


def factor_label(factor: int) -> str:
    return f"lr x{factor}"


def variants_of(params: Params) -> list[str]:
    return [ONE_BATCH, MEAN, SUM, BN_ONE_BATCH, BN_MEAN]


@dataclass(kw_only=True)
class Weights(Evidence):
    """Relative weight differences after training, per seed: the accumulated runs against their reference."""

    params: Params
    accumulated: list[float]  # mean-reduced micro-batches vs one batch, plain MLP
    batchnorm: list[float]  # the same with BatchNorm
    summed: list[dict[int, float]]  # summed micro-batches vs one batch at each rate factor


def relative_difference(a: list[float], b: list[float], scale: float) -> float:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) / scale


def summed_matches(evidence: Weights, seed_index: int, _: str | None) -> str:
    distances = evidence.summed[seed_index]
    return factor_label(min(distances, key=distances.__getitem__))


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="accumulation_difference",
        kind="number",
        description="Largest weight difference after training between k averaged micro-batches and one batch "
        "of B, relative to the largest weight (float32 rounding is about 1e-6).",
        read=lambda evidence, i, _: evidence.accumulated[i],
    ),
    PerSeed(
        name="accumulation_matches",
        kind="bool",
        description=f"Whether averaged micro-batches end at the same weights as one large batch "
        f"(relative difference below {SAME:g}), for the MLP without BatchNorm.",
        read=lambda evidence, i, _: evidence.accumulated[i] < SAME,
    ),
    PerSeed(
        name="batchnorm_difference",
        kind="number",
        description="The same weight difference for the MLP with BatchNorm, whose statistics see one "
        "micro-batch at a time.",
        read=lambda evidence, i, _: evidence.batchnorm[i],
    ),
    PerSeed(
        name="batchnorm_breaks_match",
        kind="bool",
        description=f"Whether BatchNorm makes accumulation differ from the large batch "
        f"(relative difference above {SAME:g}).",
        read=lambda evidence, i, _: evidence.batchnorm[i] > SAME,
    ),
    PerSeed(
        name="summed_matches_rate",
        kind="choice",
        description="Which learning rate for the one large batch gives the weights closest to summed "
        "(not averaged) micro-batch losses at the base rate. Depends on the optimizer: SGD scales "
        "its step with the gradient, Adam divides the scale out.",
        choices=lambda params: [factor_label(f) for f in rate_factors(params)],
        read=summed_matches,
    ),
    PerSeed(
        name="summed_difference",
        kind="number",
        description="Relative weight difference between summed micro-batches and one batch at k times the rate.",
        read=lambda evidence, i, _: evidence.summed[i][evidence.params.accumulate],
    ),
)


def experiment(params: Params, ctx: Context) -> Weights:
    """Plain MLP: one batch, averaged and summed micro-batches, one batch at each rate factor; then with BatchNorm."""
    import statistics
    from dataclasses import replace

    import torch

    from sims import problems
    from sims import traces as t
    from sims.callbacks import Divergence, Evaluate
    from sims.jobs import Order
    from sims.models import MLP
    from sims.runs import Optimizer, Run

    b, k, lr = params.batch_size, params.accumulate, params.lr
    base = problems.digits_mlp("one batch", epochs=params.epochs, hidden=params.hidden)
    base = replace(
        base,
        # tanh, not ReLU: a ReLU gate flips when rounding moves a pre-activation across 0, a jump
        # that float32 runs summed in a different order hit about once in tens of seeds.
        model=MLP(base.model.sizes, activation="tanh"),
        optimizer=Optimizer(kind=params.optimizer),
        order=Order(drop_last=True),
        record=(Divergence(), Evaluate(train=False)),
    )
    factors = rate_factors(params)
    # The large batch in one forward and backward pass per update, in a job of its own: sharing a
    # loop with the micro-batch runs would cut it into the same micro-batches.
    large_runs = [Run(factor_label(f) if f > 1 else ONE_BATCH, seed, lr * f, b) for seed in ctx.seeds for f in factors]
    micro_runs = [
        r
        for seed in ctx.seeds
        for r in (Run(MEAN, seed, lr, b, accumulate=k), Run(SUM, seed, lr, b, accumulate=k, reduction="sum"))
    ]
    bn_runs = [
        r for seed in ctx.seeds for r in (Run(BN_ONE_BATCH, seed, lr, b), Run(BN_MEAN, seed, lr, b, accumulate=k))
    ]
    ctx.plan(**{"one batch": 0.35, "micro-batches": 0.25, "batchnorm": 0.4})
    large = ctx.train(replace(base, stage="one batch", runs=large_runs))
    micro = ctx.train(replace(base, stage="micro-batches", runs=micro_runs))
    bn_model = MLP(base.model.sizes, activation="tanh", norm="batch")
    batchnorm = ctx.train(replace(base, stage="batchnorm", model=bn_model, runs=bn_runs))

    def flat(outcome_params: list[torch.Tensor], row: int) -> list[float]:
        return torch.cat([t[row].reshape(-1) for t in outcome_params]).tolist()

    def rows(outcome_runs: list[Run]) -> dict[tuple[str, int], int]:
        return {(r.variant, r.seed): i for i, r in enumerate(outcome_runs)}

    at, micro_at, bn_at = rows(large_runs), rows(micro_runs), rows(bn_runs)
    accumulated, bn_diff, summed = [], [], []
    for seed in ctx.seeds:
        reference = flat(large.model.params, at[ONE_BATCH, seed])
        scale = max(abs(w) for w in reference)
        accumulated.append(relative_difference(flat(micro.model.params, micro_at[MEAN, seed]), reference, scale))
        summed_weights = flat(micro.model.params, micro_at[SUM, seed])
        summed.append(
            {
                f: relative_difference(
                    summed_weights, flat(large.model.params, at[factor_label(f) if f > 1 else ONE_BATCH, seed]), scale
                )
                for f in factors
            }
        )
        bn_reference = flat(batchnorm.model.params, bn_at[BN_ONE_BATCH, seed])
        bn_diff.append(
            relative_difference(
                flat(batchnorm.model.params, bn_at[BN_MEAN, seed]), bn_reference, max(abs(w) for w in bn_reference)
            )
        )
    traces = [t for t in [*large.traces, *micro.traces, *batchnorm.traces] if t.run.variant in variants_of(params)]
    rows = t.metric_rows(
        traces,
        {"final_val_loss": lambda tr: t.last(tr.val_loss), "final_val_accuracy": lambda tr: t.last(tr.val_acc)},
    )
    against_one_batch = {MEAN: accumulated, SUM: [d[1] for d in summed], BN_MEAN: bn_diff}
    for row in rows:
        if row.variant in against_one_batch:
            row.values["weight_difference"] = statistics.fmean(against_one_batch[row.variant])
    return Weights(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=traces,
        params=params,
        accumulated=accumulated,
        batchnorm=bn_diff,
        summed=summed,
        metrics=rows,
        notes=[
            f"digits MLP (64-{params.hidden}-10, tanh), {params.optimizer}; one batch of {b} vs {k} micro-batches "
            f"of {b // k}; weight differences relative to the largest weight of the one-batch run."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Gradient accumulation",
    summary="One batch vs k accumulated micro-batches: equal weights, except with BatchNorm or summed losses.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
