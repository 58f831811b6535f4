"""Screens that write study reports: the file is rendered in a thread worker, then announced.

In a browser (`quizapp serve`) the file is also delivered to it as a download.
The report package (Jinja2, the templates) is imported when a report is first written, not
when the app starts: the home screen is one of these screens and should not wait for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding

from quizapp.store import Store, StoreError
from quizapp.tui.messages import ReportExported
from quizapp.tui.screens.base import QuizScreen

if TYPE_CHECKING:
    from quizapp.report import Format


class ExportingScreen(QuizScreen):
    """Writes a session report (session_id) or the progress report over every session (None)."""

    @staticmethod
    def report_path(session_id: int, fmt: Format) -> Path:
        from quizapp.report.export import reports_dir, session_filename

        return reports_dir() / session_filename(session_id, fmt)

    @work(thread=True, group="export", exit_on_error=False)
    def write_report(self, session_id: int | None, fmt: Format) -> None:
        from quizapp.report import ExportError, export_progress, export_session

        # A connection of its own: sqlite3 connections stay in the thread that made them.
        try:
            with Store(self.quiz.store.path) as store:
                if session_id is None:
                    path = export_progress(store, self.quiz.bank, fmt)
                else:
                    path = export_session(store, self.quiz.bank, session_id, fmt)
        except (StoreError, ExportError) as exc:
            self.post_message(ReportExported(session_id, None, str(exc)))
            return
        self.post_message(ReportExported(session_id, path))

    def on_report_exported(self, message: ReportExported) -> None:
        what = "Progress report" if message.session_id is None else f"Session {message.session_id}"
        if message.path is None:
            self.notify(message.error or "export failed", title=f"{what} not written", severity="error")
        elif self.app.is_web:
            # In a browser (`quizapp serve`) the saved file sits on the server, out of the
            # learner's reach: send it to the browser too, as the same bytes.
            self.app.deliver_binary(message.path, open_method="download", name="report")
            self.notify(
                f"Downloading {message.path.name} in your browser; also saved on the server to {message.path}",
                title=f"{what} exported",
                timeout=8,
            )
        else:
            self.notify(f"Saved to {message.path}", title=f"{what} exported", timeout=8)


class SessionExportScreen(ExportingScreen):
    """A screen showing one session (or a list of them) that `e` and `m` export."""

    BINDINGS = [
        Binding("e", "export('html')", "HTML report"),
        Binding("m", "export('md')", "Markdown"),
    ]

    def session_to_export(self) -> int | None:
        """The session the export keys act on (None: nothing to export)."""
        raise NotImplementedError

    def action_export(self, fmt: Format) -> None:
        session_id = self.session_to_export()
        if session_id is not None:
            self.write_report(session_id, fmt)
