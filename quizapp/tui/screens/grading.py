"""The model answer and rubric, revealed together; the learner ticks what their graded answer covered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Collapsible, Footer, Header, Markdown, Static

from quizapp.formatting import reflow
from quizapp.grading import Verdict, rubric_score, suggested_for
from quizapp.practice import Practice
from quizapp.schedule.grades import after_hints
from quizapp.store import AttemptRecord
from quizapp.tui.screens.base import QuizScreen
from quizapp.tui.widgets.toggles import RubricBox

RUBRIC_HINT = "Tick what your graded answer covered (Space ticks; * = suggested from its wording, you decide):"


class GradingScreen(QuizScreen):
    BINDINGS = [
        Binding("ctrl+n", "next", "Save & next"),
        Binding("ctrl+n", "save_back", "Save & back"),  # in a mock's debrief: check_action shows the one that applies
        Binding("escape", "home", "Home"),
        Binding("escape", "debrief", "Debrief"),
        Binding("pageup", "scroll(-1)", "Scroll", show=False),
        Binding("pagedown", "scroll(1)", "Scroll", show=False),
    ]

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice
        self.question = practice.question

    @property
    def mock(self) -> bool:
        return self.practice.record.kind == "mock"

    def compose(self) -> ComposeResult:
        q = self.question
        attempt = self.practice.current_attempt()
        self.hints = attempt.hints if attempt else 0
        answer = attempt.answer if attempt else ""
        suggested = suggested_for(q, answer)
        ticked = set(attempt.ticks) if attempt and attempt.ticks is not None else suggested
        yield Header()
        if self.mock and attempt is not None:  # above the scrolling part: the reveal stays in view
            yield Static(self._revealed(attempt), id="mock-verdict")
        with VerticalScroll(id="grading"):
            if self.mock and attempt is not None:
                yield Static("The question", classes="section")
                yield Markdown(q.prompt, id="mock-question")
            yield Static("Your answer (graded: as written before the run)", classes="section")
            yield Static(answer or "(no answer written before the run)", id="your-answer")
            if attempt and attempt.revised_answer and attempt.revised_answer.strip() != answer.strip():
                yield Static("Revised after the run (kept, not graded)", classes="section")
                yield Static(attempt.revised_answer, id="revised-answer")
            yield Static("Model answer", classes="section")
            yield Markdown(q.model_answer, id="model-answer")
            yield Static(RUBRIC_HINT, classes="section")
            for item in q.rubric:
                mark = "* " if item.id in suggested else ""
                yield RubricBox(
                    f"{mark}{item.criterion} (weight {item.weight:g})",
                    item.id in ticked,
                    id=f"rubric-{item.id}",
                    classes="rubric-item",
                )
            yield Static("", id="score")
            yield Static(f"Pitfall: {q.pitfall}", id="pitfall")
            yield Static("Follow-ups, as an interviewer would ask next", classes="section")
            said = {f.position: f.answer for f in attempt.follow_ups} if attempt else {}
            for i, follow_up in enumerate(q.follow_ups, start=1):
                yield Static(f"{i}. {follow_up.question}", classes="follow-up")
                if i - 1 in said:
                    yield Static(f"You said: {said[i - 1].strip() or '(nothing)'}", classes="follow-up-said")
                with Collapsible(title="answer", collapsed=not said):
                    yield Static(reflow(follow_up.answer))
                    if follow_up.rubric:
                        covers = "\n".join(f"• {item.criterion}" for item in follow_up.rubric)
                        yield Static(f"A good answer covers:\n{covers}", classes="follow-up-rubric")
        yield Footer()

    def _revealed(self, attempt: AttemptRecord) -> str:
        """What the interview kept back: the prediction against the run."""
        from quizapp.formatting import shown

        unit = self.question.prediction.unit
        said = "no prediction" if attempt.prediction is None else f"you said {shown(attempt.prediction, unit)}"
        if not attempt.verdict:
            return f"Prediction: {said}; the run has not finished yet."
        verdict = Verdict.model_validate_json(attempt.verdict)
        mark = {True: "✓ RIGHT", False: "✗ WRONG", None: "? UNDECIDED"}[verdict.correct]
        return f"{mark}: {said}, the run gave {shown(verdict.observed, unit)} ({verdict.seeds} seeds)"

    def on_mount(self) -> None:
        self._update_score()
        self.query(RubricBox).first().focus()
        self.query_one("#grading").scroll_home(animate=False)

    def ticked(self) -> list[str]:
        return [box.id.removeprefix("rubric-") for box in self.query(RubricBox) if box.value and box.id]

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if isinstance(event.checkbox, RubricBox):
            self._update_score(save=True)

    def _update_score(self, save: bool = False) -> None:
        """Show the weighted score; every change of ticks is saved at once."""
        ticked = self.ticked()
        score = self.practice.grade(ticked) if save else rubric_score(self.question.rubric, ticked)
        hinted = f"; {after_hints(score, self.hints):.0%} after {self.hints} hint{'s' if self.hints != 1 else ''}"
        self.query_one("#score", Static).update(f"Score: {score:.0%} of the rubric{hinted if self.hints else ''}")

    def action_scroll(self, direction: int) -> None:
        pane = self.query_one("#grading", VerticalScroll)
        pane.scroll_page_down() if direction > 0 else pane.scroll_page_up()

    def action_home(self) -> None:
        self.quiz.go_home()

    def open_session(self) -> int | None:
        return self.practice.record.id

    def leave(self) -> str | None:
        # Ticks are saved as they change; leaving must not turn untouched suggestions into a grade.
        return f"'{self.practice.record.title}' is kept: r on the home screen resumes it at this question."

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("home", "next"):
            return not self.mock
        if action in ("debrief", "save_back"):
            return self.mock
        return True

    def action_debrief(self) -> None:
        self.quiz.close_mock_grading()

    def action_save_back(self) -> None:
        """A mock's answer graded: back to the debrief, which shows the grade."""
        self.practice.grade(self.ticked())
        self.quiz.close_mock_grading()

    def action_next(self) -> None:
        self.practice.grade(self.ticked())
        self.practice.next()
        self.quiz.advance(self.practice)
