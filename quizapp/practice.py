"""One practice session: which question is current, and saving each step as it happens.

Headless on purpose: the screens call these methods and render what they return, and
the tests drive the same object without a terminal.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

from quizapp.bank import Bank
from quizapp.grading import PredictionValue, Verdict, check_prediction, rubric_score
from quizapp.models import Question
from quizapp.schedule.grades import MAPPING_VERSION, content_hash, rating_for
from quizapp.store import AttemptRecord, SessionOverview, SessionRecord, Store
from sims.result import SimResult


def pick_questions(
    bank: Bank,
    topic: str | None,
    count: int,
    seed: int | None = None,
    practised: Mapping[str, str] | None = None,
) -> list[Question]:
    """Up to `count` questions of a topic (in bank order) or, with no topic, a shuffled mix.

    Questions never practised come first, then those practised longest ago (`practised` maps a
    question id to when it was last finished), so repeated sessions work through the whole topic
    instead of serving its first five again.
    """
    if topic is not None:
        pool = bank.by_topic().get(topic)
        if not pool:
            known = ", ".join(sorted(bank.by_topic()))
            raise ValueError(f"unknown topic {topic!r}; topics: {known}")
        pool = list(pool)
    else:
        pool = list(bank.questions)
        random.Random(seed).shuffle(pool)
    last = practised or {}
    pool.sort(key=lambda q: (q.id in last, last.get(q.id, "")))  # stable: bank order (or the shuffle) within
    return pool[:count]


def last_practised(sessions: Iterable[SessionOverview | SessionRecord]) -> dict[str, str]:
    """When each question was last finished, from the stored sessions."""
    last: dict[str, str] = {}
    for session in sessions:
        for attempt in session.attempts:
            if attempt.finished_at and attempt.finished_at > last.get(attempt.question_id, ""):
                last[attempt.question_id] = attempt.finished_at
    return last


def save_run(
    store: Store,
    attempt_id: int,
    question: Question,
    status: str,
    result: SimResult | None,
    given: PredictionValue | None,
    *,
    source: str = "practice",
) -> Verdict | None:
    """Save a run (finished, cancelled or failed) and, when it finished, its verdict, which reviews the
    question's predict card. Shared by practice and by a mock interview's runs in the background."""
    verdict = None
    if result is not None and given is not None:
        prediction = question.prediction
        outcome = result.observable(prediction.observable, prediction.variant)
        verdict = check_prediction(prediction, given, outcome, len(result.seeds))
    store.save_run(
        attempt_id,
        status,
        result.model_dump_json() if result is not None else None,
        verdict.model_dump_json() if verdict is not None else None,
    )
    if verdict is not None and verdict.correct is not None:
        score = 1.0 if verdict.correct else 0.0
        store.save_review(
            attempt_id,
            "predict",
            score,
            rating=rating_for("predict", score),
            mapping=MAPPING_VERSION,
            source=source,
            content_hash=content_hash(question),
        )
    return verdict


class Practice:
    """A session, practice or mock interview: the mock's reviews are marked as such for the schedule."""

    def __init__(self, store: Store, bank: Bank, record: SessionRecord) -> None:
        self.store = store
        self.bank = bank
        self.record = record
        self.position = record.next_position
        self._attempt_ids: dict[int, int] = {}

    @classmethod
    def start(
        cls,
        store: Store,
        bank: Bank,
        title: str,
        questions: list[Question],
        *,
        kind: str = "practice",
        minutes: int | None = None,
    ) -> Practice:
        session_id = store.start_session(title, [q.id for q in questions], kind=kind, minutes=minutes)
        return cls(store, bank, store.session(session_id))

    @property
    def source(self) -> str:
        """What the schedule records as the reviews' origin."""
        return "mock" if self.record.kind == "mock" else "practice"

    @classmethod
    def resume(cls, store: Store, bank: Bank, session_id: int) -> Practice:
        return cls(store, bank, store.session(session_id))

    @property
    def finished(self) -> bool:
        return self.position >= len(self.record.question_ids)

    @property
    def question(self) -> Question:
        return self.bank.get(self.record.question_ids[self.position])

    @property
    def attempt_id(self) -> int:
        """The current question's attempt, created (and committed) the first time it is needed."""
        if self.position not in self._attempt_ids:
            self._attempt_ids[self.position] = self.store.start_attempt(self.record.id, self.position, self.question.id)
        return self._attempt_ids[self.position]

    def saved(self) -> SessionRecord:
        self.record = self.store.session(self.record.id)
        return self.record

    def current_attempt(self) -> AttemptRecord | None:
        attempt_id = self.attempt_id
        return next((a for a in self.saved().attempts if a.id == attempt_id), None)

    def lock(self, value: PredictionValue, confidence: str | None = None) -> None:
        self.store.lock_prediction(self.attempt_id, value, confidence)

    def record_run(self, status: str, result: SimResult | None, given: PredictionValue | None) -> Verdict | None:
        """Save the run (finished, cancelled or failed) and, when it finished, the verdict."""
        return save_run(self.store, self.attempt_id, self.question, status, result, given, source=self.source)

    def save_answer(self, text: str) -> None:
        """Saved as the graded answer until the first run starts, as the revision after it."""
        self.store.save_answer(self.attempt_id, text)

    def lock_answer(self, text: str) -> None:
        """The answer as it stands when the run starts is the one graded; later edits are a revision."""
        self.store.save_answer(self.attempt_id, text)
        self.store.lock_answer(self.attempt_id)

    def grade(self, ticked: list[str]) -> float:
        """Score the rubric, and review the explain card with it (time to answer: from the question's
        start until the answer was locked by the run)."""
        score = rubric_score(self.question.rubric, ticked)
        self.store.save_ticks(self.attempt_id, ticked, score)
        seconds = self.store.answer_seconds(self.attempt_id)
        hints = self.store.hints(self.attempt_id)
        rating = rating_for("explain", score, ticked=ticked, rubric=self.question.rubric, seconds=seconds, hints=hints)
        self.store.save_review(
            self.attempt_id,
            "explain",
            score,
            rating=rating,
            mapping=MAPPING_VERSION,
            ticks=ticked,
            duration_s=seconds,
            hints=hints,
            source=self.source,
            content_hash=content_hash(self.question),
        )
        return score

    def seek(self, position: int) -> None:
        """Make another question of the session current (a mock's debrief grades them in any order)."""
        if not 0 <= position < len(self.record.question_ids):
            raise IndexError(f"session {self.record.id} has no question {position + 1}")
        self.position = position

    # -- a mock interview's extras ------------------------------------------------------------------
    def take_hint(self) -> int:
        return self.store.take_hint(self.attempt_id)

    def ask_follow_up(self, index: int) -> None:
        self.store.ask_follow_up(self.attempt_id, index)

    def save_follow_up_answer(self, index: int, text: str) -> None:
        self.store.save_follow_up_answer(self.attempt_id, index, text)

    def finish_question(self) -> None:
        """A mock moves on without finishing the session: its end is the clock's, not the list's."""
        self.store.finish_attempt(self.attempt_id)
        self.position += 1

    def end(self) -> None:
        """The interview is over: the question it stopped at is finished with it (nothing is discarded)."""
        for attempt in self.saved().attempts:
            if attempt.finished_at is None:
                said = [attempt.answer_saved_at, attempt.answer_locked_at, *(f.answered_at for f in attempt.follow_ups)]
                self.store.finish_attempt(attempt.id, max((s for s in said if s), default=attempt.started_at))
        self.store.finish_session(self.record.id)

    def next(self) -> bool:
        """Finish the current question; True when there is another one."""
        self.store.finish_attempt(self.attempt_id)
        self.position += 1
        if self.finished:
            self.store.finish_session(self.record.id)
        return not self.finished
