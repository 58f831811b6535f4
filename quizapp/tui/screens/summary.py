"""The end of a session (or a past one): score, predictions and time, by topic and by question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.formatting import percent
from quizapp.practice import Practice
from quizapp.progress import session_summary
from quizapp.tui.messages import ReportExported
from quizapp.tui.screens.exporting import SessionExportScreen


class SummaryScreen(SessionExportScreen):
    BINDINGS = [
        Binding("h", "home", "Home"),
        Binding("escape", "home", "Home", show=False),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="summary-total")
        yield DataTable(id="summary-topics", zebra_stripes=True, show_cursor=False)
        yield DataTable(id="summary", zebra_stripes=True)
        yield Static("", id="summary-export")
        yield Footer()

    def on_mount(self) -> None:
        record = self.practice.saved()
        summary = session_summary(record, self.practice.bank)
        state = "finished" if summary.finished else "unfinished"
        self.query_one("#summary-total", Static).update(
            f"Session '{summary.title}' ({state}): {summary.answered}/{summary.questions} questions, "
            f"average score {percent(summary.average_score)}, predictions right "
            f"{summary.predictions_right}/{summary.predictions}, {summary.minutes:.0f} min."
        )
        topics = self.query_one("#summary-topics", DataTable)
        topics.add_columns("topic", "answered", "avg score", "predictions right")
        for t in summary.topics:
            topics.add_row(t.topic, str(t.answered), percent(t.average_score), f"{t.predictions_right}/{t.predictions}")
        table = self.query_one("#summary", DataTable)
        table.add_columns("question", "prediction", "score")
        for attempt in record.attempts:
            mark = "-" if attempt.correct is None else ("right" if attempt.correct else "wrong")
            table.add_row(attempt.question_id, mark, percent(attempt.score))
        html = self.report_path(record.id, "html")
        self.query_one("#summary-export", Static).update(
            f"Report: e saves it as HTML to {html}, m as Markdown beside it ({html.with_suffix('.md').name})."
        )

    def session_to_export(self) -> int:
        return self.practice.record.id

    def on_report_exported(self, message: ReportExported) -> None:
        # ExportingScreen's handler (the notification) runs too: Textual calls each class's handler.
        if message.path is not None:
            self.query_one("#summary-export", Static).update(f"Report saved to {message.path}")

    def action_home(self) -> None:
        self.quiz.go_home()
