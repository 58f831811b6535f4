"""Grading: a prediction against the run that decides it, and an answer against its rubric.

Pure functions on the bank's models and the simulation's result; no storage, no UI.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable

from pydantic import BaseModel

from quizapp import rubric_match
from quizapp.models import Prediction, Question, RubricItem
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
    return parse_number(text, prediction.unit)


#: Thousands written with commas ("1,000", "12,500.5"); any other comma is ambiguous.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
PERCENT_UNITS = ("fraction", "%", "percent")


def parse_number(raw: str, unit: str | None) -> float:
    """A number as learners type it: "1,000", "1e-3", "0.88" or, where the unit allows, "88%" or "10 updates"."""
    text = raw.strip().replace("_", "")
    for word in (f"{unit}s", unit) if unit else ():
        if text.lower().endswith(word.lower()) and len(text) > len(word):
            text = text[: -len(word)].strip()
            break
    percent = text.endswith("%")
    if percent:
        if unit not in PERCENT_UNITS:
            raise ValueError(f"{raw.strip()!r} is a percentage; this answer is {_in_unit(unit)}")
        text = text[:-1].strip()
    if "," in text:
        if not THOUSANDS.fullmatch(text):
            raise ValueError(f"{raw.strip()!r}: use a dot for decimals (0.5) and commas only for thousands (1,000)")
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"enter a number {_in_unit(unit)}, for example {_example(unit)}") from None
    if not math.isfinite(number):
        raise ValueError("enter a finite number")
    if percent and unit == "fraction":
        number /= 100
    if unit == "fraction" and not 0 <= number <= 1:
        raise ValueError(f"a fraction lies between 0 and 1: type {_example(unit)} (got {raw.strip()!r})")
    return number


def _in_unit(unit: str | None) -> str:
    return f"in {unit}" if unit else "(a plain number)"


def _example(unit: str | None) -> str:
    return "0.88 or 88%" if unit == "fraction" else "12, 1,000 or 1e-3"


def tolerance_hint(prediction: Prediction) -> str:
    """How close a number must be to count as right, said before the learner locks it."""
    if prediction.kind != "number":
        return ""
    unit = f" ({prediction.unit})" if prediction.unit else ""
    if prediction.tolerance == 0:
        return f"A number{unit}; right only if it is exact."
    return f"A number{unit}; right if within {prediction.tolerance * 100:.3g}% of the run's value."


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


def seeds_line(prediction: Prediction, given: PredictionValue | None, outcome: ObservableValue, seeds: int) -> str:
    """How far the seeds back the verdict, in the terms it was graded on.

    A number is graded within its tolerance, so what matters is how many seeds' own values the
    prediction falls within; a choice counts the seeds that gave the consensus. Empty when the
    quantity is not decided per seed (a measured time, a value fixed by the setup).
    """
    if prediction.kind == "number" and outcome.per_seed and isinstance(given, float | int):
        values = [float(v) for v in outcome.per_seed if isinstance(v, float | int) and not isinstance(v, bool)]
        within = sum(abs(float(given) - v) <= max(prediction.tolerance * abs(v), 1e-9) for v in values)
        return f", {within}/{seeds} seeds in range"
    if outcome.agreeing is None:
        return ""
    return f", {outcome.agreeing}/{seeds} seeds agree"


@functools.cache
def _compiled(item_id: str, cues: tuple[str, ...], against: tuple[str, ...]) -> rubric_match.ItemCues:
    return rubric_match.compile_item(item_id, cues, against)


def suggested_items(answer: str, rubric: Iterable[RubricItem], prompt: str = "") -> set[str]:
    """Rubric items the answer seems to cover (see `quizapp.rubric_match`): a suggestion the learner confirms.

    `prompt` is the question's text, so that words merely copied from it tick nothing.
    """
    items = [_compiled(item.id, tuple(item.cues), tuple(item.against)) for item in rubric]
    return rubric_match.suggest(rubric_match.Answer.read(answer, prompt), items)


def suggested_for(question: Question, answer: str) -> set[str]:
    """The rubric items of `question` its answer seems to cover, ignoring what was copied from its prompts."""
    return suggested_items(answer, question.rubric, f"{question.prompt}\n{question.prediction.prompt}")


def rubric_score(rubric: Iterable[RubricItem], ticked: Iterable[str]) -> float:
    """Weighted share of the rubric covered, from 0 to 1."""
    items = list(rubric)
    chosen = set(ticked)
    unknown = chosen - {item.id for item in items}
    if unknown:
        raise ValueError(f"unknown rubric items: {sorted(unknown)}")
    total = sum(item.weight for item in items)
    return sum(item.weight for item in items if item.id in chosen) / total
