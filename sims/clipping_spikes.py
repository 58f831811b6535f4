"""Gradient clipping at a rate past the stability edge, with thresholds read from logged gradient norms.

A rate a few times the one that trains comfortably blows the digits MLP up in its first
epoch: the early gradients are large, and so is the curvature they lead into. Clipping the
global gradient norm bounds every step at rate x threshold, so the early steps cannot throw
the weights into that region, and once the gradients fall below the threshold the run trains
at the full rate (Zhang et al. 2020, "Why gradient clipping accelerates training"; Pascanu et
al. 2013 for exploding gradients). Practitioners pick the threshold from the norms they have
logged (AutoClip, Seetharaman et al. 2020, clips at a percentile of the norm history): here a
run at a comfortable rate logs its norms, and percentiles of them per seed become the
thresholds of the runs at the high rate. Too tight a threshold rescales nearly every step
and slows training like a smaller rate; too loose a one lets the large early steps through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from sims import traces as t
from sims.datasizes import DIGITS_VAL_FRACTION, digits_train_size
from sims.observe import Evidence, Once, PerRun, PerSeed, Pick, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import Distinct, ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "clipping_spikes"
TRAIN_SIZE = digits_train_size(DIGITS_VAL_FRACTION)
HEALTHY, NONE = "comfortable rate", "no clipping"
#: A loss spike: a batch loss over SPIKE_FACTOR x the median of the previous SPIKE_WINDOW batch losses,
#: and over SPIKE_FLOOR x the loss before training (so noise among near-zero losses is not one).
SPIKE_FACTOR, SPIKE_WINDOW, SPIKE_FLOOR = 3.0, 20, 0.2
#: The tightest threshold "slows training" when its held-out loss after one epoch is this many times the best.
SLOWER = 1.5


class Params(ParamsBase):
    lr: float = Field(2.0, gt=0, le=100, description="The high rate, without or with clipping (SGD).")
    comfortable_lr: float = Field(
        0.5, gt=0, le=100, description="The rate of the run whose gradient norms set the thresholds."
    )
    percentiles: Annotated[list[Annotated[float, Field(gt=0, le=100)]], Distinct] = Field(
        default=[10.0, 50.0, 99.0],
        min_length=1,
        max_length=6,
        description="Percentiles of the comfortable run's gradient norms used as clipping thresholds, lowest first.",
    )
    epochs: int = Field(10, ge=2, le=200, description="Passes over the training set, for every run.")
    hidden: int = Field(64, ge=1, le=1024, description="Width of the hidden layer.")
    batch_size: int = Field(32, ge=1, le=TRAIN_SIZE, description="Samples per update.")

    @model_validator(mode="after")
    def _increasing(self) -> Params:
        if sorted(self.percentiles) != self.percentiles:
            raise ValueError(f"percentiles must be increasing; got {self.percentiles}")
        return self


def clipped(percentile: float) -> str:
    return f"clip at p{percentile:g}"


def clipped_variants(params: Params) -> list[str]:
    return [clipped(p) for p in params.percentiles]


def variants_of(params: Params) -> list[str]:
    return [HEALTHY, NONE, *clipped_variants(params)]


@dataclass(kw_only=True)
class Clipped(Evidence):
    """The runs, and per seed the thresholds read from the comfortable run's gradient norms."""

    params: Params
    thresholds: dict[tuple[str, int], float]  # (variant, seed) -> the global-norm limit


def diverged(trace: Trace) -> bool:
    return trace.diverged_at is not None


