"""What a figure row is, and how to read the quantity it quotes from a question's run.

Each topic's rows live in a module of this package (`FIGURES = [...]`), so the rows of one
topic are written beside its questions; `tests/quizapp/test_bank_figures.py` checks them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sims.result import SimResult

Reader = Callable[[SimResult], list[float]]


MIB = 2**20


def obs(name: str, variant: str | None = None, scale: float = 1.0) -> Reader:
    """Per-seed values of an observable (or its one value when the setup fixes it)."""

    def read(result: SimResult) -> list[float]:
        value = result.observable(name, variant)
        values = value.per_seed if value.per_seed is not None else [value.value]
        return [float(v) * scale for v in values if v is not None]

    return read


def metric(variant: str, name: str) -> Reader:
    """A metric averaged over the seeds by the simulation."""
    return lambda result: [float(result.metric(variant, name))]


def ratio(top: Reader, bottom: Reader) -> Reader:
    return lambda result: [a / b for a, b in zip(top(result), bottom(result), strict=True)]


def gap(first: Reader, second: Reader) -> Reader:
    return lambda result: [abs(a - b) for a, b in zip(first(result), second(result), strict=True)]


def divergence_steps(variant: str) -> Reader:
    return lambda result: [float(d.step) for d in result.diverged if d.variant == variant]


def percent_behind(ahead: Reader, behind: Reader) -> Reader:
    return lambda result: [100 * (b / a - 1) for a, b in zip(ahead(result), behind(result), strict=True)]


@dataclass(frozen=True)
class Figure:
    question: str
    field: str
    pattern: str
    read: Reader
    check: str = "about"
    tol: float = 0.1
    scale: float = 1.0  # applied to the number as written (0.01 for a percentage)
