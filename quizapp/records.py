"""What the store hands back: sessions, attempts and reviews as pydantic models, the app's boundary."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import BaseModel


class FollowUpAnswer(BaseModel):
    """A follow-up an interviewer asked (its index among the question's follow-ups) and what the learner said."""

    position: int
    asked_at: str
    answer: str
    answered_at: str | None


class AttemptRecord(BaseModel):
    id: int
    session_id: int
    position: int
    question_id: str
    started_at: str
    prediction: str | float | bool | None
    prediction_locked_at: str | None
    confidence: str | None = None  # one of CONFIDENCE_LEVELS, or None when the learner did not say
    result: str | None  # SimResult JSON
    run_status: str | None  # "finished", "cancelled", "failed"
    verdict: str | None  # Verdict JSON
    answer: str  # the graded answer: what was written before the first run started
    answer_saved_at: str | None
    answer_locked_at: str | None = None  # when the first run started; later edits go to revised_answer
    revised_answer: str | None = None  # written after the run had shown something; kept, never graded
    ticks: list[str] | None
    score: float | None
    finished_at: str | None
    hints: int = 0  # hints taken in a mock interview, each costing points
    follow_ups: list[FollowUpAnswer] = []  # the follow-ups asked in a mock interview, in order

    @property
    def correct(self) -> bool | None:
        """Whether the locked prediction matched the run; None when no finished run decided it."""
        return json.loads(self.verdict).get("correct") if self.verdict else None


def first_unfinished(questions: int, attempts: Sequence[AttemptRecord | AttemptOverview]) -> int:
    """The position of the first question without a finished attempt (`questions` when all are finished)."""
    done = {a.position for a in attempts if a.finished_at}
    return next((i for i in range(questions) if i not in done), questions)


class SessionRecord(BaseModel):
    id: int
    started_at: str
    finished_at: str | None
    title: str
    question_ids: list[str]
    kind: str = "practice"  # one of SESSION_KINDS
    minutes: int | None = None  # a mock interview's length
    attempts: list[AttemptRecord] = []

    @property
    def next_position(self) -> int:
        """The first question not finished yet (len(question_ids) when all are)."""
        return first_unfinished(len(self.question_ids), self.attempts)


class AttemptOverview(BaseModel):
    """An attempt without its answer text, rubric ticks or run result: light enough to list them all."""

    id: int
    session_id: int
    position: int
    question_id: str
    started_at: str
    prediction_locked_at: str | None
    confidence: str | None
    run_status: str | None
    correct: bool | None  # the verdict's `correct`: None when no finished run decided the prediction
    score: float | None
    answer_saved_at: str | None
    finished_at: str | None
    hints: int = 0


class ReviewRecord(BaseModel):
    """One review of one card: what happened (the raw score), and the rating it was given at the time
    (None for reviews carried over from sessions before scheduling existed)."""

    question_id: str
    facet: str  # "explain" or "predict"
    reviewed_at: str
    score: float  # rubric share for explain; 1 or 0 for predict
    ticks: list[str] | None = None
    duration_s: float | None = None
    hints: int = 0
    rating: int | None = None
    mapping: int | None = None
    source: str = "practice"  # practice, mock or upgrade
    content_hash: str | None = None  # the question's text when reviewed (None: carried over by the upgrade)


class SessionOverview(BaseModel):
    """A session as lists and progress tables need it (see `Store.session_overviews`)."""

    id: int
    started_at: str
    finished_at: str | None
    title: str
    question_ids: list[str]
    attempts: list[AttemptOverview] = []
    kind: str = "practice"
    minutes: int | None = None

    @property
    def next_position(self) -> int:
        """The first question not finished yet (len(question_ids) when all are)."""
        return first_unfinished(len(self.question_ids), self.attempts)
