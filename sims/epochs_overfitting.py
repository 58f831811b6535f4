"""Training for too many epochs: an over-sized MLP memorises a small, noisy training set.

Some training labels are wrong on purpose. Early on the network learns the real
pattern and validation loss falls; later it fits the wrong labels too, and validation
loss turns back up while training loss keeps falling. The epoch of lowest validation
loss is where early stopping would have stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import digits_train_size
from sims.observe import Evidence, PerSeed, Scalar, Table
from sims.runs import Run, Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase, require_batch_fits

if TYPE_CHECKING:
    from sims.context import Context

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
    reference_batch: int | None = Field(
        None,
        ge=1,
        description="A second run at this batch size (same rate and epochs), to compare when each is at its best.",
    )

    @model_validator(mode="after")
    def _batch_fits(self) -> Params:
        require_batch_fits("batch_size", self.batch_size, self.train_size, of="train_size")
        if self.reference_batch is not None:
            require_batch_fits("reference_batch", self.reference_batch, self.train_size, of="train_size")
        return self


def best_epoch(trace: Trace) -> int | None:
    if trace.diverged_at is not None or not trace.val_loss:
        return None
    return min(range(len(trace.val_loss)), key=trace.val_loss.__getitem__)


#: Shares of the training by the epoch of lowest validation loss (the upper end of each, exclusive).
SHARES = {"first quarter": 0.25, "second quarter": 0.5, "second half": 0.95, "last epochs": 1.01}


def best_share(trace: Trace) -> str | None:
    """Which part of the training holds the best epoch (epoch 0, before training, counts as the start)."""
    best = best_epoch(trace)
    if best is None:
        return None
    share = best / max(1, len(trace.val_loss) - 1)
    return next(name for name, upper in SHARES.items() if share < upper)


def at_best(trace: Trace, curve: str) -> float | None:
    best = best_epoch(trace)
    return None if best is None else getattr(trace, curve)[best]


def min_val_loss(trace: Trace) -> float | None:
    return at_best(trace, "val_loss")


def best_val_accuracy(trace: Trace) -> float | None:
    return at_best(trace, "val_acc")


def rises(trace: Trace) -> bool | None:
    low = min_val_loss(trace)
    return None if low is None else trace.val_loss[-1] > low * (1 + RISE)


def keeps_falling(trace: Trace) -> bool | None:
    at = at_best(trace, "train_loss")
    return None if at is None else trace.train_loss[-1] < at


def final_val_loss(trace: Trace) -> float | None:
    return t.last(trace.val_loss)


def final_train_loss(trace: Trace) -> float | None:
    return t.last(trace.train_loss)


def final_val_accuracy(trace: Trace) -> float | None:
    return t.last(trace.val_acc)


def final_train_accuracy(trace: Trace) -> float | None:
    return t.last(trace.train_acc)


@dataclass(kw_only=True)
class Overfitting(Evidence):
    """The runs, and the share of training labels that are right (what a "noise cap" would be)."""

    label_noise: float


def beats_label_accuracy(evidence: Overfitting, index: int, _: str | None) -> bool | None:
    """Whether the best epoch's clean validation accuracy is above the share of right training labels."""
    trace = evidence.run(evidence.variants[0], evidence.seeds[index])
    accuracy = None if trace is None else best_val_accuracy(trace)
    return None if accuracy is None else accuracy > 1 - evidence.label_noise


def each_seed(read: Callable[[Trace], Scalar]) -> Callable[[Evidence, int, str | None], Scalar]:
    """Read the one model's run of each seed (a PerRun would name the single variant in every value)."""

    def per_seed(evidence: Evidence, index: int, _: str | None) -> Scalar:
        trace = evidence.run(evidence.variants[0], evidence.seeds[index])
        return None if trace is None else read(trace)

    return per_seed


def variants_of(params: Params) -> list[str]:
    """The one run, or, beside a reference, both runs named by their batch sizes."""
    if params.reference_batch is None:
        return [VARIANT]
    return [f"batch {params.batch_size}", f"batch {params.reference_batch}"]


def best_epoch_ratio(evidence: Overfitting, index: int, _: str | None) -> float | None:
    """How many times later, in epochs, the run is at its best than the reference run."""
    if len(evidence.variants) < 2:
        return None
    seed = evidence.seeds[index]
    runs = [evidence.run(name, seed) for name in evidence.variants[:2]]
    epochs = [None if trace is None else best_epoch(trace) for trace in runs]
    if epochs[0] is None or not epochs[1]:
        return None
    return epochs[0] / epochs[1]


#: Where the run's best epoch falls against the reference run's: a ratio within these bounds is "about the same".
SAME_EPOCH = (0.8, 1.25)


def best_epoch_against_reference(evidence: Overfitting, index: int, name: str | None) -> str | None:
    ratio = best_epoch_ratio(evidence, index, name)
    if ratio is None:
        return None
    low, high = SAME_EPOCH
    return "earlier" if ratio < low else "about the same" if ratio <= high else "later"


