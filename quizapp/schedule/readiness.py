"""How ready a learner is, topic by topic: would they recall it now, predict it, and explain it?

Three measures per topic, each from 0 to 1: `recall`, the mean FSRS retrievability of the topic's
cards now (a card never reviewed counts 0); `predictions`, the share of the latest predictions
that were right; `rubric`, the mean of the latest rubric scores. The statement takes the weakest
of them, so it names what to work on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from quizapp.schedule.deck import Deck, Key
from quizapp.schedule.grades import FACETS, after_hints

Statement = Literal["ready", "close", "not yet"]
#: Every measure at least this: ready; at least CLOSE: close.
READY, CLOSE = 0.8, 0.6


class Readiness(BaseModel):
    topic: str
    cards: int
    seen: int
    recall: float
    predictions: float | None  # None: no prediction checked yet
    rubric: float | None  # None: nothing graded yet
    statement: Statement
    reason: str


def topic_readiness(deck: Deck, now: datetime) -> list[Readiness]:
    """One line per topic of the bank, in the bank's topic order."""
    return [_one(deck, topic, [q.id for q in questions], now) for topic, questions in deck.bank.by_topic().items()]


def _latest(deck: Deck, keys: list[Key]) -> list[float]:
    """Each card's latest score, less what its hints cost (as every screen shows a score)."""
    latest = [max(reviews, key=lambda r: r.reviewed_at) for key in keys if (reviews := deck.reviews.get(key))]
    return [after_hints(r.score, r.hints) for r in latest]


def _one(deck: Deck, topic: str, question_ids: list[str], now: datetime) -> Readiness:
    keys = [Key(q, facet) for q in question_ids for facet in FACETS]
    seen = sum(deck.cards[key] is not None for key in keys)
    recall = sum(deck.retrievability(key, now) for key in keys) / len(keys)
    predicted = _latest(deck, [k for k in keys if k.facet == "predict"])
    explained = _latest(deck, [k for k in keys if k.facet == "explain"])
    predictions = sum(predicted) / len(predicted) if predicted else None
    rubric = sum(explained) / len(explained) if explained else None
    measures = {"recall": recall, "predictions right": predictions or 0.0, "rubric score": rubric or 0.0}
    weakest = min(measures, key=measures.__getitem__)
    low = measures[weakest]
    missing = {"predictions right": predictions is None, "rubric score": rubric is None}.get(weakest, False)
    said = f"{weakest}: none yet" if missing else f"{weakest} {low:.0%}"
    statement: Statement = "ready" if low >= READY else "close" if low >= CLOSE else "not yet"
    if seen < len(keys) and statement != "ready":
        reason = f"{seen} of {len(keys)} cards seen; {said}"
    elif statement == "ready":
        reason = f"every measure at {READY:.0%} or more (weakest: {weakest} {low:.0%})"
    else:
        reason = said
    return Readiness(
        topic=topic,
        cards=len(keys),
        seen=seen,
        recall=recall,
        predictions=predictions,
        rubric=rubric,
        statement=statement,
        reason=reason,
    )
