"""What the progress report over every session says: readiness first, then trends by topic, calibration, and
what to revisit."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.progress import CalibrationRow, SessionSummary, TopicProgress, calibration, session_summary, topic_progress
from quizapp.report.charts import Chart, Line, make_chart
from quizapp.report.readiness_content import ReadinessPart, readiness_part
from quizapp.store import AttemptRecord, SessionRecord, Store

MAX_REVISIT = 10
#: A question is done with once its latest attempt scored this well and predicted right.
GOOD_SCORE = 0.8
#: Extra weight for a wrong prediction made with confidence: the beliefs most worth fixing.
CONFIDENT_MISS = {"certain": 0.5, "fairly sure": 0.25}


class Revisit(BaseModel):
    question_id: str
    topic: str
    reasons: list[str]
    last_seen: datetime
    priority: float


class ProgressReport(BaseModel):
    generated: datetime
    readiness: ReadinessPart
    sessions: list[SessionSummary]  # oldest first
    topics: list[TopicProgress]
    calibration: list[CalibrationRow]
    score_chart: Chart | None
    accuracy_chart: Chart | None
    revisit: list[Revisit]


def progress_report(store: Store, bank: Bank, now: datetime | None = None) -> ProgressReport:
    """The report as of `now` (default: the present), which is when readiness is judged."""
    now = now or datetime.now(UTC)
    records = list(reversed(store.sessions()))
    summaries = [session_summary(r, bank) for r in records]
    attempts = [a for r in records for a in r.attempts]
    return ProgressReport(
        generated=now,
        readiness=readiness_part(bank, store.reviews(), now),
        sessions=summaries,
        topics=[t for t in topic_progress(records, bank) if t.seen],
        calibration=calibration(attempts),
        score_chart=_trend(records, summaries, "average rubric score", score=True),
        accuracy_chart=_trend(records, summaries, "predictions right", score=False),
        revisit=_revisit(attempts, bank),
    )


def _trend(records: list[SessionRecord], summaries: list[SessionSummary], title: str, *, score: bool) -> Chart | None:
    """One line per topic across sessions, a point wherever that topic was practised."""
    lines: dict[str, Line] = {}
    for index, summary in enumerate(summaries):
        for topic in summary.topics:
            if score:
                value = topic.average_score
            else:
                value = topic.predictions_right / topic.predictions if topic.predictions else None
            if value is None:
                continue
            line = lines.setdefault(topic.topic, Line(label=topic.topic, x=[], y=[]))
            line.x.append(float(index))
            line.y.append(value)
    if not lines:
        return None
    names = [f"#{r.id} {r.started_at[5:10]}" for r in records]
    return make_chart(title, "session", title, list(lines.values()), percent=True, x_names=names)


def _revisit(attempts: list[AttemptRecord], bank: Bank) -> list[Revisit]:
    """The latest attempt at each question, ranked: confident wrong predictions and weak answers first."""
    latest: dict[str, AttemptRecord] = {}
    for attempt in sorted(attempts, key=lambda a: a.started_at):
        if attempt.score is not None or attempt.verdict:
            latest[attempt.question_id] = attempt
    ranked = []
    for question_id, attempt in latest.items():
        try:
            topic = bank.get(question_id).topic
        except KeyError:
            continue
        reasons, priority = [], 0.0
        if attempt.correct is False:
            said = f" (you were {attempt.confidence})" if attempt.confidence else ""
            reasons.append(f"prediction wrong{said}")
            priority += 1.0 + CONFIDENT_MISS.get(attempt.confidence or "", 0.0)
        if attempt.score is None:
            reasons.append("answer not graded")
            priority += 0.5
        elif attempt.score < GOOD_SCORE:
            reasons.append(f"rubric score {attempt.score:.0%}")
            priority += 1.0 - attempt.score
        if reasons:
            ranked.append(
                Revisit(
                    question_id=question_id,
                    topic=topic,
                    reasons=reasons,
                    last_seen=datetime.fromisoformat(attempt.started_at),
                    priority=priority,
                )
            )
    ranked.sort(key=lambda r: (-r.priority, r.question_id))
    return ranked[:MAX_REVISIT]
