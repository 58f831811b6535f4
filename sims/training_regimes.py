"""Full-batch, mini-batch and stochastic gradient descent on one problem.

Same model, data, learning rate and number of epochs: only the batch size differs, so
the regimes differ in how many updates they take and how noisy each update is.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims import traces as t
from sims.observe import Evidence, PerRun, PerSeed, Pick, Table
from sims.runs import Run, Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "training_regimes"
REGIMES = ["full-batch", "mini-batch", "stochastic"]


class Params(ParamsBase):
    n_samples: int = Field(400, ge=8, le=5000, description="Training points (two interlocking half circles).")
    minibatch_size: int = Field(32, ge=2, description="Batch size of the mini-batch regime.")
    lr: float = Field(0.05, gt=0, le=10, description="Learning rate shared by all three regimes.")
    epochs: int = Field(15, ge=1, le=200, description="Passes over the data for every regime.")
    hidden: int = Field(32, ge=1, le=512, description="Width of the hidden layer.")
    noise: float = Field(0.15, ge=0, le=1, description="Gaussian jitter added to the points.")

    @model_validator(mode="after")
    def _minibatch_fits(self) -> Params:
        if self.minibatch_size >= self.n_samples:
            raise ValueError(
                f"minibatch_size {self.minibatch_size} must be smaller than n_samples ({self.n_samples}); "
                f"allowed: 2 to {self.n_samples - 1}"
            )
        return self


@dataclass(kw_only=True)
class Regimes(Evidence):
    """The runs of the three regimes, and the epochs each trained (to count updates per epoch)."""

    epochs: int


def batch_size(params: Params, regime: str) -> int:
    return {"full-batch": params.n_samples, "mini-batch": params.minibatch_size, "stochastic": 1}[regime]


def loss_noise(trace: Trace) -> float | None:
    return t.roughness(trace.update_loss)


def final_train_loss(trace: Trace) -> float | None:
    return t.last(trace.train_loss)


def monotonic(trace: Trace) -> bool | None:
    """Whether every update lowered the loss; undecided for a run that blew up or never updated."""
    losses = trace.update_loss
    if trace.diverged_at is not None or not losses:
        return None
    return all(b <= a for a, b in itertools.pairwise(losses))


def full_batch_monotonic(evidence: Regimes, index: int, _: str | None) -> bool | None:
    trace = evidence.run("full-batch", evidence.seeds[index])
    return None if trace is None else monotonic(trace)


def updates_per_epoch(evidence: Regimes, index: int, variant: str | None) -> float | None:
    trace = evidence.run(str(variant), evidence.seeds[index])
    return None if trace is None or trace.diverged_at is not None else trace.updates / evidence.epochs


def experiment(params: Params, ctx: Context) -> Regimes:
    from sims import data
    from sims.jobs import Job
    from sims.models import MLP

    dataset = data.moons(params.n_samples, noise=params.noise, seed=0)
    runs = [Run(regime, seed, params.lr, batch_size(params, regime)) for regime in REGIMES for seed in ctx.seeds]
    ctx.plan(train=1.0)
    outcome = ctx.train(
        Job(
            stage="train",
            model=MLP((2, params.hidden, 2), activation="tanh"),
            loss="cross_entropy",
            train=dataset,
            runs=runs,
            epochs=params.epochs,
        )
    )
    rows = t.metric_rows(
        outcome.traces,
        {
            "batch_size": lambda tr: float(tr.run.batch_size),
            "updates_per_epoch": lambda tr: tr.updates / params.epochs,
            "final_train_loss": final_train_loss,
            "final_train_accuracy": lambda tr: t.last(tr.train_acc),
            "loss_noise": loss_noise,
        },
    )
    return Regimes(
        seeds=ctx.seeds,
        variants=REGIMES,
        traces=outcome.traces,
        epochs=params.epochs,
        series=t.curves(outcome.traces, ("update_loss", "train_loss", "train_acc")),
        metrics=rows,
        notes=[
            f"two moons, {params.n_samples} points; full-batch = {params.n_samples}, "
            f"mini-batch = {params.minibatch_size}, stochastic = 1 sample per update."
        ],
    )


OBSERVABLES = Table(
    lambda _: REGIMES,
    Pick(
        name="lowest_final_loss_regime",
        description="The regime with the lowest training loss after the last epoch.",
        score=final_train_loss,
    ),
    Pick(
        name="smoothest_regime",
        description="The regime whose per-update loss curve is the least jagged.",
        score=loss_noise,
    ),
    Pick(
        name="noisiest_regime",
        description="The regime whose per-update loss curve is the most jagged.",
        score=loss_noise,
        highest=True,
    ),
    PerSeed(
        name="full_batch_monotonic",
        kind="bool",
        description="Whether the full-batch loss went down at every single update.",
        read=full_batch_monotonic,
    ),
    PerSeed(
        name="updates_per_epoch",
        kind="number",
        description="Optimizer updates per epoch.",
        unit="updates",
        variants=REGIMES,
        read=updates_per_epoch,
    ),
    PerRun(
        name="final_train_loss",
        kind="number",
        description="Training loss over the whole set after the last epoch.",
        read=final_train_loss,
    ),
    PerRun(
        name="loss_noise",
        kind="number",
        description="Spread of the step-to-step change in log loss: higher is noisier.",
        read=loss_noise,
    ),
)

SIM = Simulation(
    name=NAME,
    title="Full-batch vs mini-batch vs stochastic",
    summary="The same network trained three ways at one learning rate: final loss, smoothness, update counts.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
