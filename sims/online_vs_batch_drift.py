"""A model trained once vs a model that keeps learning, on a stream whose concept changes.

The stream is SEA concepts: label = (f1 + f2 <= threshold), and the threshold jumps at
`drift_at`. The static model is trained on the first `warmup` samples and then frozen;
the online model learns from every sample right after being tested on it
(prequential, test-then-train evaluation). Each seed draws its own stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.observe import Evidence, PerSeed, Table
from sims.result import MetricRow, Series
from sims.runs import Run
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from sims.context import Context

NAME = "online_vs_batch_drift"
MODELS = ["static", "online"]
#: The online model has recovered once its accuracy is back within this of its pre-drift level.
RECOVERY_MARGIN = 0.03
CURVE_STRIDE = 25


class Params(ParamsBase):
    stream_length: int = Field(6000, ge=100, le=100_000, description="Samples in the stream.")
    drift_at: int = Field(3000, ge=1, description="Sample at which the concept changes.")
    warmup: int = Field(1000, ge=10, description="Samples the static model is trained on, from the start.")
    threshold_before: float = Field(8.0, ge=0, le=20, description="SEA threshold before the drift.")
    threshold_after: float = Field(11.0, ge=0, le=20, description="SEA threshold after the drift.")
    noise: float = Field(0.1, ge=0, le=0.5, description="Fraction of labels flipped at random.")
    online_lr: float = Field(0.1, gt=0, le=10, description="Learning rate of the online model (one sample per update).")
    static_lr: float = Field(0.5, gt=0, le=10, description="Learning rate of the static model.")
    static_epochs: int = Field(30, ge=1, le=1000, description="Epochs the static model trains on its warmup window.")
    window: int = Field(100, ge=10, description="Samples per window when measuring accuracy over time.")

    @model_validator(mode="after")
    def _ordered(self) -> Params:
        if not self.warmup < self.drift_at < self.stream_length:
            raise ValueError(
                f"need warmup < drift_at < stream_length; got {self.warmup}, {self.drift_at}, {self.stream_length}"
            )
        if self.window > self.stream_length - self.drift_at:
            raise ValueError(
                f"window {self.window} is longer than the stream after the drift ({self.stream_length - self.drift_at})"
            )
        return self


@dataclass(kw_only=True)
class Stream(Evidence):
    """Per model and seed, which stream samples were classified right; params place warmup, drift, window."""

    correct: dict[str, list[list[bool]]]
    params: Params


def _mean(values: list[bool]) -> float:
    return sum(values) / len(values)


def before(hits: list[bool], params: Params) -> float:
    """Accuracy from the end of warmup (the static model stops learning) to the drift."""
    return _mean(hits[params.warmup : params.drift_at])


def after(hits: list[bool], params: Params) -> float:
    return _mean(hits[params.drift_at :])


def recovery(correct: list[bool], params: Params) -> int | None:
    """Samples after the drift until the next window's accuracy is back near its old level."""
    target = _mean(correct[params.warmup : params.drift_at]) - RECOVERY_MARGIN
    window = params.window
    running = sum(correct[params.drift_at : params.drift_at + window])
    for start in range(params.drift_at, len(correct) - window + 1):
        if running / window >= target:
            return start - params.drift_at
        if start + window < len(correct):
            running += correct[start + window] - correct[start]
    return None


def windowed(correct: list[bool], window: int) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    running = 0
    for i, hit in enumerate(correct):
        running += hit
        if i >= window:
            running -= correct[i - window]
        if i + 1 >= window and (i + 1) % CURVE_STRIDE == 0:
            xs.append(float(i + 1))
            ys.append(running / window)
    return xs, ys


def more_accurate(evidence: Stream, index: int, _: str | None) -> str:
    online = after(evidence.correct["online"][index], evidence.params)
    static = after(evidence.correct["static"][index], evidence.params)
    return "online" if online > static else "static"


def online_recovery(evidence: Stream, index: int, _: str | None) -> int | None:
    return recovery(evidence.correct["online"][index], evidence.params)


def static_drop(evidence: Stream, index: int, _: str | None) -> float:
    hits = evidence.correct["static"][index]
    return before(hits, evidence.params) - after(hits, evidence.params)


def accuracy_before(evidence: Stream, index: int, model: str | None) -> float:
    return before(evidence.correct[str(model)][index], evidence.params)


def accuracy_after(evidence: Stream, index: int, model: str | None) -> float:
    return after(evidence.correct[str(model)][index], evidence.params)


