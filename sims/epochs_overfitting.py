"""Training for too many epochs: an over-sized MLP memorises a small, noisy training set.

Some training labels are wrong on purpose. Early on the network learns the real
pattern and validation loss falls; later it fits the wrong labels too, and validation
loss turns back up while training loss keeps falling. The epoch of lowest validation
loss is where early stopping would have stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.datasizes import digits_train_size
from sims.result import ObservableSpec, consensus
from sims.spec import ParamsBase, Simulation, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context, Findings
    from sims.runs import Trace

NAME = "epochs_overfitting"
VARIANT = "mlp"
VAL_FRACTION = 0.3
MAX_TRAIN = digits_train_size(VAL_FRACTION)
#: Validation loss "rises" when it ends at least this much above its minimum.
RISE = 0.10


class Params(ParamsBase):
    train_size: int = Field(
        200, ge=20, le=MAX_TRAIN, description="Training images (few, so the net can memorise them)."
    )
    label_noise: float = Field(0.2, ge=0, le=0.9, description="Fraction of training labels replaced by a wrong class.")
    hidden: int = Field(128, ge=1, le=2048, description="Width of each of the two hidden layers.")
    epochs: int = Field(80, ge=2, le=2000, description="Passes over the training set.")
    lr: float = Field(0.05, gt=0, le=10, description="Learning rate.")
    batch_size: int = Field(32, ge=1, description="Batch size.")
    momentum: float = Field(0.9, ge=0, lt=1, description="SGD momentum.")

    @model_validator(mode="after")
    def _batch_fits(self) -> Params:
        require_batch_fits("batch_size", self.batch_size, self.train_size, of="train_size")
        return self


def observables(params: Params) -> list[ObservableSpec]:
    def number(name: str, description: str, unit: str | None = None) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="number", unit=unit)

    def flag(name: str, description: str) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="bool")

    return [
        number("best_epoch", "The epoch with the lowest validation loss: where early stopping would stop.", "epoch"),
        flag("val_loss_rises_after_best", f"Whether validation loss ends at least {RISE:.0%} above its minimum."),
        flag("train_loss_keeps_falling", "Whether training loss is lower at the end than at the best epoch."),
        number("min_val_loss", "The lowest validation loss reached."),
        number("final_val_loss", "Validation loss after the last epoch."),
        number("final_train_loss", "Training loss after the last epoch (on the noisy labels)."),
        number("best_val_accuracy", "Validation accuracy at the best epoch.", "fraction"),
        number("final_val_accuracy", "Validation accuracy after the last epoch.", "fraction"),
        number("final_train_accuracy", "Training accuracy on the noisy labels after the last epoch.", "fraction"),
    ]


def best_epoch(trace: Trace) -> int | None:
    if trace.diverged_at is not None or not trace.val_loss:
        return None
    return min(range(len(trace.val_loss)), key=trace.val_loss.__getitem__)


def simulate(params: Params, ctx: Context) -> Findings:
    from sims import context as c
    from sims import data
    from sims.engine import Job
    from sims.runs import Run

    split = data.digits(VAL_FRACTION, train_limit=params.train_size, label_noise=params.label_noise)
    ctx.plan(train=1.0)
    outcome = ctx.train(
        Job(
            stage="train",
            sizes=(data.DIGITS_FEATURES, params.hidden, params.hidden, data.DIGITS_CLASSES),
            loss="cross_entropy",
            train=split.train,
            val=split.val,
            runs=[Run(VARIANT, seed, params.lr, params.batch_size) for seed in ctx.seeds],
            epochs=params.epochs,
            momentum=params.momentum,
        )
    )
    traces = outcome.traces

    def at_best(trace: Trace, curve: str) -> float | None:
        best = best_epoch(trace)
        return None if best is None else getattr(trace, curve)[best]

    def rises(trace: Trace) -> bool | None:
        low = at_best(trace, "val_loss")
        return None if low is None else trace.val_loss[-1] > low * (1 + RISE)

    def keeps_falling(trace: Trace) -> bool | None:
        at = at_best(trace, "train_loss")
        return None if at is None else trace.train_loss[-1] < at

    reads = {
        "best_epoch": ("number", best_epoch, "epoch"),
        "val_loss_rises_after_best": ("bool", rises, None),
        "train_loss_keeps_falling": ("bool", keeps_falling, None),
        "min_val_loss": ("number", lambda t: at_best(t, "val_loss"), None),
        "final_val_loss": ("number", lambda t: c.last(t.val_loss), None),
        "final_train_loss": ("number", lambda t: c.last(t.train_loss), None),
        "best_val_accuracy": ("number", lambda t: at_best(t, "val_acc"), "fraction"),
        "final_val_accuracy": ("number", lambda t: c.last(t.val_acc), "fraction"),
        "final_train_accuracy": ("number", lambda t: c.last(t.train_acc), "fraction"),
    }
    values = [
        consensus(name, kind, c.per_seed(ctx.seeds, traces, read), unit=unit)  # type: ignore[arg-type]
        for name, (kind, read, unit) in reads.items()
    ]
    rows = c.metric_rows(
        traces,
        {
            name: (lambda t, read=read: None if read(t) is None else float(read(t)))
            for name, (kind, read, _) in reads.items()
            if kind == "number"
        },
    )
    return c.Findings(
        variants=[VARIANT],
        series=c.curves(traces, ("train_loss", "val_loss", "train_acc", "val_acc")),
        metrics=rows,
        observables=values,
        diverged=c.divergences(traces),
        notes=[
            f"digits: {params.train_size} training images, {params.label_noise:.0%} of their labels wrong; "
            f"{split.val.size} clean validation images; MLP 64-{params.hidden}-{params.hidden}-10."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Epochs and overfitting",
    summary="An over-sized MLP on few noisy labels, trained long: the validation minimum and the rise after it.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
