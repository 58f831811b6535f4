"""A screen that knows it belongs to QuizApp, so screens reach the bank and store with types."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from quizapp.tui.app import QuizApp


class QuizScreen(Screen[None]):
    @property
    def quiz(self) -> QuizApp:
        from quizapp.tui.app import QuizApp

        assert isinstance(self.app, QuizApp)
        return self.app

    def open_session(self) -> int | None:
        """The practice session this screen belongs to, if any (resumed first after leaving it)."""
        return None

    def leave(self) -> str | None:
        """Save what the screen holds before the app moves away from it; returns what to tell the learner."""
        return None
