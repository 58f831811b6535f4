"""Square-root scaling for Adam, beside linear scaling for SGD.

Malladi et al. (2022, "On the SDEs and scaling rules for adaptive gradient algorithms") show
that when the batch grows k times, Adam follows the same trajectory per example seen if its
rate grows by sqrt(k), where SGD's rate must grow by k (Goyal et al. 2017). The same digits
MLP trains at (B, lr) and, for each k, at kB with the rate x1, x sqrt(k) and x k, once with
Adam and once with SGD; each large-batch curve is compared with its optimizer's base curve
epoch by epoch, where a working rule says they match. Malladi et al.'s full rule also scales
eps by 1/sqrt(k) and each (1 - beta) by k; this keeps the simplest form (betas and eps left
alone), which is what practitioners usually mean by "square-root scaling".
"""

from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "adam_batch_scaling"
TRAIN_SIZE = digits_train_size()
OPTIMIZERS = ("adam", "sgd")
#: The rate rules, and the factor each multiplies the base rate by at batch factor k.
RULES = {"x1": lambda k: 1.0, "sqrt": math.sqrt, "linear": float}


class Params(ParamsBase):
    base_batch: int = Field(8, ge=1, le=TRAIN_SIZE, description="Batch size of the base runs.")
    ks: Annotated[list[Annotated[int, Field(ge=2)]], Distinct] = Field(
        default=[2, 4], min_length=1, max_length=6, description="Factors k by which the batch grows."
    )
    adam_lr: float = Field(0.001, gt=0, le=1, description="Adam's rate at the base batch.")
    sgd_lr: float = Field(0.02, gt=0, le=10, description="SGD's rate at the base batch.")
    epochs: int = Field(10, ge=1, le=200, description="Epochs for every run: curves are compared per epoch.")
    hidden: int = Field(64, ge=1, le=1024, description="Width of the MLP's hidden layer.")
    train_size: int = Field(1000, ge=64, le=TRAIN_SIZE, description="Training images used.")

    @model_validator(mode="after")
    def _batches_fit(self) -> Params:
        for k in self.ks:
            if k * self.base_batch > self.train_size:
                raise ValueError(
                    f"k={k} makes a batch of {k * self.base_batch}, larger than train_size ({self.train_size}); "
                    f"allowed: k * base_batch <= train_size"
                )
        return self


def base(optimizer: str) -> str:
    return f"{optimizer} base"


def variant(optimizer: str, k: int, rule: str) -> str:
    return f"{optimizer} x{k} lr {rule}"


def setting(optimizer: str, k: int) -> str:
    """One optimizer at one batch factor: the unit a rule is chosen for."""
    return f"{optimizer} x{k}"


def settings(params: Params) -> list[str]:
    return [setting(opt, k) for opt in OPTIMIZERS for k in params.ks]


def variants_of(params: Params) -> list[str]:
    return [name for opt in OPTIMIZERS for name in [base(opt), *scaled_of(params, opt)]]


def scaled_of(params: Params, optimizer: str) -> list[str]:
    return [variant(optimizer, k, rule) for k in params.ks for rule in RULES]


def final(trace: Trace | None) -> float | None:
    return None if trace is None or trace.diverged_at is not None else t.last(trace.val_loss)


def gap(evidence: Evidence, trace: Trace) -> float | None:
    """Mean distance between a run's log validation loss and its optimizer's base run, epoch by epoch."""
    reference = evidence.run(base(trace.run.variant.split()[0]), trace.run.seed)
    if reference is None or trace.diverged_at is not None:
        return None
    mine, theirs = trace.val_loss[1:], reference.val_loss[1:]
    if len(mine) != len(theirs) or not mine or min(mine + theirs) <= 0:
        return None
    return statistics.fmean(abs(math.log(a) - math.log(b)) for a, b in zip(mine, theirs, strict=True))