def experiment(params: Params, ctx: Context) -> Evidence:
    from sims import data
    from sims.jobs import Job
    from sims.models import MLP
    from sims.runs import Optimizer

    split = data.digits(VAL_FRACTION, train_limit=params.train_size, label_noise=params.label_noise)
    ctx.plan(train=1.0)
    outcome = ctx.train(
        Job(
            stage="train",
            model=MLP((data.DIGITS_FEATURES, params.hidden, params.hidden, data.DIGITS_CLASSES)),
            loss="cross_entropy",
            train=split.train,
            val=split.val,
            runs=[
                Run(name, seed, params.lr, batch)
                for name, batch in zip(variants_of(params), (params.batch_size, params.reference_batch), strict=False)
                for seed in ctx.seeds
            ],
            epochs=params.epochs,
            optimizer=Optimizer(momentum=params.momentum),
        )
    )
    rows = t.metric_rows(
        outcome.traces,
        {
            "best_epoch": best_epoch,
            "min_val_loss": min_val_loss,
            "final_val_loss": final_val_loss,
            "final_train_loss": final_train_loss,
            "best_val_accuracy": best_val_accuracy,
            "final_val_accuracy": final_val_accuracy,
            "final_train_accuracy": final_train_accuracy,
        },
    )
    return Overfitting(
        label_noise=params.label_noise,
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=outcome.traces,
        series=t.curves(outcome.traces, ("train_loss", "val_loss", "train_acc", "val_acc")),
        metrics=rows,
        notes=[
            f"digits: {params.train_size} training images, {params.label_noise:.0%} of their labels wrong; "
            f"{split.val.size} clean validation images; MLP 64-{params.hidden}-{params.hidden}-10."
        ],
    )


OBSERVABLES = Table(
    lambda params: variants_of(params)[:1],
    PerSeed(
        name="best_epoch",
        kind="number",
        description="The epoch with the lowest validation loss: where early stopping would stop.",
        unit="epoch",
        read=each_seed(best_epoch),
    ),
    PerSeed(
        name="best_epoch_ratio",
        kind="number",
        description="How many times later, in epochs, the run reaches its lowest validation loss than the run at "
        "reference_batch (none without one): at the same rate progress is counted in updates, so about "
        "batch_size / reference_batch.",
        unit="x",
        read=best_epoch_ratio,
    ),
    PerSeed(
        name="best_epoch_against_reference",
        kind="choice",
        description=f"Whether the run reaches its lowest validation loss earlier, at about the same epoch (a ratio of "
        f"{SAME_EPOCH[0]:g} to {SAME_EPOCH[1]:g}) or later than the run at reference_batch (none without one).",
        choices=["earlier", "about the same", "later"],
        read=best_epoch_against_reference,
    ),
    PerSeed(
        name="best_epoch_share",
        kind="choice",
        description="Where in the training the epoch of lowest validation loss falls, as a share of all epochs: "
        "what early stopping saves.",
        choices=list(SHARES),
        read=each_seed(best_share),
    ),
    PerSeed(
        name="val_loss_rises_after_best",
        kind="bool",
        description=f"Whether validation loss ends at least {RISE:.0%} above its minimum.",
        read=each_seed(rises),
    ),
    PerSeed(
        name="train_loss_keeps_falling",
        kind="bool",
        description="Whether training loss is lower at the end than at the best epoch.",
        read=each_seed(keeps_falling),
    ),
    PerSeed(
        name="min_val_loss",
        kind="number",
        description="The lowest validation loss reached.",
        read=each_seed(min_val_loss),
    ),
    PerSeed(
        name="final_val_loss",
        kind="number",
        description="Validation loss after the last epoch.",
        read=each_seed(final_val_loss),
    ),
    PerSeed(
        name="final_train_loss",
        kind="number",
        description="Training loss after the last epoch (on the noisy labels).",
        read=each_seed(final_train_loss),
    ),
    PerSeed(
        name="best_val_accuracy",
        kind="number",
        description="Validation accuracy at the best epoch.",
        unit="fraction",
        read=each_seed(best_val_accuracy),
    ),
    PerSeed(
        name="best_beats_label_accuracy",
        kind="bool",
        description="Whether validation accuracy at the best epoch is above the share of training labels that are "
        "right (1 - label_noise): the validation images carry their true labels, so wrong training labels do not "
        "cap accuracy at their own rate.",
        read=beats_label_accuracy,
    ),
    PerSeed(
        name="final_val_accuracy",
        kind="number",
        description="Validation accuracy after the last epoch.",
        unit="fraction",
        read=each_seed(final_val_accuracy),
    ),
    PerSeed(
        name="final_train_accuracy",
        kind="number",
        description="Training accuracy on the noisy labels after the last epoch.",
        unit="fraction",
        read=each_seed(final_train_accuracy),
    ),
)

SIM = Simulation(
    name=NAME,
    title="Epochs and overfitting",
    summary="An over-sized MLP on few noisy labels, trained long: the validation minimum and the rise after it.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
