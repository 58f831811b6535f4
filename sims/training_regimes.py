"""Full-batch, mini-batch and stochastic gradient descent on one problem.

Same model, data, learning rate and number of epochs: only the batch size differs, so
the regimes differ in how many updates they take and how noisy each update is.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.result import ObservableSpec, consensus
from sims.spec import ParamsBase, Simulation

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

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


def batch_size(params: Params, regime: str) -> int:
    return {"full-batch": params.n_samples, "mini-batch": params.minibatch_size, "stochastic": 1}[regime]


def observables(params: Params) -> list[ObservableSpec]:
    def choice(name: str, description: str) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="choice", choices=REGIMES)

    def number(name: str, description: str, unit: str | None = None) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="number", unit=unit, variants=REGIMES)

    return [
        choice("lowest_final_loss_regime", "The regime with the lowest training loss after the last epoch."),
        choice("smoothest_regime", "The regime whose per-update loss curve is the least jagged."),
        choice("noisiest_regime", "The regime whose per-update loss curve is the most jagged."),
        ObservableSpec(
            name="full_batch_monotonic",
            description="Whether the full-batch loss went down at every single update.",
            kind="bool",
        ),
        number("updates_per_epoch", "Optimizer updates per epoch.", "updates"),
        number("final_train_loss", "Training loss over the whole set after the last epoch."),
        number("loss_noise", "Spread of the step-to-step change in log loss: higher is noisier."),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    from sims import context as c
    from sims import data
    from sims.engine import Job
    from sims.runs import Run

    dataset = data.moons(params.n_samples, noise=params.noise, seed=0)
    runs = [Run(regime, seed, params.lr, batch_size(params, regime)) for regime in REGIMES for seed in ctx.seeds]
    ctx.plan(train=1.0)
    outcome = ctx.train(
        Job(
            stage="train",
            sizes=(2, params.hidden, 2),
            loss="cross_entropy",
            train=dataset,
            runs=runs,
            epochs=params.epochs,
            activation="tanh",
        )
    )
    groups = c.by_variant(outcome.traces)
    noise = {id(t): c.roughness(t.update_loss) for t in outcome.traces}

    def monotonic(trace: Trace) -> bool | None:
        losses = trace.update_loss
        if trace.diverged_at is not None or not losses:
            return None
        return all(b <= a for a, b in itertools.pairwise(losses))

    values = [
        consensus(
            "lowest_final_loss_regime", "choice", c.pick_per_seed(ctx.seeds, groups, lambda t: c.last(t.train_loss))
        ),
        consensus("smoothest_regime", "choice", c.pick_per_seed(ctx.seeds, groups, lambda t: noise[id(t)])),
        consensus(
            "noisiest_regime", "choice", c.pick_per_seed(ctx.seeds, groups, lambda t: noise[id(t)], highest=True)
        ),
        consensus("full_batch_monotonic", "bool", c.per_seed(ctx.seeds, groups["full-batch"], monotonic)),
    ]
    for regime in REGIMES:
        traces = groups[regime]
        values += [
            consensus(
                "updates_per_epoch",
                "number",
                c.per_seed(ctx.seeds, traces, lambda t: t.updates / params.epochs if t.diverged_at is None else None),
                variant=regime,
                unit="updates",
            ),
            consensus(
                "final_train_loss",
                "number",
                c.per_seed(ctx.seeds, traces, lambda t: c.last(t.train_loss)),
                variant=regime,
            ),
            consensus("loss_noise", "number", c.per_seed(ctx.seeds, traces, lambda t: noise[id(t)]), variant=regime),
        ]
    rows = c.metric_rows(
        outcome.traces,
        {
            "batch_size": lambda t: float(t.run.batch_size),
            "updates_per_epoch": lambda t: t.updates / params.epochs,
            "final_train_loss": lambda t: c.last(t.train_loss),
            "final_train_accuracy": lambda t: c.last(t.train_acc),
            "loss_noise": lambda t: noise[id(t)],
        },
    )
    return c.Findings(
        variants=REGIMES,
        series=c.curves(outcome.traces, ("update_loss", "train_loss", "train_acc")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(outcome.traces),
        notes=[
            f"two moons, {params.n_samples} points; full-batch = {params.n_samples}, "
            f"mini-batch = {params.minibatch_size}, stochastic = 1 sample per update."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Full-batch vs mini-batch vs stochastic",
    summary="The same network trained three ways at one learning rate: final loss, smoothness, update counts.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
