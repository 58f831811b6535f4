"""The model answer and rubric, revealed together; the learner ticks what they covered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Collapsible, Footer, Header, Label, Markdown, SelectionList, Static
from textual.widgets.selection_list import Selection

from quizapp.grading import rubric_score, suggested_items
from quizapp.practice import Practice


class GradingScreen(Screen[None]):
    BINDINGS = [Binding("ctrl+n", "next", "Save & next question")]

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice
        self.question = practice.question

    def compose(self) -> ComposeResult:
        q = self.question
        attempt = self.practice.current_attempt()
        answer = attempt.answer if attempt else ""
        suggested = suggested_items(answer, q.rubric)
        ticked = set(attempt.ticks) if attempt and attempt.ticks is not None else suggested
        yield Header()
        with VerticalScroll(id="grading"):
            yield Label("Your answer", classes="section")
            yield Static(answer or "(no answer written)", id="your-answer")
            yield Label("Model answer", classes="section")
            yield Markdown(q.model_answer, id="model-answer")
            yield Label(
                "Tick what your answer covered (* = suggested from your wording; you decide)", classes="section"
            )
            yield SelectionList[str](
                *[
                    Selection(
                        f"{'* ' if item.id in suggested else ''}{item.criterion} (weight {item.weight:g})",
                        item.id,
                        item.id in ticked,
                    )
                    for item in q.rubric
                ],
                id="rubric",
            )
            yield Static("", id="score")
            yield Label(f"Pitfall: {q.pitfall}", id="pitfall")
            yield Label("Follow-ups", classes="section")
            for i, follow_up in enumerate(q.follow_ups, start=1):
                with Collapsible(title=f"{i}. {follow_up.question}", collapsed=True):
                    yield Static(follow_up.answer)
        yield Footer()

    def on_mount(self) -> None:
        self._update_score()
        self.query_one("#rubric", SelectionList).focus()

    def on_selection_list_selected_changed(self) -> None:
        self._update_score(save=True)

    def _update_score(self, save: bool = False) -> None:
        """Show the weighted score; every change of ticks is saved at once."""
        ticked = list(self.query_one("#rubric", SelectionList).selected)
        score = self.practice.grade(ticked) if save else rubric_score(self.question.rubric, ticked)
        self.query_one("#score", Static).update(f"Score: {score:.0%}")

    def action_next(self) -> None:
        self.practice.grade(list(self.query_one("#rubric", SelectionList).selected))
        if self.practice.next():
            from quizapp.tui.screens.question import QuestionScreen

            self.app.switch_screen(QuestionScreen(self.practice))
        else:
            from quizapp.tui.screens.summary import SummaryScreen

            self.app.switch_screen(SummaryScreen(self.practice))