def spikes(trace: Trace) -> int:
    """Loss spikes in the run's batch losses, up to the update where it diverged (the blow-up counts)."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    losses = np.asarray(trace.update_loss, dtype=np.float64)
    if len(losses) <= SPIKE_WINDOW:
        return 0
    before = np.median(sliding_window_view(losses[:-1], SPIKE_WINDOW), axis=1)  # the window ending just before
    later = losses[SPIKE_WINDOW:]
    return int(np.sum(later > np.maximum(SPIKE_FLOOR * trace.train_loss[0], SPIKE_FACTOR * before)))


def final_val(trace: Trace) -> float | None:
    return None if trace.diverged_at is not None else t.last(trace.val_loss)


def first_epoch_val(trace: Trace) -> float | None:
    return trace.val_loss[1] if len(trace.val_loss) > 1 else None


def diverged_runs(evidence: Evidence, variant: str | None) -> int:
    return sum(diverged(trace) for trace in evidence.of(str(variant)))


def never_adds_divergence(evidence: Clipped, _: str | None) -> bool:
    """Whether every threshold leaves at most as many diverged runs as no clipping."""
    unclipped = diverged_runs(evidence, NONE)
    return all(diverged_runs(evidence, name) <= unclipped for name in clipped_variants(evidence.params))


def tightest_slows(evidence: Clipped, seed_index: int, _: str | None) -> bool | None:
    """Whether the tightest threshold's held-out loss after one epoch is SLOWER x the best clipped run's."""
    seed = evidence.seeds[seed_index]
    losses = [
        first_epoch_val(trace)
        for name in clipped_variants(evidence.params)
        if (trace := evidence.run(name, seed)) is not None and not diverged(trace)
    ]
    tight = evidence.run(clipped_variants(evidence.params)[0], seed)
    if tight is None or diverged(tight) or None in losses or len(losses) < 2:
        return None
    mine = first_epoch_val(tight)
    return None if mine is None else mine > SLOWER * min(v for v in losses if v is not None)


OBSERVABLES = Table(
    variants_of,
    PerRun(
        name="diverges",
        kind="bool",
        description="Whether the run's loss blew up (non-finite, or 100x its start). Whether the unclipped run "
        "does depends on how far the rate is past the stability edge: at 0.7x the default rate it survives, "
        "and a larger batch (less gradient noise) moves the edge up.",
        read=diverged,
    ),
    Once(
        name="diverged_runs",
        kind="number",
        description="How many of the seeds' runs of this variant diverged.",
        variants=variants_of,
        read=lambda evidence, variant: float(diverged_runs(evidence, variant)),
    ),
    PerRun(
        name="loss_spikes",
        kind="number",
        description=f"Updates whose batch loss jumped over {SPIKE_FACTOR:g}x the median of the previous "
        f"{SPIKE_WINDOW} (and over {SPIKE_FLOOR:.0%} of the loss before training), counted until any divergence.",
        read=lambda trace: float(spikes(trace)),
    ),
    PerRun(
        name="final_val_loss", kind="number", description="Held-out cross-entropy after the last epoch.", read=final_val
    ),
    PerRun(
        name="first_epoch_val_loss",
        kind="number",
        description="Held-out cross-entropy after the first epoch: how fast the run starts.",
        read=first_epoch_val,
    ),
    Pick(
        name="best_threshold",
        description="The threshold whose run ends with the lowest held-out loss. It depends on the rate: just "
        "past the stability edge a loose threshold does as well, and far past it only a tight one holds.",
        choices=clipped_variants,
        score=final_val,
    ),
    Once(
        name="clipping_never_adds_divergence",
        kind="bool",
        description="Whether no threshold leaves more diverged runs than training without clipping.",
        read=never_adds_divergence,
    ),
    PerSeed(
        name="tightest_threshold_slows",
        kind="bool",
        description=f"Whether the tightest threshold ends its first epoch with a held-out loss over {SLOWER:g}x "
        "that of the best-starting threshold: clipping nearly every step acts as a smaller rate.",
        read=tightest_slows,
    ),
)


def experiment(params: Params, ctx: Context) -> Clipped:
    """The comfortable run logs its gradient norms; then one job at the high rate, unclipped and per threshold."""
    from dataclasses import replace

    import torch

    from sims import problems
    from sims.callbacks import Divergence, Evaluate, GradNorm
    from sims.runs import Run

    base = problems.digits_mlp("comfortable rate", epochs=params.epochs, hidden=params.hidden)
    base = replace(base, record=(Divergence(), Evaluate(), GradNorm()))
    batch = params.batch_size
    ctx.plan(**{"comfortable rate": 1.0, "high rate": 1.0 + len(params.percentiles)})
    comfortable = ctx.train(
        replace(base, runs=[Run(HEALTHY, seed, params.comfortable_lr, batch) for seed in ctx.seeds])
    )
    thresholds: dict[tuple[str, int], float] = {}
    runs = [Run(NONE, seed, params.lr, batch) for seed in ctx.seeds]
    for trace in comfortable.traces:
        norms = torch.tensor(trace.grad_norm, dtype=torch.float64)
        if trace.diverged_at is not None or len(norms) == 0:
            raise ValueError(
                f"comfortable_lr {params.comfortable_lr:g} diverged (seed {trace.run.seed}): the thresholds need a "
                "run that trains; lower comfortable_lr"
            )
        for p in params.percentiles:
            limit = float(torch.quantile(norms, p / 100))
            thresholds[(clipped(p), trace.run.seed)] = limit
            runs.append(Run(clipped(p), trace.run.seed, params.lr, batch, clip=limit))
    high = ctx.train(replace(base, stage="high rate", runs=runs))
    traces = [*comfortable.traces, *high.traces]
    evidence = Clipped(
        seeds=ctx.seeds, variants=variants_of(params), traces=traces, params=params, thresholds=thresholds
    )
    evidence.series = t.curves(traces, ("update_loss", "grad_norm", "val_loss"))
    evidence.metrics = t.metric_rows(
        traces,
        {
            "lr": lambda trace: trace.run.lr,
            "clip": lambda trace: trace.run.clip,
            "loss_spikes": lambda trace: float(spikes(trace)),
            "first_epoch_val_loss": first_epoch_val,
            "final_val_loss": final_val,
        },
    )
    evidence.notes = [
        f"digits MLP (hidden {params.hidden}), SGD at batch {batch}; thresholds are percentiles "
        f"{', '.join(f'{p:g}' for p in params.percentiles)} of each seed's gradient norms at rate "
        f"{params.comfortable_lr:g}, applied at rate {params.lr:g}."
    ]
    return evidence


SIM = Simulation(
    name=NAME,
    title="Gradient clipping and loss spikes",
    summary="A rate past the stability edge, unclipped and clipped at percentiles of logged gradient norms.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
