"""What a simulation run produces: plain pydantic models that survive a JSON round trip.

Nothing here imports torch, so the app and the question bank can read results and
observable declarations without paying for the training stack.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ObservableKind = Literal["choice", "number", "bool"]
ObservableScalar = str | float | bool

#: Two per-seed numbers "agree" when they lie within this fraction of the consensus value.
NUMBER_AGREEMENT = 0.05


class ObservableSpec(BaseModel):
    """A named outcome that a run decides, declared before anything trains."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    kind: ObservableKind
    choices: list[str] | None = None
    unit: str | None = None
    variants: list[str] | None = Field(
        default=None, description="When set, the observable must be asked of one of these variants."
    )


class ObservableValue(BaseModel):
    """The consensus value of an observable, with the evidence behind it."""

    name: str
    kind: ObservableKind
    variant: str | None = None
    value: ObservableScalar | None
    per_seed: list[ObservableScalar | None] | None = Field(
        default=None, description="One value per seed; None when the quantity is not decided per seed."
    )
    agreeing: int | None = Field(default=None, description="How many seeds gave the consensus value.")
    unit: str | None = None


class Series(BaseModel):
    """One curve of one run: a metric against epochs, updates or stream position."""

    metric: str
    variant: str
    seed: int
    x_label: Literal["epoch", "update", "sample", "learning_rate", "batch_size"]
    x: list[float]
    y: list[float]


class Divergence(BaseModel):
    variant: str
    seed: int
    step: int = Field(description="Optimizer update (1-based) at which the run blew up.")
    reason: str


class MetricRow(BaseModel):
    """Per-variant numbers averaged over the seeds that did not diverge."""

    variant: str
    values: dict[str, float | None]


class CurvePoints(BaseModel):
    """New points of one curve, sent while a run is still going."""

    metric: str
    variant: str
    seed: int
    x: list[float]
    y: list[float]


class ProgressEvent(BaseModel):
    fraction: float = Field(ge=0.0, le=1.0)
    stage: str
    points: list[CurvePoints] = Field(default_factory=list)


class SimResult(BaseModel):
    sim: str
    params: dict[str, object]
    device: str
    torch_version: str
    seeds: list[int]
    wall_seconds: float
    variants: list[str]
    series: list[Series]
    metrics: list[MetricRow]
    observables: list[ObservableValue]
    diverged: list[Divergence]
    notes: list[str] = Field(default_factory=list)

    def observable(self, name: str, variant: str | None = None) -> ObservableValue:
        for value in self.observables:
            if value.name == name and value.variant == variant:
                return value
        known = sorted({(v.name, v.variant) for v in self.observables}, key=str)
        raise KeyError(f"{self.sim}: no observable {name!r} for variant {variant!r}; known: {known}")

    def metric(self, variant: str, name: str) -> float | None:
        for row in self.metrics:
            if row.variant == variant:
                return row.values.get(name)
        raise KeyError(f"{self.sim}: no metrics for variant {variant!r}")

    def curves(self, metric: str, variant: str | None = None) -> list[Series]:
        return [s for s in self.series if s.metric == metric and (variant is None or s.variant == variant)]


def consensus(
    name: str,
    kind: ObservableKind,
    per_seed: list[ObservableScalar | None],
    *,
    variant: str | None = None,
    unit: str | None = None,
) -> ObservableValue:
    """Combine per-seed outcomes: the most common answer, or the median number."""
    present = [v for v in per_seed if v is not None]
    if not present:
        return ObservableValue(
            name=name, kind=kind, variant=variant, value=None, per_seed=per_seed, agreeing=0, unit=unit
        )
    if kind == "number":
        numbers = [float(v) for v in present]
        value: ObservableScalar = statistics.median(numbers)
        tolerance = max(abs(value) * NUMBER_AGREEMENT, 1e-12)
        agreeing = sum(abs(n - value) <= tolerance for n in numbers)
    else:
        counts = Counter(present)
        best = max(counts.values())
        value = next(v for v in present if counts[v] == best)
        agreeing = best
    return ObservableValue(
        name=name, kind=kind, variant=variant, value=value, per_seed=per_seed, agreeing=agreeing, unit=unit
    )


def measured_once(
    name: str,
    kind: ObservableKind,
    value: ObservableScalar | None,
    *,
    variant: str | None = None,
    unit: str | None = None,
) -> ObservableValue:
    """An outcome fixed by the setup rather than by a seed (a count, a theoretical rate)."""
    return ObservableValue(name=name, kind=kind, variant=variant, value=value, unit=unit)
