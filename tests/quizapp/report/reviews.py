"""Reviews stored day by day through the real `Store`, with the store's clock moved: no simulation is run.

A test moves the clock with `Clock.install(monkeypatch)`, then studies: each call is one finished
session whose answers are graded and whose predictions are checked, as `Practice` would store them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

import quizapp.store
from quizapp.models import Question
from quizapp.schedule.grades import MAPPING_VERSION, rating_for
from quizapp.store import Store


class Clock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.now = start

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Clock:
        monkeypatch.setattr(quizapp.store, "now", lambda: self.now.isoformat(timespec="milliseconds"))
        return self

    def day(self, day: int, hour: int = 0) -> datetime:
        """Move to `day` days (and `hour` hours) after the start."""
        self.now = self.start + timedelta(days=day, hours=hour)
        return self.now


def study(
    store: Store,
    questions: list[Question],
    *,
    rubric: float = 1.0,
    right: bool | list[bool] = True,
    source: str = "practice",
) -> int:
    """One finished session: every answer scored `rubric` (required items ticked), each prediction right or not."""
    rights = right if isinstance(right, list) else [right] * len(questions)
    session = store.start_session(f"{source} {quizapp.store.now()[:10]}", [q.id for q in questions])
    for position, (question, correct) in enumerate(zip(questions, rights, strict=True)):
        attempt = store.start_attempt(session, position, question.id)
        ticks = [item.id for item in question.rubric]
        store.save_ticks(attempt, ticks, rubric)
        explain = rating_for("explain", rubric, ticked=ticks, rubric=question.rubric)
        store.save_review(
            attempt, "explain", rubric, rating=int(explain), mapping=MAPPING_VERSION, ticks=ticks, source=source
        )
        store.save_run(attempt, "finished", None, json.dumps({"correct": correct}))
        score = 1.0 if correct else 0.0
        predict = rating_for("predict", score)
        store.save_review(attempt, "predict", score, rating=int(predict), mapping=MAPPING_VERSION, source=source)
        store.finish_attempt(attempt)
    store.finish_session(session)
    return session
