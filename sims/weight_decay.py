"""L2 in the loss vs decoupled weight decay, under Adam and under SGD.

Loshchilov and Hutter (2019, "Decoupled weight decay regularization"): for plain SGD, adding
lambda/2 * |w|^2 to the loss and shrinking the weights by lr * lambda each step are the same
update. Under Adam they are not: the L2 gradient lambda * w passes through Adam's division by
the running gradient scale, so weights with small gradients are pulled to zero hard and
weights with large ones barely at all, while AdamW shrinks every weight by the same factor.
The same digits MLP trains with each form over a small sweep of coefficients, on partly
mislabelled data so that regularisation has something to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "weight_decay"
TRAIN_SIZE = digits_train_size(DIGITS_VAL_FRACTION)
ADAM_L2, ADAMW, SGD_L2, SGDW = "adam+l2", "adamw", "sgd+l2", "sgdw"
#: The optimizer kind and whether its decay is decoupled, per form.
FORMS = {ADAM_L2: "adam", ADAMW: "adamw", SGD_L2: "sgd", SGDW: "sgdw"}
SAME = 1e-4  # relative weight difference still counted as the same training (float32 rounding)
DIFFERENT = 1e-2  # relative weight difference counted as another training


class Params(ParamsBase):
    decays: Annotated[list[Annotated[float, Field(gt=0, le=10)]], Distinct] = Field(
        default=[0.01, 0.1, 1.0], min_length=1, max_length=6, description="Weight-decay coefficients, smallest first."
    )
    adam_lr: float = Field(0.003, gt=0, le=1, description="Learning rate of the Adam and AdamW runs.")
    sgd_lr: float = Field(0.1, gt=0, le=10, description="Learning rate of the SGD runs.")
    epochs: int = Field(20, ge=1, le=200, description="Passes over the training set.")
    hidden: int = Field(64, ge=1, le=1024, description="Width of the hidden layer.")
    train_size: int = Field(400, ge=64, le=TRAIN_SIZE, description="Training images used.")
    label_noise: float = Field(0.2, ge=0, lt=0.9, description="Fraction of training labels replaced by another class.")
    batch_size: int = Field(32, ge=1, le=TRAIN_SIZE, description="Samples per update.")

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if sorted(self.decays) != self.decays:
            raise ValueError(f"decays must be increasing; got {self.decays}")
        if self.batch_size > self.train_size:
            raise ValueError(f"batch_size {self.batch_size} is larger than train_size {self.train_size}")
        return self


def variant(form: str, decay: float) -> str:
    return f"{form} {decay:g}"


def variants_of(params: Params) -> list[str]:
    return ["adam, no decay", "sgd, no decay", *(variant(f, d) for f in FORMS for d in params.decays)]


@dataclass(kw_only=True)
class Decayed(Evidence):
    """Final weights' norms and, per seed and coefficient, how far the two forms of each optimizer ended apart."""

    params: Params
    norms: dict[tuple[str, int], float]  # (variant, seed) -> |w| after training
    sgd_gap: list[float]  # per seed: largest relative difference sgd+l2 vs sgdw over the coefficients
    adam_gap: list[float]  # per seed: smallest relative difference adam+l2 vs adamw over the coefficients


def norm(evidence: Decayed, seed_index: int, name: str | None) -> float | None:
    return evidence.norms.get((str(name), evidence.seeds[seed_index]))


def shrinks_more(evidence: Decayed, seed_index: int, _: str | None) -> str | None:
    """At the smallest coefficient, the Adam form that ends with the smaller weights."""
    smallest = evidence.params.decays[0]
    l2, decoupled = (norm(evidence, seed_index, variant(f, smallest)) for f in (ADAM_L2, ADAMW))
    return None if l2 is None or decoupled is None else ADAM_L2 if l2 < decoupled else ADAMW


