"""The first screen: topics with the learner's progress; start, mix or resume."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.formatting import percent
from quizapp.progress import topic_progress
from quizapp.tui.screens.exporting import ExportingScreen

SESSION_LENGTH = 5


class HomeScreen(ExportingScreen):
    BINDINGS = [
        Binding("enter", "start_topic", "Practise topic", priority=True),
        Binding("m", "start_mixed", "Mixed set"),
        Binding("r", "resume", "Resume"),
        Binding("s", "sessions", "Past sessions"),
        Binding("p", "progress_report", "Progress report"),
        Binding("q", "app.quit", "Quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Pick a topic and press Enter, or m for a mixed set.", id="home-hint")
        yield DataTable(id="topics", cursor_type="row", zebra_stripes=True)
        yield Static("", id="resume-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#topics", DataTable)
        table.add_columns("topic", "questions", "seen", "avg score", "predictions right")
        self.refresh_progress()
        table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_progress()

    def refresh_progress(self) -> None:
        table = self.query_one("#topics", DataTable)
        table.clear()
        records = self.quiz.store.sessions()
        for row in topic_progress(records, self.quiz.bank):
            score = percent(row.average_score)
            right = "-" if not row.predictions else f"{row.predictions_right}/{row.predictions}"
            table.add_row(row.topic, str(row.questions), str(row.seen), score, right, key=row.topic)
        unfinished = [r for r in records if r.finished_at is None]
        hint = self.query_one("#resume-hint", Static)
        if unfinished:
            latest = unfinished[0]
            hint.update(
                f"Unfinished: '{latest.title}', question {latest.next_position + 1} of "
                f"{len(latest.question_ids)}. Press r to resume."
            )
        else:
            hint.update("")

    def action_start_topic(self) -> None:
        table = self.query_one("#topics", DataTable)
        if table.row_count == 0:
            return
        topic = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.quiz.start_practice(topic, SESSION_LENGTH)

    def action_start_mixed(self) -> None:
        self.quiz.start_practice(None, SESSION_LENGTH)

    def action_progress_report(self) -> None:
        """The HTML progress report over every session, as `quizapp report --all` writes it."""
        self.write_report(None, "html")

    def action_sessions(self) -> None:
        self.quiz.open_sessions()

    def action_resume(self) -> None:
        unfinished = self.quiz.store.unfinished()
        if unfinished:
            self.quiz.resume_practice(unfinished[0].id)
        else:
            self.notify("No unfinished session.")
