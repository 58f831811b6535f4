"""A mock interview, headless: which questions, how the time is shared, when to go deeper, what a hint says.

An interviewer has a fixed slot and a list of things to probe. The plan picks questions across
topics, most due and weakest first; the clock gives each question an equal share of the slot and
says when the share is nearly used (amber) or used (red); follow-ups go on while the share lasts,
as an interviewer keeps digging while there is time. Nothing here draws or stores anything: the
mock screen reads it and saves through `quizapp.practice`.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel

from quizapp.models import Question, RubricItem
from quizapp.schedule.deck import Deck, Key, when
from quizapp.schedule.grades import FACETS, HINT_COST, after_hints

LENGTHS = (30, 45)
#: About what one question with its follow-ups takes in a real interview.
MINUTES_PER_QUESTION = 6
#: Share of a question's time after which its timer turns amber; at 1 it turns red.
AMBER_AT = 0.75
MAX_HINTS = 2
#: Priority of a card due now, over one that is merely weak: the schedule asked for it today.
DUE_WEIGHT = 2.0
#: How weak a question never answered counts: unknown, so halfway.
UNSEEN_WEAKNESS = 0.5
#: A question answered this recently is left out of a mock: an interview that repeats the last hour tests memory.
RECENT_HOURS = 12

Pace = Literal["ok", "amber", "red"]


class MockPlan(BaseModel):
    minutes: int
    question_ids: list[str]

    @property
    def seconds_per_question(self) -> float:
        return self.minutes * 60 / len(self.question_ids)


def question_count(minutes: int) -> int:
    return max(1, minutes // MINUTES_PER_QUESTION)


def priority(deck: Deck, question: Question, now: datetime) -> float:
    """Due cards first (more so the longer overdue, up to a week), then weakness: 1 less the latest scores."""
    due = 0.0
    latest: list[float] = []
    for facet in FACETS:
        key = Key(question.id, facet)
        due_at = deck.due_at(key)
        if due_at is not None and due_at <= now:
            overdue_days = (now - due_at).total_seconds() / 86400
            due = max(due, 1.0 + min(overdue_days, 7.0) / 7.0)
        if reviews := deck.reviews.get(key):
            last = max(reviews, key=lambda r: r.reviewed_at)
            latest.append(after_hints(last.score, last.hints))
    weakness = 1.0 - sum(latest) / len(latest) if latest else UNSEEN_WEAKNESS
    return DUE_WEIGHT * due + weakness


def plan_mock(deck: Deck, now: datetime, minutes: int, seed: int | None = None) -> MockPlan:
    """Questions for a slot of `minutes`, one topic at a time: every topic's most pressing question comes
    before any topic's second, topics in order of their most pressing one. Questions answered in the last
    RECENT_HOURS are left out while enough others remain. Ties break at random, so two first mocks are
    not the same interview."""
    if minutes < MINUTES_PER_QUESTION:
        raise ValueError(f"a mock interview needs at least {MINUTES_PER_QUESTION} minutes, not {minutes}")
    rng = random.Random(seed)
    wanted = question_count(minutes)
    recent = {
        key.question_id
        for key, reviews in deck.reviews.items()
        if any(now - when(r.reviewed_at) < timedelta(hours=RECENT_HOURS) for r in reviews)
    }
    pool = [q for q in deck.bank.questions if q.id not in recent]
    if len(pool) < wanted:  # a small bank studied hard today: repeat rather than come up short
        pool = list(deck.bank.questions)
    ranked: dict[str, list[tuple[float, float, Question]]] = {}
    for question in pool:
        ranked.setdefault(question.topic, []).append((priority(deck, question, now), rng.random(), question))
    queues = [sorted(items, key=lambda t: (-t[0], t[1])) for items in ranked.values()]
    queues.sort(key=lambda queue: (-queue[0][0], queue[0][1]))
    picked: list[str] = []
    for depth in range(max(len(queue) for queue in queues)):
        for queue in queues:
            if depth < len(queue) and len(picked) < wanted:
                picked.append(queue[depth][2].id)
    return MockPlan(minutes=minutes, question_ids=picked)


def pace(elapsed: float, budget: float) -> Pace:
    if elapsed >= budget:
        return "red"
    return "amber" if elapsed >= AMBER_AT * budget else "ok"


def clock_text(seconds: float) -> str:
    """m:ss, or -m:ss past zero."""
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def _names_the_outcome(question: Question, item: RubricItem) -> bool:
    """Whether an item's criterion states what the learner is about to predict: a choice, yes or no, a number
    the choices hold, or (for a number to predict) any number at all."""
    prediction = question.prediction
    text = item.criterion.lower()
    if prediction.kind == "number":
        return bool(re.search(r"\d", text))
    names = prediction.choices if prediction.kind == "choice" and prediction.choices else ["yes", "no"]
    numbers = {n for name in names for n in re.findall(r"\d+(?:\.\d+)?", name)}
    words = [re.escape(name.lower()) for name in names] + [re.escape(n) for n in numbers]
    return any(re.search(rf"(?<![\w.]){word}(?![\w.])", text) for word in words)


def hints(question: Question) -> list[str]:
    """What a hint may say, heaviest first: the rubric items that do not give the prediction away."""
    usable = [item for item in question.rubric if not _names_the_outcome(question, item)]
    return [item.criterion for item in sorted(usable, key=lambda item: -item.weight)][:MAX_HINTS]


def hint(question: Question, taken: int) -> str | None:
    """The next hint (None when no hint is left)."""
    available = hints(question)
    return available[taken] if taken < len(available) else None


def hint_cost_text() -> str:
    return f"-{HINT_COST:.0%} of the rubric"


def monotonic() -> float:
    """The clock a mock runs on (tests move it by replacing this function)."""
    return time.monotonic()


class MockClock:
    """The slot and the current question's share of it."""

    def __init__(self, plan: MockPlan, now: Callable[[], float] | None = None, used: float = 0.0) -> None:
        self.plan = plan
        self._now = now or monotonic
        self.started = self._now() - used
        self.question_started = self._now()

    @property
    def budget(self) -> float:
        return self.plan.seconds_per_question

    def left(self) -> float:
        return self.plan.minutes * 60 - (self._now() - self.started)

    def next_question(self) -> None:
        self.question_started = self._now()

    def question_elapsed(self) -> float:
        return self._now() - self.question_started

    def pace(self) -> Pace:
        return "red" if self.left() <= 0 else pace(self.question_elapsed(), self.budget)

    def go_deeper(self, asked: int, available: int) -> bool:
        """Ask another follow-up? While there is one, and this question's share and the slot both last."""
        return asked < available and self.question_elapsed() < self.budget and self.left() > 0
