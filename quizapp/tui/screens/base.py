"""What every screen may ask of the app, as a protocol: screens route through the app, never to each other.

The app (quizapp.tui.app) implements `QuizHost`; screens import only this module, so the arrows
run one way, app -> screens, and no screen imports another screen to move on.
"""

from __future__ import annotations

from typing import Protocol, cast

from textual.screen import Screen

from quizapp.bank import Bank
from quizapp.grading import PredictionValue
from quizapp.mock import MockClock, MockPlan
from quizapp.models import Question
from quizapp.practice import Practice
from quizapp.store import SessionOverview, Store


class QuizHost(Protocol):
    bank: Bank
    store: Store
    latest_unfinished: SessionOverview | None
    last_left: int | None
    practised: dict[str, str]

    def start_practice(self, topic: str | None, count: int) -> None: ...
    def start_review(self, question_ids: list[str]) -> None: ...
    def resume_practice(self, session_id: int) -> None: ...
    def go_home(self, note: str | None = None) -> None: ...
    def open_sessions(self) -> None: ...
    def open_grading(self, practice: Practice) -> None: ...
    def advance(self, practice: Practice) -> None: ...
    def open_summary(self, practice: Practice) -> None: ...
    def start_mock(self, plan: MockPlan) -> None: ...
    def next_mock_question(self, practice: Practice, clock: MockClock) -> None: ...
    def end_mock(self, practice: Practice, push: bool = False) -> None: ...
    def open_mock_grading(self, practice: Practice) -> None: ...
    def close_mock_grading(self) -> None: ...
    def queue_mock_run(self, attempt_id: int, question: Question, given: PredictionValue) -> None: ...


class QuizScreen(Screen[None]):
    @property
    def quiz(self) -> QuizHost:
        return cast(QuizHost, self.app)

    def open_session(self) -> int | None:
        """The practice session this screen belongs to, if any (resumed first after leaving it)."""
        return None

    def leave(self) -> str | None:
        """Save what the screen holds before the app moves away from it; returns what to tell the learner."""
        return None
