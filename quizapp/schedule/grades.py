"""From what happened in an attempt to an FSRS rating, for each of a question's two cards.

A question is two cards: *explain* (can the learner say why, graded by the rubric) and
*predict* (can they foresee what training does, graded by the run). Hard is never a failure:
FSRS treats Again as a lapse and everything else as recalled, so a half-right explanation is
Hard, not Again. The mapping has a version; reviews keep their raw score, so when the mapping
changes every card is rebuilt from its reviews (`Deck` always replays them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Literal

from fsrs import Rating

from quizapp.models import Question, RubricItem

Facet = Literal["explain", "predict"]
FACETS: tuple[Facet, ...] = ("explain", "predict")
#: Bumped whenever the rules below change; stored with each review. 2: hints cost points.
MAPPING_VERSION = 2
#: Rubric score below this is a lapse; from it up to GOOD it is Hard.
AGAIN_BELOW, GOOD_FROM = 0.5, 0.8
#: Full marks this fast, with no hint taken, is Easy.
QUICK_SECONDS = 180.0
#: What each hint taken in a mock interview costs, as a share of the rubric.
HINT_COST = 0.1


def after_hints(score: float, hints: int) -> float:
    """The rubric share less what the hints cost: a point given away is not a point recalled."""
    return max(0.0, score - HINT_COST * hints)


def predict_rating(right: bool) -> Rating:
    """A wrong prediction is a lapse; a right one is Good (a guess that happened to be right is not Easy)."""
    return Rating.Good if right else Rating.Again


def explain_rating(score: float, *, required_missed: bool, seconds: float | None = None, hints: int = 0) -> Rating:
    """Again below half the rubric or without a required item, Hard to 79%, Good from 80%, Easy for full
    marks given quickly and without hints. Each hint costs HINT_COST of the score first."""
    score = after_hints(score, hints)
    if score < AGAIN_BELOW or required_missed:
        return Rating.Again
    if score < GOOD_FROM:
        return Rating.Hard
    if score >= 1.0 and hints == 0 and seconds is not None and seconds <= QUICK_SECONDS:
        return Rating.Easy
    return Rating.Good


def content_hash(question: Question) -> str:
    """What the learner is graded on (prompt, prediction, model answer, rubric), as a short hash: a card keeps its
    progress when the text changes, and the change can be pointed out."""
    graded = {
        "prompt": question.prompt,
        "prediction": question.prediction.model_dump(mode="json"),
        "model_answer": question.model_answer,
        "rubric": [(item.id, item.criterion, item.weight) for item in question.rubric],
    }
    return hashlib.sha256(json.dumps(graded, sort_keys=True).encode()).hexdigest()[:16]


def required_items(rubric: Sequence[RubricItem]) -> set[str]:
    """The items that carry the most weight: an answer without them is not an answer, whatever else it says."""
    if not rubric:
        return set()
    top = max(item.weight for item in rubric)
    return {item.id for item in rubric if item.weight == top}


def rating_for(
    facet: Facet,
    score: float,
    *,
    ticked: Sequence[str] = (),
    rubric: Sequence[RubricItem] = (),
    seconds: float | None = None,
    hints: int = 0,
) -> Rating:
    """The rating of one review from its raw score (rubric share for explain, 1 or 0 for predict)."""
    if facet == "predict":
        return predict_rating(score >= 1.0)
    missed = bool(required_items(rubric) - set(ticked)) if rubric else False
    return explain_rating(score, required_missed=missed, seconds=seconds, hints=hints)
