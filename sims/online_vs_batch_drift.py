"""A model trained once vs a model that keeps learning, on a stream whose concept changes.

The stream is SEA concepts: label = (f1 + f2 <= threshold), and the threshold jumps at
`drift_at`. The static model is trained on the first `warmup` samples and then frozen;
the online model learns from every sample right after being tested on it
(prequential, test-then-train evaluation). Each seed draws its own stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.result import ObservableSpec, consensus
from sims.spec import ParamsBase, Simulation

if TYPE_CHECKING:
    from sims.context import Context, Findings

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


def observables(params: Params) -> list[ObservableSpec]:
    def number(name: str, description: str) -> ObservableSpec:
        return ObservableSpec(name=name, description=description, kind="number", unit="fraction", variants=MODELS)

    return [
        ObservableSpec(
            name="more_accurate_after_drift",
            description="Which model classifies the samples after the drift more accurately.",
            kind="choice",
            choices=MODELS,
        ),
        ObservableSpec(
            name="online_recovery_samples",
            description=f"Samples after the drift until the online model's accuracy over the next {params.window} "
            f"is back within {RECOVERY_MARGIN:.0%} of its level before the drift.",
            kind="number",
            unit="samples",
        ),
        ObservableSpec(
            name="static_accuracy_drop",
            description="The static model's accuracy before the drift minus after it.",
            kind="number",
            unit="fraction",
        ),
        number("accuracy_before_drift", "Accuracy on the samples from warmup to the drift."),
        number("accuracy_after_drift", "Accuracy on the samples after the drift."),
    ]


def _mean(values: list[bool]) -> float:
    return sum(values) / len(values)


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


def simulate(params: Params, ctx: Context) -> Findings:
    import torch

    from sims import context as c
    from sims import data
    from sims.engine import Dataset, Job
    from sims.result import Series
    from sims.runs import Run

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
            sizes=(3, 2),
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
            sizes=(3, 2),
            loss="cross_entropy",
            train=streams,
            runs=[Run("online", seed, params.online_lr, 1, dataset=i) for i, seed in enumerate(ctx.seeds)],
            epochs=1,
            shuffle=False,
            eval_train=False,
            stream=True,
        )
    )
    correct = {"static": static_correct, "online": [t.correct for t in online.traces]}

    def before(hits: list[bool]) -> float:
        return _mean(hits[params.warmup : params.drift_at])

    def after(hits: list[bool]) -> float:
        return _mean(hits[params.drift_at :])

    winners = [
        "online" if after(correct["online"][i]) > after(correct["static"][i]) else "static"
        for i in range(len(ctx.seeds))
    ]
    values = [
        consensus("more_accurate_after_drift", "choice", winners),
        consensus(
            "online_recovery_samples", "number", [recovery(hits, params) for hits in correct["online"]], unit="samples"
        ),
        consensus("static_accuracy_drop", "number", [before(h) - after(h) for h in correct["static"]], unit="fraction"),
    ]
    for model in MODELS:
        values.append(
            consensus(
                "accuracy_before_drift", "number", [before(h) for h in correct[model]], variant=model, unit="fraction"
            )
        )
        values.append(
            consensus(
                "accuracy_after_drift", "number", [after(h) for h in correct[model]], variant=model, unit="fraction"
            )
        )

    series = []
    metrics = []
    for model in MODELS:
        for seed, hits in zip(ctx.seeds, correct[model], strict=True):
            xs, ys = windowed(hits, params.window)
            if model == "static":  # before warmup ends the static model is still being trained
                keep = [i for i, x in enumerate(xs) if x - params.window >= params.warmup]
                xs, ys = [xs[i] for i in keep], [ys[i] for i in keep]
            series.append(Series(metric="windowed_accuracy", variant=model, seed=seed, x_label="sample", x=xs, y=ys))
        befores = [before(h) for h in correct[model]]
        afters = [after(h) for h in correct[model]]
        metrics.append(
            c.MetricRow(
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
    return c.Findings(
        variants=MODELS,
        series=series,
        metrics=metrics,
        observables=values,
        diverged=c.divergences(static.traces + online.traces),
        notes=[
            f"SEA stream of {params.stream_length} samples, threshold {params.threshold_before:g} -> "
            f"{params.threshold_after:g} at sample {params.drift_at}, {params.noise:.0%} label noise; "
            f"static model trained on the first {params.warmup}."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Online vs batch learning under drift",
    summary="A frozen model vs one updated sample by sample, on a stream whose concept changes abruptly.",
    params_model=Params,
    observables=observables,
    simulate=simulate,
)
run = SIM.run
