"""Past sessions: open one to see its summary, or resume it if unfinished."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.formatting import percent
from quizapp.progress import session_summary
from quizapp.tui.screens.exporting import SessionExportScreen


class SessionsScreen(SessionExportScreen):
    BINDINGS = [
        Binding("enter", "open", "Open", priority=True),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Past sessions. Enter opens one (an unfinished one resumes); e or m exports it as a report.",
            id="sessions-hint",
        )
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#sessions", DataTable)
        table.add_columns("#", "started", "session", "answered", "avg score", "predictions", "state")
        for record in self.quiz.store.sessions():
            s = session_summary(record, self.quiz.bank)
            score = percent(s.average_score)
            table.add_row(
                str(s.session_id),
                record.started_at[:16].replace("T", " "),
                s.title,
                f"{s.answered}/{s.questions}",
                score,
                f"{s.predictions_right}/{s.predictions}",
                "finished" if s.finished else "unfinished",
                key=str(s.session_id),
            )
        table.focus()

    def session_to_export(self) -> int | None:
        table = self.query_one("#sessions", DataTable)
        if table.row_count == 0:
            self.notify("No sessions yet.", severity="warning")
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert key is not None
        return int(key)

    def action_open(self) -> None:
        session_id = self.session_to_export()
        if session_id is None:
            return
        record = self.quiz.store.session(session_id)
        if record.finished_at is None:
            self.quiz.resume_practice(session_id)
            return
        from quizapp.practice import Practice
        from quizapp.tui.screens.summary import SummaryScreen

        self.app.push_screen(SummaryScreen(Practice.resume(self.quiz.store, self.quiz.bank, session_id)))
