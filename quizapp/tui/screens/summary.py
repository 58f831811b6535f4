"""The end of a session: score and predictions, question by question."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.practice import Practice


class SummaryScreen(Screen[None]):
    BINDINGS = [Binding("h", "home", "Home"), Binding("q", "app.quit", "Quit")]

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="summary-total")
        yield DataTable(id="summary", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        record = self.practice.saved()
        table = self.query_one("#summary", DataTable)
        table.add_columns("question", "topic", "prediction", "score")
        scores, right, predicted = [], 0, 0
        for attempt in record.attempts:
            topic = self.practice.bank.get(attempt.question_id).topic
            correct = json.loads(attempt.verdict).get("correct") if attempt.verdict else None
            if correct is not None:
                predicted += 1
                right += bool(correct)
            mark = "-" if correct is None else ("right" if correct else "wrong")
            score = "-" if attempt.score is None else f"{attempt.score:.0%}"
            if attempt.score is not None:
                scores.append(attempt.score)
            table.add_row(attempt.question_id, topic, mark, score)
        average = f"{sum(scores) / len(scores):.0%}" if scores else "-"
        self.query_one("#summary-total", Static).update(
            f"Session '{record.title}': average score {average}, predictions right {right}/{predicted}."
        )

    def action_home(self) -> None:
        from quizapp.tui.screens.home import HomeScreen

        self.app.switch_screen(HomeScreen())
