"""Updates to reach a target loss per batch size, each batch size with its best rate from a grid.

Torch-free reading of traces that carry the training-set loss after every update
(`FullLoss`). Shared by the simulations that measure how steps to a target scale with
the batch size: the runs of a rate grid per batch size, the first update at or below
the target for each, the best rate per batch size and seed, how much growing the batch
saves, where that saving stops (the knee), and the critical batch size of
McCandlish et al. (2018), fitted to the steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sims.observe import Evidence
from sims.runs import Trace

NONE = "none"
#: Learning rates tried per batch size, as fractions of the exact stability limit 2 / lambda_max.
RATE_FRACTIONS = (0.9, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015)


@dataclass(frozen=True)
class Target:
    """What reaching the target means for a run.

    Either `excess_fraction` of the run's starting excess loss over `min_loss` (the loss
    before any update), or a fixed loss of `min_loss * (1 + above_floor)`. With
    `interpolate`, the update count is fractional: between the last update above the
    target and the first at or below it, where the excess loss crosses the target
    geometrically, so counts of a few updates are not rounded up to whole ones.
    """

    min_loss: float
    excess_fraction: float | None = None
    above_floor: float | None = None
    interpolate: bool = False

    def __post_init__(self) -> None:
        if (self.excess_fraction is None) == (self.above_floor is None):
            raise ValueError("a target is either a fraction of the starting excess or a level above the floor")

    def loss(self, start: float) -> float:
        if self.above_floor is not None:
            return self.min_loss * (1 + self.above_floor)
        return self.min_loss + float(self.excess_fraction or 0.0) * (start - self.min_loss)


@dataclass(kw_only=True)
class Tuned(Evidence):
    """Every run of the rate grid, with what "reaching the target" means for them."""

    batch_sizes: list[int]  # in the order of `variants`
    max_updates: int  # the update budget: a run counts as reaching the target only within it
    target: Target
    reached: dict[int, float | None] = field(default_factory=dict)  # by id of trace: several observables ask

    @property
    def min_loss(self) -> float:
        return self.target.min_loss


def reached(evidence: Tuned, trace: Trace) -> float | None:
    """The update after which the training-set loss is first at or below the target, within the budget."""
    key = id(trace)
    if key not in evidence.reached:
        evidence.reached[key] = first_at_target(evidence.target, trace, evidence.max_updates)
    return evidence.reached[key]


def first_at_target(target: Target, trace: Trace, max_updates: int) -> float | None:
    start = trace.train_loss[0]
    goal = target.loss(start)
    before = start
    for update, loss in enumerate(trace.full_loss[:max_updates], start=1):
        if loss <= goal:
            return update - 1 + _crossing(before, loss, goal, target) if target.interpolate else update
        before = loss
    return None


def _crossing(before: float, after: float, goal: float, target: Target) -> float:
    """Where between two updates (0 to 1) the excess loss falls to the goal, on a log scale."""
    high, low, aim = before - target.min_loss, after - target.min_loss, goal - target.min_loss
    if not high > aim > low > 0:
        return 1.0
    return math.log(high / aim) / math.log(high / low)


def tuned(evidence: Tuned, variant: str, seed_index: int) -> tuple[float, float] | None:
    """(fewest updates to the target, the rate that took them) over the grid; None if no rate got there."""
    seed = evidence.seeds[seed_index]
    found = [
        (n, t.run.lr) for t in evidence.of(variant) if t.run.seed == seed and (n := reached(evidence, t)) is not None
    ]
    return (float(min(found)[0]), min(found)[1]) if found else None


def steps(evidence: Tuned, seed_index: int, variant: str | None) -> float | None:
    best = tuned(evidence, str(variant), seed_index)
    return None if best is None else best[0]


def best_lr(evidence: Tuned, seed_index: int, variant: str | None) -> float | None:
    best = tuned(evidence, str(variant), seed_index)
    return None if best is None else best[1]


def speedup(evidence: Tuned, seed_index: int, small: str, large: str) -> float | None:
    """Steps at batch `small` divided by steps at batch `large`."""
    x, y = steps(evidence, seed_index, small), steps(evidence, seed_index, large)
    return None if x is None or y is None else x / y


def diminishing_returns_from(evidence: Tuned, seed_index: int, _: str | None) -> str:
    """The first batch whose growth to the next saves less than half what perfect scaling would."""
    batches = evidence.batch_sizes
    for small, large, b_small, b_large in zip(
        evidence.variants, evidence.variants[1:], batches, batches[1:], strict=False
    ):
        saved = speedup(evidence, seed_index, small, large)
        if saved is None or saved < 0.5 * (b_large / b_small):
            return small
    return NONE


def critical_batch(batches: list[int], counts: list[float]) -> tuple[float, float] | None:
    """(B_crit, S_min) of S(B) = S_min * (1 + B_crit / B) fitted to steps per batch size.

    McCandlish et al. (2018), eq. 2.11: below B_crit doubling the batch nearly halves the
    steps, above it the steps level off at S_min. Least squares on log S over a grid of
    B_crit (2% apart, from 1/100 of the smallest batch to 100 times the largest); S_min
    is then the geometric mean that fits best. None with fewer than three batch sizes.
    """
    if len(batches) < 3:
        return None
    low, high = math.log(batches[0] / 100), math.log(batches[-1] * 100)
    best: tuple[float, float, float] | None = None
    for k in range(int((high - low) / math.log(1.02)) + 1):
        b_crit = math.exp(low + k * math.log(1.02))
        shape = [math.log(1 + b_crit / b) for b in batches]
        log_s_min = sum(math.log(s) - f for s, f in zip(counts, shape, strict=True)) / len(counts)
        error = sum((math.log(s) - f - log_s_min) ** 2 for s, f in zip(counts, shape, strict=True))
        if best is None or error < best[0]:
            best = (error, b_crit, math.exp(log_s_min))
    return None if best is None else (best[1], best[2])


def fitted(evidence: Tuned, seed_index: int) -> tuple[float, float] | None:
    """`critical_batch` of one seed, over the batch sizes that reached the target."""
    pairs = [
        (b, n)
        for b, v in zip(evidence.batch_sizes, evidence.variants, strict=True)
        if (n := steps(evidence, seed_index, v)) is not None
    ]
    return critical_batch([b for b, _ in pairs], [n for _, n in pairs])
