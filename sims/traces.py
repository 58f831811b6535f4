"""Turning traces into the pieces of a result: curves, metric rows, per-seed picks.

Plain Python over `Trace` records, no torch: simulations, observables and their tests
all read traces through these helpers.
"""

from __future__ import annotations

import functools
import itertools
import math
import statistics
from collections.abc import Callable, Sequence

from sims.result import Divergence, MetricRow, Series
from sims.runs import Trace

#: Points kept per curve in a SimResult.
MAX_CURVE_POINTS = 2000

#: Curves with one value per update (the rest have one per epoch, from epoch 0).
PER_UPDATE = frozenset({"update_loss", "grad_norm", "full_loss"})


def by_variant(traces: Sequence[Trace]) -> dict[str, list[Trace]]:
    grouped: dict[str, list[Trace]] = {}
    for trace in traces:
        grouped.setdefault(trace.run.variant, []).append(trace)
    return grouped


def curves(
    traces: Sequence[Trace], metrics: Sequence[str] = ("update_loss", "train_loss", "val_loss", "val_acc")
) -> list[Series]:
    """Every recorded curve of every run; epoch curves start at epoch 0 (before training).

    Curves longer than `MAX_CURVE_POINTS` keep every k-th point (and the last), so a long
    stochastic run stays a readable result; observables are computed on the full curves.
    """
    out = []
    for trace in traces:
        for metric in metrics:
            values = getattr(trace, metric)
            if not values:
                continue
            per_update = metric in PER_UPDATE
            first = 1 if per_update else 0
            keep = thinned(len(values))
            out.append(
                Series(
                    metric=metric,
                    variant=trace.run.variant,
                    seed=trace.run.seed,
                    x_label="update" if per_update else "epoch",
                    x=[float(first + i) for i in keep],
                    y=[values[i] for i in keep],
                )
            )
    return out


def thinned(length: int, most: int = MAX_CURVE_POINTS) -> list[int]:
    """Indices of at most `most` evenly strided points, always ending at the last one."""
    if length <= most:
        return list(range(length))
    stride = math.ceil(length / most)
    keep = list(range(0, length, stride))
    return keep if keep[-1] == length - 1 else [*keep, length - 1]


def divergences(traces: Sequence[Trace]) -> list[Divergence]:
    return [
        Divergence(variant=t.run.variant, seed=t.run.seed, step=t.diverged_at, reason=t.divergence_reason or "diverged")
        for t in traces
        if t.diverged_at is not None
    ]


def metric_rows(
    traces: Sequence[Trace],
    columns: dict[str, Callable[[Trace], float | None]],
    *,
    include_diverged: bool = False,
) -> list[MetricRow]:
    """Per variant, the mean over seeds of each column (runs that diverged are left out unless asked)."""
    rows = []
    for variant, group in by_variant(traces).items():
        values: dict[str, float | None] = {}
        kept = [t for t in group if include_diverged or t.diverged_at is None]
        for name, read in columns.items():
            numbers = [v for t in kept if (v := read(t)) is not None and math.isfinite(v)]
            values[name] = statistics.fmean(numbers) if numbers else None
        values["diverged_runs"] = float(sum(t.diverged_at is not None for t in group))
        rows.append(MetricRow(variant=variant, values=values))
    return rows


def last(values: Sequence[float]) -> float | None:
    return values[-1] if values else None


def roughness(losses: Sequence[float]) -> float | None:
    """How jagged a loss curve is: the spread of step-to-step changes in log loss.

    A smooth descent scores near zero whatever its slope; a curve that jumps up and down
    between updates scores high. Scale-free, so curves at different loss levels compare.
    Several observables ask it of the same curve, so values are remembered.
    """
    return _roughness(tuple(losses))


@functools.lru_cache(maxsize=64)
def _roughness(losses: tuple[float, ...]) -> float | None:
    logs = [math.log(v) for v in losses if v > 0 and math.isfinite(v)]
    if len(logs) < 3:
        return 0.0 if logs else None
    steps = [b - a for a, b in itertools.pairwise(logs)]
    return statistics.pstdev(steps)


def pick_per_seed(
    seeds: Sequence[int],
    groups: dict[str, list[Trace]],
    score: Callable[[Trace], float | None],
    *,
    highest: bool = False,
) -> list[str | None]:
    """For each seed, the variant whose run scores lowest (or highest); None if none qualify."""
    picks: list[str | None] = []
    for seed in seeds:
        scored = []
        for variant, traces in groups.items():
            for trace in traces:
                if trace.run.seed == seed and (value := score(trace)) is not None and math.isfinite(value):
                    scored.append((value, variant))
        if not scored:
            picks.append(None)
            continue
        best = max(scored) if highest else min(scored)
        picks.append(best[1])
    return picks


def per_seed(seeds: Sequence[int], traces: Sequence[Trace], read: Callable[[Trace], float | bool | None]) -> list:
    """One value per seed from the run of that seed (traces of a single variant)."""
    by_seed = {t.run.seed: t for t in traces}
    return [read(by_seed[s]) if s in by_seed else None for s in seeds]
