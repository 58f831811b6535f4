"""What a learner has done so far, per topic, read from the stored sessions."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.schedule.grades import after_hints
from quizapp.store import CONFIDENCE_LEVELS, AttemptOverview, AttemptRecord, SessionOverview, SessionRecord

NOT_SAID = "not said"
#: A stored session with its run results (a report) or without them (the app's lists): progress reads
#: only scores, verdicts and times, which both carry.
Session = SessionRecord | SessionOverview
Attempt = AttemptRecord | AttemptOverview


def scored(attempt: Attempt) -> float | None:
    """The rubric score as every screen and report shows it: less what the hints taken cost (mock interviews)."""
    return None if attempt.score is None else after_hints(attempt.score, attempt.hints)


def answered(attempt: Attempt) -> bool:
    """Finished with something to show: a question passed over in a mock interview is not answered."""
    return bool(attempt.finished_at) and (attempt.prediction_locked_at is not None or attempt.score is not None)


class TopicProgress(BaseModel):
    topic: str
    questions: int
    seen: int = 0
    average_score: float | None = None
    predictions: int = 0
    predictions_right: int = 0


def topic_progress(records: Sequence[Session], bank: Bank) -> list[TopicProgress]:
    topics = {topic: TopicProgress(topic=topic, questions=len(qs)) for topic, qs in bank.by_topic().items()}
    seen: dict[str, set[str]] = {topic: set() for topic in topics}
    scores: dict[str, list[float]] = {topic: [] for topic in topics}
    for session in records:
        for attempt in session.attempts:
            try:
                topic = bank.get(attempt.question_id).topic
            except KeyError:  # a question since removed from the bank
                continue
            if attempt.prediction_locked_at or attempt.answer_saved_at or attempt.score is not None:
                seen[topic].add(attempt.question_id)  # shown and passed over in a mock is not seen
            if (score := scored(attempt)) is not None:
                scores[topic].append(score)
            if attempt.correct is not None:
                topics[topic].predictions += 1
                topics[topic].predictions_right += attempt.correct
    for topic, entry in topics.items():
        entry.seen = len(seen[topic])
        entry.average_score = statistics.fmean(scores[topic]) if scores[topic] else None
    return sorted(topics.values(), key=lambda t: t.topic)


class TopicScore(BaseModel):
    topic: str
    answered: int
    average_score: float | None
    predictions: int
    predictions_right: int


class SessionSummary(BaseModel):
    session_id: int
    title: str
    started: datetime
    questions: int
    answered: int
    average_score: float | None
    predictions: int
    predictions_right: int
    minutes: float
    finished: bool
    topics: list[TopicScore]


def _minutes(start: str, end: str | None) -> float:
    started = datetime.fromisoformat(start)
    ended = datetime.fromisoformat(end) if end else datetime.now(UTC)
    return max(0.0, (ended - started).total_seconds() / 60)


def session_summary(record: Session, bank: Bank) -> SessionSummary:
    """Score, predictions and time for one session, overall and by topic."""
    per_topic: dict[str, dict[str, list]] = {}
    last_activity = record.started_at
    for attempt in record.attempts:
        try:
            topic = bank.get(attempt.question_id).topic
        except KeyError:
            topic = "(removed)"
        entry = per_topic.setdefault(topic, {"scores": [], "verdicts": [], "answered": []})
        if (score := scored(attempt)) is not None:
            entry["scores"].append(score)
        if answered(attempt):
            entry["answered"].append(attempt.question_id)
        if attempt.correct is not None:
            entry["verdicts"].append(attempt.correct)
        for stamp in (attempt.answer_saved_at, attempt.finished_at, attempt.prediction_locked_at):
            if stamp and stamp > last_activity:
                last_activity = stamp
    topics = [
        TopicScore(
            topic=topic,
            answered=len(e["answered"]),
            average_score=statistics.fmean(e["scores"]) if e["scores"] else None,
            predictions=len(e["verdicts"]),
            predictions_right=sum(e["verdicts"]),
        )
        for topic, e in sorted(per_topic.items())
    ]
    scores = [score for a in record.attempts if (score := scored(a)) is not None]
    return SessionSummary(
        session_id=record.id,
        title=record.title,
        started=datetime.fromisoformat(record.started_at),
        questions=len(record.question_ids),
        answered=sum(t.answered for t in topics),
        average_score=statistics.fmean(scores) if scores else None,
        predictions=sum(t.predictions for t in topics),
        predictions_right=sum(t.predictions_right for t in topics),
        minutes=_minutes(record.started_at, record.finished_at or last_activity),
        finished=record.finished_at is not None,
        topics=topics,
    )


class CalibrationRow(BaseModel):
    """How often predictions made at one stated confidence were right."""

    confidence: str  # a level from CONFIDENCE_LEVELS, or "not said"
    predictions: int
    right: int

    @property
    def rate(self) -> float | None:
        return self.right / self.predictions if self.predictions else None


def calibration(attempts: Sequence[Attempt]) -> list[CalibrationRow]:
    """Decided predictions grouped by the confidence said when locking, least sure first.

    A learner is well calibrated when the right-rate climbs with the stated confidence.
    Levels nobody used are left out; "not said" collects predictions locked without one.
    """
    counts: dict[str, list[bool]] = {}
    for attempt in attempts:
        if attempt.correct is not None:
            counts.setdefault(attempt.confidence or NOT_SAID, []).append(attempt.correct)
    order = [*CONFIDENCE_LEVELS, NOT_SAID]
    return [
        CalibrationRow(confidence=level, predictions=len(counts[level]), right=sum(counts[level]))
        for level in order
        if level in counts
    ]