def curve_gap(evidence: Evidence, seed_index: int, name: str | None) -> float | None:
    trace = evidence.run(str(name), evidence.seeds[seed_index])
    return None if trace is None else gap(evidence, trace)


def closest_rule(evidence: Evidence, seed_index: int, name: str | None) -> str | None:
    """Of the three rates at this optimizer and factor, the rule whose curve stays nearest the base."""
    optimizer, factor = str(name).split()
    runs = {rule: evidence.of(f"{optimizer} {factor} lr {rule}") for rule in RULES}
    return t.pick_per_seed([evidence.seeds[seed_index]], runs, lambda trace: gap(evidence, trace))[0]


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="closest_rule",
        kind="choice",
        description="For one optimizer at batch factor k, which rate rule (x1, x sqrt(k), x k) keeps the "
        "validation-loss curve closest to that optimizer's base run, epoch by epoch (mean gap in log loss). "
        "Adam's answer depends on the large batch: the square-root rule needs gradient noise to dominate each "
        "step, and from a batch of about 128 here (k = 16 at the default base of 8) Adam's steps turn sign-like "
        "and the linear rule gets closer.",
        choices=list(RULES),
        variants=settings,
        read=closest_rule,
    ),
    PerSeed(
        name="curve_gap",
        kind="number",
        description="Mean distance between this run's log validation loss and its optimizer's base run, "
        "over the epochs.",
        variants=lambda params: [v for opt in OPTIMIZERS for v in scaled_of(params, opt)],
        read=curve_gap,
    ),
    PerRun(name="final_val_loss", kind="number", description="Validation loss after the last epoch.", read=final),
)


def experiment(params: Params, ctx: Context) -> Evidence:
    """Two stacked jobs, one per optimizer: the base run and every (k, rule) run, all seeds."""
    from dataclasses import replace

    from sims import problems
    from sims.callbacks import Divergence, Evaluate
    from sims.dataset import Dataset
    from sims.runs import Optimizer, Run

    problem = problems.digits_mlp("adam", epochs=params.epochs, hidden=params.hidden)
    train = Dataset(problem.train.x[:, : params.train_size], problem.train.y[:, : params.train_size])
    rates = {"adam": params.adam_lr, "sgd": params.sgd_lr}
    ctx.plan(adam=1.0, sgd=1.0)
    traces: list[Trace] = []
    for optimizer in OPTIMIZERS:
        lr = rates[optimizer]
        runs = [Run(base(optimizer), seed, lr, params.base_batch) for seed in ctx.seeds]
        for k in params.ks:
            for rule, factor in RULES.items():
                name = variant(optimizer, k, rule)
                runs += [Run(name, seed, lr * factor(k), k * params.base_batch) for seed in ctx.seeds]
        job = replace(
            problem,
            stage=optimizer,
            train=train,
            runs=runs,
            optimizer=Optimizer(optimizer),
            record=(Divergence(), Evaluate(train=False)),
        )
        traces += ctx.train(job).traces
    evidence = Evidence(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=traces,
        series=t.curves(traces, ("val_loss",)),
        notes=[
            f"digits MLP 64-{params.hidden}-10 on {params.train_size} training images, {params.epochs} epochs; "
            f"base batch {params.base_batch}; Adam rate {params.adam_lr:g} (betas and eps left at their defaults), "
            f"SGD rate {params.sgd_lr:g}; curves compared per epoch in log validation loss."
        ],
    )
    evidence.metrics = t.metric_rows(
        traces,
        {
            "batch_size": lambda trace: float(trace.run.batch_size),
            "lr": lambda trace: trace.run.lr,
            "final_val_loss": final,
            "curve_gap": lambda trace: gap(evidence, trace),
        },
    )
    return evidence


SIM = Simulation(
    name=NAME,
    title="Batch size and Adam: the square-root scaling rule",
    summary="At k times the batch, Adam with the rate x1, x sqrt(k), x k against its small-batch curve; SGD beside it.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
