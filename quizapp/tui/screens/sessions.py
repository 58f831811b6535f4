"""Past sessions: open one to see its summary, or resume it if unfinished.

The list is read in a worker (`SessionsReader`), without the runs' results, and drawn when it
arrives; the table shows a loading indicator until then.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.formatting import percent
from quizapp.practice import Practice
from quizapp.progress import SessionSummary, session_summary
from quizapp.tui.messages import SessionsRead
from quizapp.tui.screens.exporting import SessionExportScreen
from quizapp.tui.screens.reading import SessionsReader


class SessionsScreen(SessionsReader, SessionExportScreen):
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    #: One summary per session, newest first; None until the read arrives.
    summaries: reactive[list[SessionSummary] | None] = reactive(None, init=False)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Past sessions. Enter opens one (an unfinished one resumes; a mock, its debrief); e or m exports it.",
            id="sessions-hint",
        )
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        table.add_columns("#", "started", "session", "done", "score", "right", "state")  # fits 80 columns
        table.loading = True
        self.read_sessions()

    def on_sessions_read(self, message: SessionsRead) -> None:
        if message.error is not None:
            self.notify(message.error, title="Past sessions not read", severity="error")
        self.summaries = [session_summary(s, self.quiz.bank) for s in message.sessions]

    def watch_summaries(self, summaries: list[SessionSummary] | None) -> None:
        table = self.query_one("#sessions", DataTable)
        table.clear()
        for s in summaries or []:
            table.add_row(
                str(s.session_id),
                s.started.strftime("%b %d %H:%M"),
                s.title,
                f"{s.answered}/{s.questions}",
                percent(s.average_score),
                f"{s.predictions_right}/{s.predictions}",
                "finished" if s.finished else "open",
                key=str(s.session_id),
            )
        table.loading = False
        table.focus()

    def session_to_export(self) -> int | None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count == 0:
            waiting = self.summaries is None
            self.notify("Still reading the sessions." if waiting else "No sessions yet.", severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert key is not None
        return int(key)

    def action_open(self) -> None:
        session_id = self.session_to_export()
        if session_id is None:
            return
        summary = next(s for s in self.summaries or [] if s.session_id == session_id)
        if not summary.finished:
            self.quiz.resume_practice(session_id)
            return
        self.quiz.open_summary(Practice.resume(self.quiz.store, self.quiz.bank, session_id))