def experiment(params: Params, ctx: Context) -> Stream:
    import torch

    from sims import data
    from sims.callbacks import Divergence, Prequential
    from sims.jobs import Dataset, Job, Order
    from sims.models import MLP

    streams = data.stack(
        [
            data.sea_stream(
                params.stream_length,
                drift_at=params.drift_at,
                threshold_before=params.threshold_before,
                threshold_after=params.threshold_after,
                noise=params.noise,
                seed=seed,
            )
            for seed in ctx.seeds
        ]
    )
    warmup = Dataset(streams.x[:, : params.warmup], streams.y[:, : params.warmup])
    ctx.plan(static=1.0, online=2.0)
    static = ctx.train(
        Job(
            stage="static",
            model=MLP((3, 2)),
            loss="cross_entropy",
            train=warmup,
            runs=[Run("static", seed, params.static_lr, 32, dataset=i) for i, seed in enumerate(ctx.seeds)],
            epochs=params.static_epochs,
        )
    )
    with torch.no_grad():
        predicted = static.model.predict(streams.x.to(ctx.device)).argmax(-1).cpu()
    static_correct = (predicted == streams.y[..., 0]).tolist()
    online = ctx.train(
        Job(
            stage="online",
            model=MLP((3, 2)),
            loss="cross_entropy",
            train=streams,
            runs=[Run("online", seed, params.online_lr, 1, dataset=i) for i, seed in enumerate(ctx.seeds)],
            epochs=1,
            order=Order(shuffle=False),
            record=(Divergence(), Prequential()),
        )
    )
    correct = {"static": static_correct, "online": [tr.correct for tr in online.traces]}

    series = []
    metrics = []
    for model in MODELS:
        for seed, hits in zip(ctx.seeds, correct[model], strict=True):
            xs, ys = windowed(hits, params.window)
            if model == "static":  # before warmup ends the static model is still being trained
                keep = [i for i, x in enumerate(xs) if x - params.window >= params.warmup]
                xs, ys = [xs[i] for i in keep], [ys[i] for i in keep]
            series.append(Series(metric="windowed_accuracy", variant=model, seed=seed, x_label="sample", x=xs, y=ys))
        befores = [before(h, params) for h in correct[model]]
        afters = [after(h, params) for h in correct[model]]
        metrics.append(
            MetricRow(
                variant=model,
                values={
                    "accuracy_before_drift": sum(befores) / len(befores),
                    "accuracy_after_drift": sum(afters) / len(afters),
                    "updates": float(
                        params.warmup // 32 * params.static_epochs if model == "static" else params.stream_length
                    ),
                },
            )
        )
    return Stream(
        seeds=ctx.seeds,
        variants=MODELS,
        traces=static.traces + online.traces,
        correct=correct,
        params=params,
        series=series,
        metrics=metrics,
        notes=[
            f"SEA stream of {params.stream_length} samples, threshold {params.threshold_before:g} -> "
            f"{params.threshold_after:g} at sample {params.drift_at}, {params.noise:.0%} label noise; "
            f"static model trained on the first {params.warmup}."
        ],
    )


OBSERVABLES = Table(
    lambda _: MODELS,
    PerSeed(
        name="more_accurate_after_drift",
        kind="choice",
        description="Which model classifies the samples after the drift more accurately.",
        choices=MODELS,
        read=more_accurate,
    ),
    PerSeed(
        name="online_recovery_samples",
        kind="number",
        description=lambda params: (
            f"Samples after the drift until the online model's accuracy over the next {params.window} "
            f"is back within {RECOVERY_MARGIN:.0%} of its level before the drift."
        ),
        unit="samples",
        read=online_recovery,
    ),
    PerSeed(
        name="static_accuracy_drop",
        kind="number",
        description="The static model's accuracy before the drift minus after it.",
        unit="fraction",
        read=static_drop,
    ),
    PerSeed(
        name="accuracy_before_drift",
        kind="number",
        description="Accuracy on the samples from warmup to the drift.",
        unit="fraction",
        variants=MODELS,
        read=accuracy_before,
    ),
    PerSeed(
        name="accuracy_after_drift",
        kind="number",
        description="Accuracy on the samples after the drift.",
        unit="fraction",
        variants=MODELS,
        read=accuracy_after,
    ),
)

SIM = Simulation(
    name=NAME,
    title="Online vs batch learning under drift",
    summary="A frozen model vs one updated sample by sample, on a stream whose concept changes abruptly.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
