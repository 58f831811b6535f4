"""Grading: a prediction against the run that decides it, and an answer against its rubric.

Pure functions on the bank's models and the simulation's result; no storage, no UI.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from pydantic import BaseModel

from quizapp.models import Prediction, RubricItem
from sims.result import ObservableValue

PredictionValue = str | float | bool


class Verdict(BaseModel):
    """Whether the learner's prediction matched what the run decided."""

    correct: bool | None  # None: the run did not decide the observable (every seed diverged, say)
    given: PredictionValue
    observed: PredictionValue | None
    agreeing: int | None
    seeds: int
    unit: str | None = None


def parse_prediction(prediction: Prediction, raw: str) -> PredictionValue:
    """The learner's typed answer as a value of the prediction's kind, or ValueError saying why not."""
    text = raw.strip()
    if prediction.kind == "choice":
        assert prediction.choices is not None
        for choice in prediction.choices:
            if text.lower() == choice.lower():
                return choice
        raise ValueError(f"choose one of: {', '.join(prediction.choices)}")
    if prediction.kind == "bool":
        lowered = text.lower()
        if lowered in ("yes", "y", "true"):
            return True
        if lowered in ("no", "n", "false"):
            return False
        raise ValueError("answer yes or no")
    try:
        number = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"enter a number{f' in {prediction.unit}' if prediction.unit else ''}") from None
    if not math.isfinite(number):
        raise ValueError("enter a finite number")
    return number


def check_prediction(prediction: Prediction, given: PredictionValue, outcome: ObservableValue, seeds: int) -> Verdict:
    observed = outcome.value
    correct: bool | None
    if observed is None:
        correct = None
    elif prediction.kind == "number":
        assert isinstance(given, float | int) and not isinstance(given, bool)
        target = float(observed)
        allowed = prediction.tolerance * abs(target)
        correct = abs(float(given) - target) <= max(allowed, 1e-9)
    else:
        correct = given == observed
    return Verdict(
        correct=correct,
        given=given,
        observed=observed,
        agreeing=outcome.agreeing,
        seeds=seeds,
        unit=prediction.unit,
    )


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower())


def suggested_items(answer: str, rubric: Iterable[RubricItem]) -> set[str]:
    """Rubric items whose cue phrases appear in the answer: a suggestion the learner confirms."""
    text = _normalise(answer)
    return {item.id for item in rubric if any(_normalise(cue) in text for cue in item.cues if cue.strip())}


def rubric_score(rubric: Iterable[RubricItem], ticked: Iterable[str]) -> float:
    """Weighted share of the rubric covered, from 0 to 1."""
    items = list(rubric)
    chosen = set(ticked)
    unknown = chosen - {item.id for item in items}
    if unknown:
        raise ValueError(f"unknown rubric items: {sorted(unknown)}")
    total = sum(item.weight for item in items)
    return sum(item.weight for item in items if item.id in chosen) / total
