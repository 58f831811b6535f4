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


class Practice:
    def __init__(self, store: Store, bank: Bank, record: SessionRecord) -> None:
        self.store = store
        self.bank = bank
        self.record = record
        self.position = record.next_position
        self._attempt_ids: dict[int, int] = {}

    @classmethod
    def start(cls, store: Store, bank: Bank, title: str, questions: list[Question]) -> Practice:
        session_id = store.start_session(title, [q.id for q in questions])
        return cls(store, bank, store.session(session_id))

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
        verdict = None
        if result is not None and given is not None:
            prediction = self.question.prediction
            outcome = result.observable(prediction.observable, prediction.variant)
            verdict = check_prediction(prediction, given, outcome, len(result.seeds))
        self.store.save_run(
            self.attempt_id,
            status,
            result.model_dump_json() if result is not None else None,
            verdict.model_dump_json() if verdict is not None else None,
        )
        if verdict is not None and verdict.correct is not None:  # the predict card is reviewed by the run
            score = 1.0 if verdict.correct else 0.0
            rating = rating_for("predict", score)
            self.store.save_review(
                self.attempt_id,
                "predict",
                score,
                rating=rating,
                mapping=MAPPING_VERSION,
                content_hash=content_hash(self.question),
            )
        return verdict

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
        rating = rating_for("explain", score, ticked=ticked, rubric=self.question.rubric, seconds=seconds)
        self.store.save_review(
            self.attempt_id,
            "explain",
            score,
            rating=rating,
            mapping=MAPPING_VERSION,
            ticks=ticked,
            duration_s=seconds,
            content_hash=content_hash(self.question),
        )
        return score

    def next(self) -> bool:
        """Finish the current question; True when there is another one."""
        self.store.finish_attempt(self.attempt_id)
        self.position += 1
        if self.finished:
            self.store.finish_session(self.record.id)
        return not self.finished
