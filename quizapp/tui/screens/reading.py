"""Screens that list stored sessions read them in a thread worker, never on the UI thread.

A history of sessions can hold hundreds of runs, each with its curves; even without them, a
database read can wait on a lock. So the screen asks, keeps drawing, and renders what the
worker posts (`SessionsRead`) when it arrives.
"""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker

from quizapp.store import Store, StoreError
from quizapp.tui.messages import SessionsRead
from quizapp.tui.screens.base import QuizScreen


class SessionsReader(QuizScreen):
    #: Days with reviews whose readiness the screen wants as a trend (0: none); computed here, off the UI thread.
    TREND_DAYS = 0

    @work(thread=True, exclusive=True, exit_on_error=False, group="read-sessions")
    def read_sessions(self) -> None:
        """Post every session's overview (no run results) to this screen; a newer read replaces this one."""
        # A connection of its own: sqlite3 connections stay in the thread that made them.
        try:
            with Store(self.quiz.store.path) as store:
                reviews = store.reviews()
                message = SessionsRead(store.session_overviews(), reviews=reviews, settings=store.settings())
            if self.TREND_DAYS:
                from quizapp.schedule.trend import readiness_by_day

                message.trend = readiness_by_day(self.quiz.bank, reviews, days=self.TREND_DAYS)
        except StoreError as exc:
            message = SessionsRead([], str(exc))
        if not get_current_worker().is_cancelled:  # a newer read is on its way: its answer wins
            self.post_message(message)
