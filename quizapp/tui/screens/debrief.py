"""A mock interview's debrief: everything the interview kept back, per question and per topic.

The session is read in a worker (it holds every run's curves) and read again when a background
run is saved or the learner comes back from grading. Enter opens a question's model answer and
rubric for the self-grade, with the run's verdict and the follow-up answers beside them.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from quizapp.debrief import Debrief, DebriefRow, debrief
from quizapp.formatting import percent
from quizapp.mock import clock_text
from quizapp.practice import Practice
from quizapp.store import Store, StoreError
from quizapp.tui.messages import DebriefRead, MockRunSaved, ReportExported
from quizapp.tui.screens.exporting import SessionExportScreen

MARKS = {"right": "✓ right", "wrong": "✗ wrong", "undecided": "? undecided", "running": "… running"}


def _run_cell(row: DebriefRow) -> str:
    mark = MARKS.get(row.outcome, row.outcome)
    return f"{mark} {row.observed}" if row.observed and row.outcome in ("right", "wrong") else mark


def _rubric_cell(row: DebriefRow) -> str:
    if not row.answered:
        return "-"
    if row.rubric is None:
        return "grade"
    return percent(row.score) if not row.hints else f"{percent(row.score)}*"


class DebriefScreen(SessionExportScreen):
    BINDINGS = [
        Binding("enter", "grade", "Grade answer", priority=True),
        Binding("h", "home", "Home"),
        Binding("escape", "home", "Home", show=False),
    ]

    report: reactive[Debrief | None] = reactive(None, init=False)

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the interview…", id="debrief-total")
        yield DataTable(id="debrief-questions", cursor_type="row", zebra_stripes=True)
        yield DataTable(id="debrief-topics", zebra_stripes=True, show_cursor=False)
        yield Static("", id="debrief-hint")
        yield Footer()

    def on_mount(self) -> None:
        questions = self.query_one("#debrief-questions", DataTable)
        questions.add_columns("#", "topic", "you said", "the run", "rubric", "hints", "time")
        self.query_one("#debrief-topics", DataTable).add_columns("topic", "answered", "predicted", "rubric", "score")
        questions.focus()

    def on_screen_resume(self) -> None:
        self.read_debrief()  # first shown, and back from grading a question

    def on_mock_run_saved(self, message: MockRunSaved) -> None:
        self.read_debrief()

    @work(thread=True, exclusive=True, exit_on_error=False, group="read-debrief")
    def read_debrief(self) -> None:
        # A connection of its own: sqlite3 connections stay in the thread that made them.
        try:
            with Store(self.quiz.store.path) as store:
                record = store.session(self.practice.record.id)
            message = DebriefRead(debrief(record, self.practice.bank))
            unrun = [
                (a.id, a.question_id, a.prediction)
                for a in record.attempts
                if a.prediction is not None and a.verdict is None and a.run_status != "failed"
            ]
        except StoreError as exc:
            message, unrun = DebriefRead(None, str(exc)), []
        if not get_current_worker().is_cancelled:
            self.post_message(message)
            for attempt_id, question_id, given in unrun:  # runs a restart cut short go again
                self.app.call_from_thread(
                    self.quiz.queue_mock_run, attempt_id, self.practice.bank.get(question_id), given
                )

    def on_debrief_read(self, message: DebriefRead) -> None:
        if message.debrief is None:
            self.notify(message.error or "unreadable", title="Debrief not read", severity="error")
            return
        self.report = message.debrief

    def watch_report(self, report: Debrief | None) -> None:
        if report is None:
            return
        used = "" if report.seconds_used is None else f", {clock_text(report.seconds_used)} used"
        skipped = f", {report.skipped} skipped" if report.skipped else ""
        said = f"{report.answered} of {len(report.rows)} answered{skipped}"
        right = f"predictions right {report.predictions_right}/{report.predictions}"
        if report.ungraded:
            scored = f"{right}; the score comes once the answers are graded."
        else:
            scored = (
                f"{right}, rubric {percent(report.rubric)}: interview score {percent(report.score)} "
                "(predictions and rubric, half each)."
            )
        self.query_one("#debrief-total", Static).update(f"Mock interview, {report.minutes} min{used}: {said}; {scored}")
        table = self.query_one("#debrief-questions", DataTable)
        kept = table.cursor_row
        table.clear()
        for row in report.rows:
            time = "-" if row.seconds is None else clock_text(row.seconds)
            said = row.predicted or "-"
            table.add_row(
                str(row.position + 1),
                row.topic,
                said,
                _run_cell(row),
                _rubric_cell(row),
                str(row.hints) if row.hints else "-",
                time,
                key=str(row.position),
            )
        if table.row_count:
            table.move_cursor(row=min(kept, table.row_count - 1))
        topics = self.query_one("#debrief-topics", DataTable)
        topics.clear()
        for t in report.topics:
            predicted = f"{t.predictions_right}/{t.predictions}" if t.predictions else "-"
            topics.add_row(t.topic, str(t.questions), predicted, percent(t.rubric), percent(t.score))
        todo = []
        if report.ungraded:
            todo.append(f"{report.ungraded} answer{'s' if report.ungraded != 1 else ''} to grade: Enter on a row")
        if report.running:
            todo.append(f"{report.running} run{'s' if report.running != 1 else ''} still going")
        hinted = " * = after hints." if any(r.hints for r in report.rows) else ""
        done = "Every answer graded; the schedule has the results." if not todo else "; ".join(todo) + "."
        self.query_one("#debrief-hint", Static).update(f"{done}{hinted}")

    def action_grade(self) -> None:
        table = self.query_one("#debrief-questions", DataTable)
        if self.report is None or table.row_count == 0:
            return
        row = self.report.rows[table.cursor_row]
        if not row.answered:
            self.notify("That question was not answered in the interview: nothing to grade.")
            return
        self.practice.seek(row.position)
        self.quiz.open_mock_grading(self.practice)

    def session_to_export(self) -> int:
        return self.practice.record.id

    def on_report_exported(self, message: ReportExported) -> None:
        if message.path is not None:
            self.query_one("#debrief-hint", Static).update(f"Report saved to {message.path}")

    def action_home(self) -> None:
        self.quiz.go_home()
