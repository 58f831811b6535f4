"""Data order and optimizers at a small batch size.

Order: the same SGD run fed the training set sorted by label (every epoch ends on the
last class) or reshuffled every epoch. Optimizers: plain SGD, SGD with momentum and Adam,
all on shuffled data, where small batches make every gradient noisy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import Field

from sims.datasizes import digits_train_size
from sims.result import ObservableSpec, consensus
from sims.spec import ParamsBase, Simulation

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

NAME = "data_order_and_optimizers"
ORDERS = ["sorted", "shuffled"]
OPTIMIZERS = ["sgd", "momentum", "adam"]
VARIANTS = ["sorted sgd", "shuffled sgd", "shuffled momentum", "shuffled adam"]


class Params(ParamsBase):
    batch_size: int = Field(8, ge=1, le=digits_train_size(), description="Batch size (small, so updates are noisy).")
    epochs: int = Field(4, ge=1, le=200, description="Epochs for every run.")
    sgd_lr: float = Field(0.02, gt=0, le=10, description="Learning rate of plain SGD (both orders).")
    momentum_lr: float = Field(0.02, gt=0, le=10, description="Learning rate of SGD with momentum 0.9.")
    adam_lr: float = Field(0.001, gt=0, le=1, description="Learning rate of Adam.")
    hidden: int = Field(64, ge=1, le=1024, description="Width of the hidden layer.")


def observables(params: Params) -> list[ObservableSpec]:
    def number(name: str, description: str) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="number", variants=VARIANTS)

    return [
        ObservableSpec(
            name="better_order",
            description="The data order whose SGD run ends with the lower validation loss.",
            kind="choice",
            choices=ORDERS,
        ),
        ObservableSpec(
            name="lowest_loss_optimizer",
            description="The optimizer ending with the lowest training loss (shuffled data).",
            kind="choice",
            choices=OPTIMIZERS,
        ),
        ObservableSpec(
            name="smoothest_optimizer",
            description="The optimizer whose per-update loss curve is the least jagged (shuffled data).",
            kind="choice",
            choices=OPTIMIZERS,
        ),
        number("final_val_loss", "Validation loss after the last epoch."),
        number("final_val_accuracy", "Validation accuracy after the last epoch."),
        number("final_train_loss", "Training loss over the whole set after the last epoch."),
        number("loss_noise", "Spread of the step-to-step change in log loss: higher is noisier."),
    ]


def simulate(params: Params, ctx: Context) -> Findings:
    from dataclasses import replace

    from sims import context as c
    from sims import problems
    from sims.engine import Dataset
    from sims.runs import Run

    base = problems.digits_mlp("sorted sgd", epochs=params.epochs, hidden=params.hidden)
    by_label = base.train.y[0, :, 0].argsort(stable=True)
    sorted_train = Dataset(base.train.x[:, by_label], base.train.y[:, by_label])

    def runs(name: str, lr: float) -> list[Run]:
        return [Run(name, seed, lr, params.batch_size) for seed in ctx.seeds]

    jobs = [
        replace(base, train=sorted_train, shuffle=False, runs=runs("sorted sgd", params.sgd_lr)),
        replace(base, stage="shuffled sgd", runs=runs("shuffled sgd", params.sgd_lr)),
        replace(base, stage="shuffled momentum", momentum=0.9, runs=runs("shuffled momentum", params.momentum_lr)),
        replace(base, stage="shuffled adam", optimizer="adam", runs=runs("shuffled adam", params.adam_lr)),
    ]
    ctx.plan(**{job.stage: 1.0 for job in jobs})
    traces = [t for job in jobs for t in ctx.train(job).traces]
    groups = c.by_variant(traces)
    noise = {id(t): c.roughness(t.update_loss) for t in traces}

    def final(curve: str) -> Callable[[Trace], float | None]:
        return lambda t: None if t.diverged_at is not None else c.last(getattr(t, curve))

    orders = {order: groups[f"{order} sgd"] for order in ORDERS}
    optimizers = {name: groups[f"shuffled {name}"] for name in OPTIMIZERS}
    values = [
        consensus("better_order", "choice", c.pick_per_seed(ctx.seeds, orders, final("val_loss"))),
        consensus("lowest_loss_optimizer", "choice", c.pick_per_seed(ctx.seeds, optimizers, final("train_loss"))),
        consensus("smoothest_optimizer", "choice", c.pick_per_seed(ctx.seeds, optimizers, lambda t: noise[id(t)])),
    ]
    reads = {
        "final_val_loss": final("val_loss"),
        "final_val_accuracy": final("val_acc"),
        "final_train_loss": final("train_loss"),
        "loss_noise": lambda t: noise[id(t)],
    }
    for name in VARIANTS:
        for metric, read in reads.items():
            values.append(consensus(metric, "number", c.per_seed(ctx.seeds, groups[name], read), variant=name))
    rows = c.metric_rows(traces, reads)
    return c.Findings(
        variants=VARIANTS,
        series=c.curves(traces, ("update_loss", "train_loss", "val_loss", "val_acc")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(traces),
        notes=[
            f"digits MLP, batch {params.batch_size}, {params.epochs} epochs; sorted = ordered by label and never "
            f"reshuffled; momentum 0.9; Adam with betas (0.9, 0.999)."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Data order and optimizers",
    summary="Sorted vs shuffled data; SGD vs momentum vs Adam at a small batch: which trains better and smoother.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