OBSERVABLES = Table(
    variants_of,
    PerRun(
        name="final_val_loss",
        kind="number",
        description="Validation cross-entropy after the last epoch (clean labels).",
        read=lambda trace: t.last(trace.val_loss) if trace.diverged_at is None else None,
    ),
    PerSeed(
        name="final_weight_norm",
        kind="number",
        description="Euclidean norm of all weights and biases after training.",
        variants=variants_of,
        read=norm,
    ),
    PerSeed(
        name="sgd_forms_match",
        kind="bool",
        description=f"Whether SGD with L2 in the loss and SGD with decoupled decay (same coefficient) end at the "
        f"same weights, within {SAME:g} of the largest weight, at every coefficient.",
        read=lambda evidence, i, _: evidence.sgd_gap[i] < SAME,
    ),
    PerSeed(
        name="adam_forms_differ",
        kind="bool",
        description=f"Whether Adam with L2 in the loss and AdamW (same coefficient) end more than {DIFFERENT:g} "
        "of the largest weight apart, at every coefficient.",
        read=lambda evidence, i, _: evidence.adam_gap[i] > DIFFERENT,
    ),
    PerSeed(
        name="shrinks_more_at_same_coefficient",
        kind="choice",
        description="At the smallest coefficient of the sweep, which Adam form ends with the smaller weights: "
        "L2 in the loss (its decay is divided by Adam's gradient scale) or AdamW (the weights shrink by "
        "lr x coefficient per step).",
        choices=[ADAM_L2, ADAMW],
        read=shrinks_more,
    ),
)


def experiment(params: Params, ctx: Context) -> Decayed:
    """One job per optimizer form and coefficient (the decay belongs to the optimizer), all seeds in each."""
    import torch

    from sims import data
    from sims.callbacks import Divergence, Evaluate
    from sims.jobs import Job
    from sims.models import MLP
    from sims.runs import Optimizer, Run

    split = data.digits(DIGITS_VAL_FRACTION, train_limit=params.train_size, label_noise=params.label_noise)
    # tanh, not ReLU: rounding cannot flip a gate between the two SGD forms, so "the same" means the same.
    model = MLP((data.DIGITS_FEATURES, params.hidden, data.DIGITS_CLASSES), activation="tanh")
    settings = [("adam, no decay", Optimizer("adam"), params.adam_lr), ("sgd, no decay", Optimizer(), params.sgd_lr)]
    for form, kind in FORMS.items():
        lr = params.adam_lr if kind.startswith("adam") else params.sgd_lr
        settings += [(variant(form, d), Optimizer(kind, weight_decay=d), lr) for d in params.decays]
    ctx.plan(**{name: 1.0 for name, _, _ in settings})
    traces, weights = [], {}
    for name, optimizer, lr in settings:
        job = Job(
            stage=name,
            model=model,
            loss="cross_entropy",
            train=split.train,
            val=split.val,
            runs=[Run(name, seed, lr, params.batch_size) for seed in ctx.seeds],
            epochs=params.epochs,
            optimizer=optimizer,
            record=(Divergence(), Evaluate(train=False)),
        )
        outcome = ctx.train(job)
        traces += outcome.traces
        for r, seed in enumerate(ctx.seeds):
            weights[(name, seed)] = torch.cat([p[r].reshape(-1) for p in outcome.model.params])

    def gap(a: str, b: str, seed: int) -> float:
        wa, wb = weights[(a, seed)], weights[(b, seed)]
        return float((wa - wb).abs().max() / wa.abs().max())

    decays = params.decays
    return Decayed(
        seeds=ctx.seeds,
        variants=variants_of(params),
        traces=traces,
        params=params,
        norms={key: float(w.norm()) for key, w in weights.items()},
        sgd_gap=[max(gap(variant(SGD_L2, d), variant(SGDW, d), s) for d in decays) for s in ctx.seeds],
        adam_gap=[min(gap(variant(ADAM_L2, d), variant(ADAMW, d), s) for d in decays) for s in ctx.seeds],
        series=t.curves(traces, ("val_loss",)),
        metrics=_metrics(traces, weights),
        notes=[
            f"digits MLP 64-{params.hidden}-10 (tanh) on {split.train.size} training images, "
            f"{params.label_noise:.0%} of their labels wrong; {params.epochs} epochs at batch {params.batch_size}; "
            f"Adam rate {params.adam_lr:g}, SGD rate {params.sgd_lr:g}."
        ],
    )


def _metrics(traces: list, weights: dict) -> list:
    import statistics

    rows = t.metric_rows(
        traces,
        {"final_val_loss": lambda tr: t.last(tr.val_loss), "final_val_accuracy": lambda tr: t.last(tr.val_acc)},
    )
    for row in rows:
        row.values["weight_norm"] = statistics.fmean(
            float(w.norm()) for (v, _), w in weights.items() if v == row.variant
        )
    return rows


SIM = Simulation(
    name=NAME,
    title="Weight decay: L2 vs decoupled",
    summary="Adam+L2 vs AdamW and SGD+L2 vs SGDW over a sweep of coefficients: equal under SGD, not under Adam.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
