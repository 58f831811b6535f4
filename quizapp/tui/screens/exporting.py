"""Screens that can export a session as a study report, written in a thread worker."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.binding import Binding

from quizapp.report import ExportError, Format, export_session, reports_dir
from quizapp.report.export import session_filename
from quizapp.store import Store, StoreError
from quizapp.tui.messages import ReportExported
from quizapp.tui.screens.base import QuizScreen


class ExportingScreen(QuizScreen):
    BINDINGS = [
        Binding("e", "export('html')", "Export HTML"),
        Binding("m", "export('md')", "Export Markdown"),
    ]

    def session_to_export(self) -> int | None:
        """The session the export keys act on (None: nothing to export)."""
        raise NotImplementedError

    @staticmethod
    def report_path(session_id: int, fmt: Format) -> Path:
        return reports_dir() / session_filename(session_id, fmt)

    def action_export(self, fmt: Format) -> None:
        session_id = self.session_to_export()
        if session_id is not None:
            self.notify(f"Writing session {session_id} as {fmt.upper()}...", timeout=2)
            self.write_report(session_id, fmt)

    @work(thread=True, group="export", exit_on_error=False)
    def write_report(self, session_id: int, fmt: Format) -> None:
        # A connection of its own: sqlite3 connections stay in the thread that made them.
        try:
            with Store(self.quiz.store.path) as store:
                path = export_session(store, self.quiz.bank, session_id, fmt)
        except (StoreError, ExportError) as exc:
            self.post_message(ReportExported(session_id, None, str(exc)))
            return
        self.post_message(ReportExported(session_id, path))

    def on_report_exported(self, message: ReportExported) -> None:
        if message.path is None:
            self.notify(message.error or "export failed", title="Report not written", severity="error")
        else:
            self.notify(f"Saved to {message.path}", title=f"Session {message.session_id} exported", timeout=8)
