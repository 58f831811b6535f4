"""The learner's cards, rebuilt from their reviews with the `fsrs` package: what is due, and when.

Every card is replayed from its stored reviews through an FSRS `Scheduler` with the package's
default parameters, each review rated by today's mapping (`quizapp.schedule.grades`), so a
change of mapping changes every card at once and nothing else has to be migrated. Fuzzing is
off: with two cards per question a learner has a couple of hundred cards, too few for fuzz to
matter, and reproducible due dates can be checked against `fsrs` itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fsrs import Card, Rating, Scheduler

from quizapp.bank import Bank
from quizapp.models import Question
from quizapp.schedule.grades import FACETS, Facet, content_hash, rating_for
from quizapp.store import ReviewRecord

#: New cards a day, unless the learner says otherwise: enough to cover the bank in about a fortnight.
NEW_PER_DAY = 10
FORECAST_DAYS = 7
SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class Key:
    question_id: str
    facet: Facet


def when(stamp: str) -> datetime:
    """A stored ISO time as an aware UTC datetime (what `fsrs` requires)."""
    parsed = datetime.fromisoformat(stamp)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def step(card: Card | None, review: ReviewRecord, question: Question, scheduler: Scheduler = SCHEDULER) -> Card:
    """A card after one more review (None: its first), rated by the current mapping."""
    at = when(review.reviewed_at)
    rating = rating_for(
        review.facet,  # type: ignore[arg-type]
        review.score,
        ticked=review.ticks or (),
        rubric=question.rubric,
        seconds=review.duration_s,
        hints=review.hints,
    )
    # An explicit id: without one, fsrs sleeps a millisecond per new card to make its clock-based id unique.
    stepped, _ = scheduler.review_card(card or Card(card_id=0, due=at), Rating(rating), review_datetime=at)
    return stepped


def replay(reviews: Sequence[ReviewRecord], question: Question, scheduler: Scheduler = SCHEDULER) -> Card | None:
    """One card's state after its reviews (None for a card never reviewed)."""
    card = None
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        card = step(card, review, question, scheduler)
    return card


class Deck:
    """Two cards per question of the bank, and what the schedule says about them at a given time.

    `interview` is the day of the interview: a card whose next review would fall on it or after is
    brought forward to the day before, so nothing is left unreviewed going in. `new_per_day` caps
    the cards seen for the first time each day (one question per topic in turn).
    """

    def __init__(
        self,
        bank: Bank,
        reviews: Iterable[ReviewRecord],
        *,
        interview: date | None = None,
        new_per_day: int = NEW_PER_DAY,
    ) -> None:
        self.bank = bank
        self.interview = interview
        self.new_per_day = new_per_day
        by_key: dict[Key, list[ReviewRecord]] = {}
        known = bank.questions_by_id()
        for review in reviews:
            if review.question_id in known and review.facet in FACETS:
                by_key.setdefault(Key(review.question_id, review.facet), []).append(review)  # type: ignore[arg-type]
        self.reviews = by_key
        # New cards come a topic at a time, round the topics (a question's two cards together), so the
        # first days cover the subject instead of the first topic in the bank.
        rank = {q.id: i for questions in bank.by_topic().values() for i, q in enumerate(questions)}
        topics = {topic: i for i, topic in enumerate(bank.by_topic())}
        self._new_order = [
            Key(q.id, facet)
            for q in sorted(bank.questions, key=lambda q: (rank[q.id], topics[q.topic]))
            for facet in FACETS
        ]
        self.cards: dict[Key, Card | None] = {
            Key(q.id, facet): replay(by_key.get(Key(q.id, facet), []), q) for q in bank.questions for facet in FACETS
        }

    def due_at(self, key: Key) -> datetime | None:
        """When the card is next due (None: never reviewed), brought forward before the interview."""
        card = self.cards[key]
        if card is None:
            return None
        due = card.due
        if self.interview is not None:
            eve = datetime.combine(self.interview - timedelta(days=1), time(), tzinfo=UTC)
            if due >= eve and card.last_review is not None and card.last_review < eve:
                due = eve
        return due

    def new_today(self, now: datetime) -> list[Key]:
        """Cards never reviewed that may start today: up to the daily limit, less those started today."""
        started_today = sum(
            1 for reviews in self.reviews.values() if min(when(r.reviewed_at) for r in reviews).date() == now.date()
        )
        room = max(0, self.new_per_day - started_today)
        return [key for key in self._new_order if self.cards[key] is None][:room]

    def due(self, now: datetime) -> list[Key]:
        """Reviewed cards due by `now` (most overdue first), then today's new ones."""
        reviewed = [(due, key) for key in self.cards if (due := self.due_at(key)) is not None and due <= now]
        return [key for _, key in sorted(reviewed, key=lambda pair: pair[0])] + self.new_today(now)

    def due_questions(self, now: datetime) -> list[str]:
        """Questions with a card due, in the order their first due card comes."""
        return list(dict.fromkeys(key.question_id for key in self.due(now)))

    def due_by_topic(self, now: datetime) -> dict[str, int]:
        topic = {q.id: q.topic for q in self.bank.questions}
        return dict(Counter(topic[key.question_id] for key in self.due(now)))

    def forecast(self, now: datetime, days: int = FORECAST_DAYS) -> list[tuple[date, int]]:
        """Reviewed cards falling due on each of the next `days` days (today counts what is already due)."""
        counts = Counter(max(due, now).date() for key in self.cards if (due := self.due_at(key)) is not None)
        return [(now.date() + timedelta(days=i), counts.get(now.date() + timedelta(days=i), 0)) for i in range(days)]

    def changed(self) -> list[str]:
        """Questions whose graded text changed since they were last reviewed: their progress is kept, and said."""
        latest: dict[str, ReviewRecord] = {}
        for review in sorted((r for reviews in self.reviews.values() for r in reviews), key=lambda r: r.reviewed_at):
            latest[review.question_id] = review
        questions = self.bank.questions_by_id()
        return [
            q
            for q, last in latest.items()
            if last.content_hash is not None and last.content_hash != content_hash(questions[q])
        ]

    def retrievability(self, key: Key, now: datetime) -> float:
        """The chance FSRS gives of recalling the card now (0 for a card never reviewed)."""
        card = self.cards[key]
        return 0.0 if card is None else SCHEDULER.get_card_retrievability(card, now)
