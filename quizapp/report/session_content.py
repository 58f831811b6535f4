"""What a session report says, gathered from the stored session and the bank.

Both formats render the same `SessionReport`, so Markdown and HTML never disagree about
a score or a verdict. Every state a question can be left in gets a sentence of its own.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.formatting import key_metrics, shown
from quizapp.grading import Verdict
from quizapp.models import FollowUp, Question
from quizapp.progress import CalibrationRow, SessionSummary, calibration, scored, session_summary
from quizapp.report.charts import Chart, question_chart
from quizapp.store import AttemptRecord, SessionRecord
from sims.result import SimResult

MAX_METRIC_COLUMNS = 5


class RubricLine(BaseModel):
    criterion: str
    weight: float
    ticked: bool


class MetricTable(BaseModel):
    columns: list[str]
    rows: list[list[str]]


class Outcome(BaseModel):
    """The prediction beside what the run decided; `state` says why parts may be missing."""

    state: str  # one sentence: right, wrong, undecided, cancelled, failed, not run, no prediction
    correct: bool | None = None
    given: str | None = None
    confidence: str | None = None
    observed: str | None = None
    agreeing: int | None = None
    seeds: int | None = None
    device: str | None = None
    wall_seconds: float | None = None
    diverged: list[str] = []
    metrics: MetricTable | None = None
    chart: Chart | None = None


class QuestionReport(BaseModel):
    number: int
    question_id: str
    known: bool  # False when the question has since left the bank
    topic: str
    difficulty: str
    prompt: str
    prediction_prompt: str
    reached: bool
    finished: bool
    outcome: Outcome
    answer: str  # graded: as written before the run
    revised_answer: str  # written after the run had shown something; kept, not graded ("" when none)
    rubric: list[RubricLine]
    score: float | None  # less what the hints cost
    hints: int
    model_answer: str
    follow_ups: list[FollowUp]
    said: dict[int, str]  # a mock interview's follow-ups asked: index -> what the learner answered
    explanation: str
    pitfall: str


class SessionReport(BaseModel):
    session_id: int
    title: str
    started: datetime
    finished: bool
    devices: list[str]
    summary: SessionSummary
    calibration: list[CalibrationRow]
    questions: list[QuestionReport]


def session_report(record: SessionRecord, bank: Bank) -> SessionReport:
    attempts = {a.position: a for a in record.attempts}
    questions = [
        _question(position, question_id, attempts.get(position), bank)
        for position, question_id in enumerate(record.question_ids)
    ]
    devices = sorted({q.outcome.device for q in questions if q.outcome.device})
    return SessionReport(
        session_id=record.id,
        title=record.title,
        started=datetime.fromisoformat(record.started_at),
        finished=record.finished_at is not None,
        devices=devices,
        summary=session_summary(record, bank),
        calibration=calibration(record.attempts),
        questions=questions,
    )


def _question(position: int, question_id: str, attempt: AttemptRecord | None, bank: Bank) -> QuestionReport:
    try:
        question: Question | None = bank.get(question_id)
    except KeyError:
        question = None
    ticked = set(attempt.ticks or []) if attempt else set()
    return QuestionReport(
        number=position + 1,
        question_id=question_id,
        known=question is not None,
        topic=question.topic if question else "(removed)",
        difficulty=question.difficulty if question else "-",
        prompt=question.prompt.strip() if question else "This question is no longer in the question bank.",
        prediction_prompt=question.prediction.prompt if question else "",
        reached=attempt is not None,
        finished=bool(attempt and attempt.finished_at),
        outcome=_outcome(question, attempt),
        answer=attempt.answer.strip() if attempt else "",
        revised_answer=_revision(attempt),
        rubric=[
            RubricLine(criterion=item.criterion, weight=item.weight, ticked=item.id in ticked)
            for item in (question.rubric if question else [])
        ],
        score=scored(attempt) if attempt else None,
        hints=attempt.hints if attempt else 0,
        model_answer=question.model_answer.strip() if question else "",
        follow_ups=question.follow_ups if question else [],
        said={f.position: f.answer.strip() for f in attempt.follow_ups} if attempt else {},
        explanation=question.explanation.strip() if question else "",
        pitfall=question.pitfall if question else "",
    )


def _outcome(question: Question | None, attempt: AttemptRecord | None) -> Outcome:
    if attempt is None:
        return Outcome(state="Not reached in this session.")
    unit = question.prediction.unit if question else None
    given = shown(attempt.prediction, unit) if attempt.prediction_locked_at else None
    base = {"given": given, "confidence": attempt.confidence}
    if attempt.prediction_locked_at is None:
        return Outcome(state="No prediction was committed.", **base)
    if attempt.run_status == "cancelled":
        return Outcome(state="The run was cancelled before it finished; nothing was decided.", **base)
    if attempt.run_status == "failed":
        return Outcome(state="The simulation failed, so the prediction was not checked.", **base)
    if attempt.run_status is None or attempt.result is None:
        return Outcome(state="The simulation was not run.", **base)
    result = SimResult.model_validate_json(attempt.result)
    verdict = Verdict.model_validate_json(attempt.verdict) if attempt.verdict else None
    diverged = _diverged(result)
    if verdict is None or verdict.correct is None:
        state = "The run did not decide this outcome: every seed diverged or gave no value."
    else:
        state = "Right." if verdict.correct else "Wrong."
    return Outcome(
        state=state,
        correct=verdict.correct if verdict else None,
        observed=shown(verdict.observed, unit) if verdict else None,
        agreeing=verdict.agreeing if verdict else None,
        seeds=len(result.seeds),
        device=result.device,
        wall_seconds=result.wall_seconds,
        diverged=diverged,
        metrics=_metrics(result, question.prediction.observable if question else ""),
        chart=question_chart(question, result),
        **base,
    )


def _diverged(result: SimResult) -> list[str]:
    """One line per diverged variant: how many seeds, at which updates, and the first seed's reason."""
    lines = []
    for variant in result.variants:
        runs = [d for d in result.diverged if d.variant == variant]
        if not runs:
            continue
        steps = sorted({d.step for d in runs})
        at = f"update {steps[0]}" if len(steps) == 1 else f"updates {steps[0]} to {steps[-1]}"
        first = runs[0]
        lines.append(
            f"{variant}: {len(runs)} of {len(result.seeds)} seeds, at {at} (seed {first.seed}: {first.reason})"
        )
    return lines


def _revision(attempt: AttemptRecord | None) -> str:
    """The text edited after the run, when it differs from the graded answer."""
    if attempt is None or attempt.revised_answer is None:
        return ""
    revised = attempt.revised_answer.strip()
    return "" if revised == attempt.answer.strip() else revised


def _metrics(result: SimResult, focus: str) -> MetricTable | None:
    """The key numbers per variant, the predicted quantity's column first (as the app shows them)."""
    if not result.metrics:
        return None
    names = key_metrics(result, MAX_METRIC_COLUMNS, focus)
    has_diverged = any("diverged_runs" in row.values for row in result.metrics)
    columns = ["variant", *(name.replace("_", " ") for name in names), *(["diverged runs"] if has_diverged else [])]
    rows = [
        [
            row.variant,
            *(shown(row.values.get(name)) for name in names),
            *([shown(row.values.get("diverged_runs"))] if has_diverged else []),
        ]
        for row in result.metrics
    ]
    return MetricTable(columns=columns, rows=rows)
