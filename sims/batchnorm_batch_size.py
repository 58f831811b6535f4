"""BatchNorm against a batch-independent norm and no norm, at batch sizes from 2 to 64.

BatchNorm normalises each feature by the mean and variance of the current batch. At a
batch of 2 those are estimates from two samples: every feature becomes about +-1 and
the noise drowns the signal; and the running averages used at evaluation describe a
distribution the network never saw while training. GroupNorm and LayerNorm normalise
within one sample, so they do not care about the batch (Wu and He 2018; Ioffe 2017).
Every run trains the same epochs with the learning rate scaled linearly with the batch
size, as in the GroupNorm paper, so each batch size is a fair setting on its own and
the norms are compared within it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.observe import Evidence, PerSeed, Table
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase, label, require_batch_fits

if TYPE_CHECKING:
    import torch

    from sims.blocks import StackedNet
    from sims.context import Context
    from sims.dataset import Dataset

NAME = "batchnorm_batch_size"
TRAIN_SIZE = digits_train_size(DIGITS_VAL_FRACTION)
BATCH, NONE = "batchnorm", "no norm"
#: Accuracy BatchNorm may trail the batch-independent norm by and still count as level with it: a few
#: points separate them at batch 4 on the digits, tens of points at batch 2.
LEVEL = 0.1
BATCH_STATS, RUNNING_STATS = "batch statistics", "running statistics"


class Params(ParamsBase):
    batch_sizes: Annotated[list[Annotated[int, Field(ge=2)]], Distinct] = Field(
        default=[2, 4, 16, 64], min_length=2, max_length=8, description="Batch sizes, smallest first."
    )
    alternative: Literal["group", "layer"] = Field(
        "group", description="The batch-independent norm: GroupNorm or LayerNorm."
    )
    lr_per_sample: float = Field(
        0.005, gt=0, le=1, description="Learning rate per sample of the batch: the rate at batch B is B times this."
    )
    epochs: int = Field(2, ge=1, le=100, description="Passes over the training set.")
    hidden: int = Field(64, ge=4, le=1024, description="Width of the hidden layers (a multiple of 4 for GroupNorm).")
    train_size: int = Field(512, ge=64, le=TRAIN_SIZE, description="Training images used.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if sorted(self.batch_sizes) != self.batch_sizes:
            raise ValueError(f"batch_sizes must be increasing; got {self.batch_sizes}")
        if self.alternative == "group" and self.hidden % 4:
            raise ValueError(f"hidden {self.hidden} must be a multiple of 4 for GroupNorm's 4 groups")
        require_batch_fits("batch size", self.batch_sizes[-1], self.train_size, of="the training images used")
        return self


def norms(params: Params) -> list[str]:
    return [BATCH, f"{params.alternative}norm", NONE]


def variant(norm: str, batch: int) -> str:
    return f"{norm} @ {label(batch)}"


def variants_of(params: Params) -> list[str]:
    return [variant(n, b) for n in norms(params) for b in params.batch_sizes]


@dataclass(kw_only=True)
class Accuracies(Evidence):
    """Validation accuracy per run in evaluation mode (traces) and, for BatchNorm, in training mode."""

    params: Params
    train_mode: dict[tuple[str, int], float]  # (variant, seed) -> accuracy with batch statistics


def accuracy(evidence: Accuracies, seed_index: int, name: str) -> float | None:
    trace = evidence.run(name, evidence.seeds[seed_index])
    return None if trace is None or trace.diverged_at is not None else t.last(trace.val_acc)


def drop(evidence: Accuracies, seed_index: int, norm: str) -> float | None:
    """Accuracy at the largest batch minus accuracy at the smallest."""
    batches = evidence.params.batch_sizes
    large, small = (accuracy(evidence, seed_index, variant(norm, b)) for b in (batches[-1], batches[0]))
    return None if large is None or small is None else large - small


def degrades_most(evidence: Accuracies, seed_index: int, _: str | None) -> str | None:
    drops = {n: d for n in norms(evidence.params) if (d := drop(evidence, seed_index, n)) is not None}
    return max(drops, key=drops.__getitem__) if drops else None


def behind(evidence: Accuracies, seed_index: int, batch: int) -> bool:
    ours = accuracy(evidence, seed_index, variant(BATCH, batch))
    theirs = accuracy(evidence, seed_index, variant(norms(evidence.params)[1], batch))
    return ours is None or (theirs is not None and ours < theirs - LEVEL)


def falls_behind_below(evidence: Accuracies, seed_index: int, _: str | None) -> str:
    """The smallest batch from which on BatchNorm keeps level with the alternative; 'never' if it always does."""
    batches = evidence.params.batch_sizes
    level_from = len(batches)
    while level_from > 0 and not behind(evidence, seed_index, batches[level_from - 1]):
        level_from -= 1
    if level_from == 0:
        return "never behind"
    return label(batches[level_from]) if level_from < len(batches) else "always behind"


def gap(evidence: Accuracies, seed_index: int, name: str | None) -> float | None:
    """Training-mode minus evaluation-mode validation accuracy."""
    seed = evidence.seeds[seed_index]
    evaluated = accuracy(evidence, seed_index, str(name))
    train_mode = evidence.train_mode.get((str(name), seed))
    return None if evaluated is None or train_mode is None else train_mode - evaluated


def better_mode(evidence: Accuracies, seed_index: int, _: str | None) -> str | None:
    smallest = variant(BATCH, evidence.params.batch_sizes[0])
    difference = gap(evidence, seed_index, smallest)
    return None if difference is None else BATCH_STATS if difference > 0 else RUNNING_STATS


def batchnorm_variants(params: Params) -> list[str]:
    return [variant(BATCH, b) for b in params.batch_sizes]


OBSERVABLES = Table(
    variants_of,
    PerSeed(
        name="final_val_accuracy",
        kind="number",
        description="Validation accuracy after training, in evaluation mode (BatchNorm uses its running statistics).",
        unit="fraction",
        variants=variants_of,
        read=accuracy,
    ),
    PerSeed(
        name="degrades_most",
        kind="choice",
        description="The normalisation that loses the most validation accuracy from the largest batch size "
        "to the smallest.",
        choices=norms,
        read=degrades_most,
    ),
    PerSeed(
        name="batchnorm_level_from",
        kind="choice",
        description=f"The smallest batch size from which on BatchNorm stays within {LEVEL:.0%} accuracy of the "
        "batch-independent norm; below it BatchNorm falls behind.",
        choices=lambda params: [*(label(b) for b in params.batch_sizes), "never behind", "always behind"],
        read=falls_behind_below,
    ),
    PerSeed(
        name="train_eval_gap",
        kind="number",
        description="BatchNorm's validation accuracy with batch statistics (batches of the training size) minus "
        "with its running statistics.",
        unit="fraction",
        variants=batchnorm_variants,
        read=gap,
    ),
    PerSeed(
        name="better_mode_at_smallest_batch",
        kind="choice",
        description="At the smallest batch size, whether BatchNorm's validation accuracy is higher normalising "
        "with the statistics of each batch (training mode) or with its running statistics (evaluation mode).",
        choices=[BATCH_STATS, RUNNING_STATS],
        read=better_mode,
    ),
)


def experiment(params: Params, ctx: Context) -> Accuracies:
    """One job per norm, every batch size and seed in it; then BatchNorm's validation in training mode."""
    from sims import data
    from sims.callbacks import Divergence, Evaluate
    from sims.jobs import Job
    from sims.models import MLP
    from sims.runs import Run

    split = data.digits(DIGITS_VAL_FRACTION, train_limit=params.train_size)
    sizes = (data.DIGITS_FEATURES, params.hidden, data.DIGITS_CLASSES)
    kinds = {BATCH: "batch", norms(params)[1]: params.alternative, NONE: None}
    ctx.plan(**{n: 1.0 for n in kinds})
    traces, train_mode = [], {}
    for name, kind in kinds.items():
        runs = [
            Run(variant(name, b), seed, params.lr_per_sample * b, b) for b in params.batch_sizes for seed in ctx.seeds
        ]
        job = Job(
            stage=name,
            model=MLP(sizes, norm=kind),
            loss="cross_entropy",
            train=split.train,
            val=split.val,
            runs=runs,
            epochs=params.epochs,
            record=(Divergence(), Evaluate(train=False)),
        )
        outcome = ctx.train(job)
        traces += outcome.traces
        if kind == "batch":
            for r, run in enumerate(runs):
                train_mode[(run.variant, run.seed)] = batch_statistics_accuracy(
                    outcome.model.select([r]), split.val, run.batch_size, ctx.device
                )
    evidence = Accuracies(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=traces,
        params=params,
        train_mode=train_mode,
        series=t.curves(traces, ("val_acc",)),
        metrics=t.metric_rows(
            traces,
            {"final_val_accuracy": lambda tr: t.last(tr.val_acc), "final_val_loss": lambda tr: t.last(tr.val_loss)},
        ),
        notes=[
            f"digits MLP 64-{params.hidden}-10 on {split.train.size} training images, "
            f"{params.epochs} epochs; learning rate {params.lr_per_sample:g} x batch size."
        ],
    )
    return evidence


def batch_statistics_accuracy(net: StackedNet, val: Dataset, batch: int, device: torch.device) -> float:
    """Accuracy of a one-run net normalising each batch of `batch` validation samples by its own statistics.

    `net` must be a copy: a training-mode pass moves its running statistics.
    """
    import torch

    from sims.blocks import Pass

    whole = (val.size // batch) * batch
    x, y = val.x[0, :whole].to(device), val.y[0, :whole, 0].to(device)
    with torch.no_grad():
        logits = torch.cat([net.forward(chunk.unsqueeze(0), Pass(train=True))[0] for chunk in x.split(batch)])
    return float((logits.argmax(-1) == y).float().mean())


SIM = Simulation(
    name=NAME,
    title="BatchNorm and the batch size",
    summary="BatchNorm vs a batch-independent norm vs none at batch 2 to 64: where BatchNorm falls behind.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
