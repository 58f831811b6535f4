"""What a mock interview's debrief says: per question and per topic, once everything is revealed.

Built from the stored session alone, so the debrief reads the same after a restart, and a run
that finishes in the background only changes a row from "running" to its verdict.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.formatting import shown
from quizapp.schedule.grades import after_hints
from quizapp.store import AttemptRecord, SessionRecord

Outcome = Literal["right", "wrong", "undecided", "running", "failed", "no prediction", "skipped", "not reached"]


class DebriefRow(BaseModel):
    position: int
    question_id: str
    topic: str
    predicted: str | None
    outcome: Outcome
    observed: str | None
    rubric: float | None  # the self-grade, None until graded
    hints: int
    score: float | None  # the rubric less what the hints cost
    seconds: float | None
    follow_ups_asked: int
    follow_ups_answered: int

    @property
    def reached(self) -> bool:
        return self.outcome != "not reached"

    @property
    def answered(self) -> bool:
        """Something was said: a prediction or an answer (a question passed over is shown as skipped)."""
        return self.outcome not in ("not reached", "skipped")


class TopicScore(BaseModel):
    topic: str
    questions: int
    predictions_right: int
    predictions: int
    rubric: float | None  # mean score after hints over the graded questions
    score: float | None  # the interview score: predictions and rubric, half each; None until every answer is graded


class Debrief(BaseModel):
    session_id: int
    minutes: int | None
    seconds_used: float | None
    rows: list[DebriefRow]
    topics: list[TopicScore]
    score: float | None  # the interview score, as per topic
    rubric: float | None  # the mean rubric score after hints, as the sessions list and reports show it
    predictions_right: int
    predictions: int
    answered: int
    skipped: int
    ungraded: int  # answered questions still to self-grade
    running: int  # runs still going in the background


def _seconds(start: str, end: str | None) -> float | None:
    return None if end is None else (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _row(position: int, question_id: str, topic: str, attempt: AttemptRecord | None, unit: str | None) -> DebriefRow:
    if attempt is None or (attempt.prediction_locked_at is None and not attempt.answer.strip()):
        outcome: Outcome = "not reached" if attempt is None else "skipped"
        return DebriefRow(
            position=position,
            question_id=question_id,
            topic=topic,
            predicted=None,
            outcome=outcome,
            observed=None,
            rubric=None,  # nothing said, nothing graded: every screen and report leaves it out of the averages
            hints=attempt.hints if attempt else 0,
            score=None,
            seconds=None if attempt is None else _seconds(attempt.started_at, attempt.finished_at),
            follow_ups_asked=0,
            follow_ups_answered=0,
        )
    verdict = json.loads(attempt.verdict) if attempt.verdict else None
    if attempt.prediction_locked_at is None:
        outcome = "no prediction"
    elif attempt.run_status == "failed":
        outcome = "failed"
    elif verdict is None:
        outcome = "running"
    elif verdict.get("correct") is None:
        outcome = "undecided"
    else:
        outcome = "right" if verdict["correct"] else "wrong"
    ended = attempt.finished_at or max(
        (f.answered_at for f in attempt.follow_ups if f.answered_at), default=attempt.answer_locked_at
    )
    return DebriefRow(
        position=position,
        question_id=question_id,
        topic=topic,
        predicted=None if attempt.prediction is None else shown(attempt.prediction, unit),
        outcome=outcome,
        observed=None if verdict is None else shown(verdict.get("observed"), unit),
        rubric=attempt.score,
        hints=attempt.hints,
        score=None if attempt.score is None else after_hints(attempt.score, attempt.hints),
        seconds=_seconds(attempt.started_at, ended),
        follow_ups_asked=len(attempt.follow_ups),
        follow_ups_answered=sum(1 for f in attempt.follow_ups if f.answer.strip()),
    )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _combined(rows: list[DebriefRow]) -> float | None:
    """Half for predicting right, half for the rubric after hints, over the parts already decided."""
    parts = [
        1.0 if r.outcome == "right" else 0.0
        for r in rows
        if r.outcome in ("right", "wrong", "no prediction", "skipped")
    ]
    rubric = [r.score for r in rows if r.score is not None]
    if not parts and not rubric:
        return None
    halves = [h for h in (_mean(parts), _mean(rubric)) if h is not None]
    return sum(halves) / len(halves)


def _last_activity(record: SessionRecord) -> str | None:
    """When the learner last did something: time spent away (the app closed mid-interview) is not time used."""
    stamps = [
        stamp
        for a in record.attempts
        for stamp in (a.finished_at, a.answer_saved_at, a.answer_locked_at, *(f.answered_at for f in a.follow_ups))
        if stamp
    ]
    return max(stamps, default=None)


def debrief(record: SessionRecord, bank: Bank) -> Debrief:
    attempts = {a.position: a for a in record.attempts}
    questions = bank.questions_by_id()
    rows = []
    for position, question_id in enumerate(record.question_ids):
        question = questions.get(question_id)
        topic = question.topic if question else "(not in the bank)"
        unit = question.prediction.unit if question else None
        rows.append(_row(position, question_id, topic, attempts.get(position), unit))
    reached = [r for r in rows if r.answered]
    topics = []
    for topic in dict.fromkeys(r.topic for r in reached):
        mine = [r for r in reached if r.topic == topic]
        decided = [r for r in mine if r.outcome in ("right", "wrong")]
        topics.append(
            TopicScore(
                topic=topic,
                questions=len(mine),
                predictions_right=sum(r.outcome == "right" for r in mine),
                predictions=len(decided),
                rubric=_mean([r.score for r in mine if r.score is not None]),
                score=None if any(r.rubric is None for r in mine) else _combined(mine),
            )
        )
    return Debrief(
        session_id=record.id,
        minutes=record.minutes,
        seconds_used=_seconds(record.started_at, _last_activity(record)),
        rows=rows,
        topics=topics,
        score=_combined(reached),
        rubric=_mean([r.score for r in reached if r.score is not None]),
        predictions_right=sum(r.outcome == "right" for r in reached),
        predictions=sum(r.outcome in ("right", "wrong") for r in reached),
        answered=len(reached),
        skipped=sum(r.outcome == "skipped" for r in rows),
        ungraded=sum(1 for r in reached if r.rubric is None),
        running=sum(1 for r in reached if r.outcome == "running"),
    )
