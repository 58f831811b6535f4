"""Data order and optimizers at a small batch size.

Order: the same SGD run fed the training set sorted by label (every epoch ends on the
last class) or reshuffled every epoch. Optimizers: plain SGD, SGD with momentum and Adam,
all on shuffled data, where small batches make every gradient noisy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import Field

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

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


def variants_of(params: Params) -> list[str]:
    return VARIANTS


def final(curve: str) -> Callable[[Trace], float | None]:
    """The last point of a curve, None for a run that diverged."""
    return lambda trace: None if trace.diverged_at is not None else t.last(getattr(trace, curve))


def loss_noise(trace: Trace) -> float | None:
    return t.roughness(trace.update_loss)


def pick(
    runs: dict[str, str], score: Callable[[Trace], float | None]
) -> Callable[[Evidence, int, str | None], str | None]:
    """Per seed, the answer whose run scores lowest, where answers name runs ("sorted" -> "sorted sgd")."""

    def read(evidence: Evidence, seed_index: int, _: str | None) -> str | None:
        groups = {answer: evidence.of(run) for answer, run in runs.items()}
        return t.pick_per_seed([evidence.seeds[seed_index]], groups, score)[0]

    return read


#: The run behind each answer of the two comparisons.
ORDER_RUNS = {order: f"{order} sgd" for order in ORDERS}
OPTIMIZER_RUNS = {name: f"shuffled {name}" for name in OPTIMIZERS}
#: Each run's numbers: observables per variant, and (averaged over seeds) the metric rows.
READS = {
    "final_val_loss": final("val_loss"),
    "final_val_accuracy": final("val_acc"),
    "final_train_loss": final("train_loss"),
    "loss_noise": loss_noise,
}

OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="better_order",
        kind="choice",
        description="The data order whose SGD run ends with the lower validation loss.",
        choices=ORDERS,
        read=pick(ORDER_RUNS, final("val_loss")),
    ),
    PerSeed(
        name="lowest_loss_optimizer",
        kind="choice",
        description="The optimizer ending with the lowest training loss (shuffled data).",
        choices=OPTIMIZERS,
        read=pick(OPTIMIZER_RUNS, final("train_loss")),
    ),
    PerSeed(
        name="smoothest_optimizer",
        kind="choice",
        description="The optimizer whose per-update loss curve is the least jagged (shuffled data).",
        choices=OPTIMIZERS,
        read=pick(OPTIMIZER_RUNS, loss_noise),
    ),
    PerRun(
        name="final_val_loss",
        kind="number",
        description="Validation loss after the last epoch.",
        read=READS["final_val_loss"],
    ),
    PerRun(
        name="final_val_accuracy",
        kind="number",
        description="Validation accuracy after the last epoch.",
        read=READS["final_val_accuracy"],
    ),
    PerRun(
        name="final_train_loss",
        kind="number",
        description="Training loss over the whole set after the last epoch.",
        read=READS["final_train_loss"],
    ),
    PerRun(
        name="loss_noise",
        kind="number",
        description="Spread of the step-to-step change in log loss: higher is noisier.",
        read=loss_noise,
    ),
)


def experiment(params: Params, ctx: Context) -> Evidence:
    """Four jobs, one per run kind: sorted SGD, then shuffled SGD, momentum and Adam."""
    from dataclasses import replace

    from sims import problems
    from sims.jobs import Dataset, Order
    from sims.runs import Optimizer, Run

    base = problems.digits_mlp("sorted sgd", epochs=params.epochs, hidden=params.hidden)
    by_label = base.train.y[0, :, 0].argsort(stable=True)
    sorted_train = Dataset(base.train.x[:, by_label], base.train.y[:, by_label])

    def runs(name: str, lr: float) -> list[Run]:
        return [Run(name, seed, lr, params.batch_size) for seed in ctx.seeds]

    jobs = [
        replace(base, train=sorted_train, order=Order(shuffle=False), runs=runs("sorted sgd", params.sgd_lr)),
        replace(base, stage="shuffled sgd", runs=runs("shuffled sgd", params.sgd_lr)),
        replace(
            base,
            stage="shuffled momentum",
            optimizer=Optimizer(momentum=0.9),
            runs=runs("shuffled momentum", params.momentum_lr),
        ),
        replace(base, stage="shuffled adam", optimizer=Optimizer("adam"), runs=runs("shuffled adam", params.adam_lr)),
    ]
    ctx.plan(**{job.stage: 1.0 for job in jobs})
    traces = [trace for job in jobs for trace in ctx.train(job).traces]
    return Evidence(
        seeds=ctx.seeds,
        variants=VARIANTS,
        traces=traces,
        metrics=t.metric_rows(traces, READS),
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
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
