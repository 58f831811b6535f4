"""Readiness as it changed, day by day, and how much was reviewed each day (for the progress report).

`readiness_by_day` walks the reviews once, in time order, stepping each card forward with the
day's new reviews only, so a long history costs one FSRS step per review rather than a full
replay per day. The cards it steps are the ones `Deck` would build from the same reviews (the
tests check this), and each day is judged by `topic_readiness` at the day's end, in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby

from fsrs import Rating
from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.formatting import count
from quizapp.schedule.deck import Deck, Key, step, when
from quizapp.schedule.grades import AGAIN_BELOW, FACETS
from quizapp.schedule.readiness import Readiness, topic_readiness
from quizapp.store import ReviewRecord

#: The darkest shade of the heatmap; a day's shade is its share of the busiest day, in these steps.
LEVELS = 4
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class DayReadiness(BaseModel):
    """Every topic's readiness at the end of one day with reviews."""

    day: date
    reviews: int
    had_mock: bool  # a review that day came from a mock interview
    topics: list[Readiness]  # the bank's topic order

    def topic(self, name: str) -> Readiness:
        return next(t for t in self.topics if t.topic == name)


class HeatDay(BaseModel):
    day: date
    reviews: int = 0
    lapses: int = 0
    mock: bool = False
    level: int = 0  # 0: no review; 1 to LEVELS by share of the busiest day

    @property
    def label(self) -> str:
        """What a cell says on hover: "2026-12-01: 14 reviews, 3 lapses"."""
        text = f"{self.day.isoformat()}: {count(self.reviews, 'review')}, {count(self.lapses, 'lapse')}"
        return f"{text}, mock interview" if self.mock else text


class HeatWeek(BaseModel):
    start: date  # a Monday
    days: list[HeatDay]  # Monday first; the current week stops at today


class Heatmap(BaseModel):
    """Reviews per day over the last weeks: weeks as columns, weekdays as rows (Monday first)."""

    today: date
    weeks: list[HeatWeek]
    busiest: int  # the most reviews on one day of the window

    @property
    def days(self) -> list[HeatDay]:
        return [day for week in self.weeks for day in week.days]

    def month_labels(self) -> list[str]:
        """A month's short name over the week its first day falls in ("" elsewhere); the first week is named too
        when no month starts in the two weeks after it, so two names never run into each other."""
        firsts = [
            next((f"{d:%b}" for i in range(7) if (d := week.start + timedelta(days=i)).day == 1), "")
            for week in self.weeks
        ]
        if firsts and not firsts[0] and not any(firsts[1:3]):
            firsts[0] = f"{self.weeks[0].start:%b}"
        return firsts


def readiness_by_day(bank: Bank, reviews: Iterable[ReviewRecord], *, days: int | None = None) -> list[DayReadiness]:
    """Each UTC day with reviews, oldest first, judged at its end from the reviews up to then.

    `days` keeps only the last that many days with reviews; earlier reviews still count for the cards.
    """
    questions = bank.questions_by_id()
    deck = Deck(bank, [])
    ordered = sorted(reviews, key=lambda r: when(r.reviewed_at))
    grouped = [(day, list(group)) for day, group in groupby(ordered, key=lambda r: when(r.reviewed_at).date())]
    first_kept = 0 if days is None else max(0, len(grouped) - days)
    result = []
    for index, (day, todays) in enumerate(grouped):
        for review in todays:
            if review.question_id in questions and review.facet in FACETS:
                key = Key(review.question_id, review.facet)  # type: ignore[arg-type]
                deck.reviews.setdefault(key, []).append(review)
                deck.cards[key] = step(deck.cards[key], review, questions[review.question_id])
        if index < first_kept:
            continue
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        result.append(
            DayReadiness(
                day=day,
                reviews=len(todays),
                had_mock=any(r.source == "mock" for r in todays),
                topics=topic_readiness(deck, end),
            )
        )
    return result


def is_lapse(review: ReviewRecord) -> bool:
    """Rated Again; a review from before ratings were stored is a lapse by its score (rubric under half, or a
    wrong prediction)."""
    if review.rating is not None:
        return review.rating == Rating.Again
    if review.facet == "explain":
        return review.score < AGAIN_BELOW
    return review.facet == "predict" and review.score < 1.0


def review_heatmap(reviews: Sequence[ReviewRecord], today: date, weeks: int = 12) -> Heatmap:
    """Reviews and lapses per day for the `weeks` weeks ending with today's (the current week so far)."""
    start = today - timedelta(days=today.weekday() + 7 * (weeks - 1))
    cells = {start + timedelta(days=i): HeatDay(day=start + timedelta(days=i)) for i in range((today - start).days + 1)}
    for review in reviews:
        cell = cells.get(when(review.reviewed_at).date())
        if cell is None:
            continue
        cell.reviews += 1
        cell.lapses += is_lapse(review)
        cell.mock = cell.mock or review.source == "mock"
    busiest = max((cell.reviews for cell in cells.values()), default=0)
    for cell in cells.values():
        cell.level = -(-LEVELS * cell.reviews // busiest) if cell.reviews else 0  # ceiling: one review still shows
    ordered = list(cells.values())
    return Heatmap(
        today=today,
        weeks=[HeatWeek(start=ordered[i].day, days=ordered[i : i + 7]) for i in range(0, len(ordered), 7)],
        busiest=busiest,
    )
