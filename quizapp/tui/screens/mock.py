"""One question of a mock interview: predict and answer against the clock, then the follow-ups.

Nothing is revealed here. Submitting locks the prediction and the answer and queues the run in
the background; while this question's share of the time lasts, the interviewer's follow-ups
come one by one; then the next question, or the debrief when the list or the time runs out.
The timer in the top bar turns amber, then red, and never stops anyone mid-sentence.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Markdown, Static, TextArea

from quizapp.grading import PredictionValue, parse_prediction, tolerance_hint
from quizapp.mock import MockClock, clock_text, hint, hint_cost_text
from quizapp.practice import Practice
from quizapp.tui.screens.base import QuizScreen
from quizapp.tui.widgets.prediction import prediction_field, typed

AUTOSAVE_SECONDS = 1.0
MAIN_LABEL = "Your answer (Ctrl+S submits it):"
FOLLOW_UP_LABEL = "Your answer to the follow-up (Ctrl+S submits):"


class MockScreen(QuizScreen):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit"),
        Binding("ctrl+o", "hint", "Hint"),  # ctrl+h is backspace in most terminals
        Binding("ctrl+n", "next_question", "Next"),
        Binding("pageup", "scroll_prompt(-1)", "Question", show=False, priority=True),
        Binding("pagedown", "scroll_prompt(1)", "Question", priority=True),
        Binding("ctrl+g", "end", "End: debrief"),  # ctrl+e is the answer's end of line
    ]

    def __init__(self, practice: Practice, clock: MockClock) -> None:
        super().__init__()
        self.practice = practice
        self.clock = clock
        self.question = practice.question
        self.stage = -1  # -1: the question itself; k: the follow-up k
        self.hints_taken = 0
        self.saved_text = ""
        self.warned_empty = False
        self.told_time_up = False

    def compose(self) -> ComposeResult:
        q = self.question
        yield Header()
        yield Static("", id="mock-bar")
        with Horizontal(id="mock-body"):
            with Vertical(id="mock-left"):
                yield Static("", id="mock-stage")
                with VerticalScroll(id="mock-prompt-pane"):
                    yield Markdown(q.prompt, id="mock-prompt")
                yield Static(MAIN_LABEL, id="mock-answer-label")
                yield TextArea(id="mock-answer", soft_wrap=True)
            with Vertical(id="mock-right"):
                with VerticalScroll(id="mock-predict"):
                    yield Static(f"Predict: {q.prediction.prompt}", id="mock-prediction-prompt")
                    yield prediction_field(q.prediction, "mock-prediction")
                    if q.prediction.kind == "number":
                        yield Static(tolerance_hint(q.prediction), id="mock-tolerance")
                yield Static("", id="mock-locked")
                yield Static("", id="mock-hints")
        yield Footer()

    def on_mount(self) -> None:
        self.practice.attempt_id  # noqa: B018 - the attempt starts now, so its time counts from the question shown
        self.query_one("#mock-locked").display = False
        self.query_one("#mock-predict").can_focus = False
        self._show_stage()
        self._tick()
        self.set_interval(1.0, self._tick)
        self.set_interval(AUTOSAVE_SECONDS, self.save_text)
        self.query_one("#mock-answer", TextArea).focus()

    # -- the clock ---------------------------------------------------------------------------------
    def _tick(self) -> None:
        plan = self.clock.plan
        where = f"question {self.practice.position + 1}/{len(plan.question_ids)} · {self.question.topic}"
        left = self.clock.left()
        this = f"this one {clock_text(self.clock.question_elapsed())}/{clock_text(self.clock.budget)}"
        bar = self.query_one("#mock-bar", Static)
        bar.update(f"Mock · {where} · {clock_text(left)} left · {this}")  # fits 80 columns
        pace = self.clock.pace()
        for name in ("ok", "amber", "red"):
            bar.set_class(pace == name, f"-{name}")
        if left <= 0 and not self.told_time_up:
            self.told_time_up = True
            self.notify(
                "Time is up. Finish your sentence: Ctrl+S submits and opens the debrief.",
                title="Mock interview",
                severity="warning",
                timeout=10,
            )

    # -- stages ------------------------------------------------------------------------------------
    def _show_stage(self) -> None:
        follow_ups = self.question.follow_ups
        stage = self.query_one("#mock-stage", Static)
        label = self.query_one("#mock-answer-label", Static)
        if self.stage < 0:
            stage.update(f"{self.question.difficulty} · the interviewer asks:")
            label.update(MAIN_LABEL)
        else:
            stage.update(f"Follow-up {self.stage + 1} of {len(follow_ups)} (PgUp: the question):")
            asked = "\n\n".join(f"**Follow-up {i + 1}.** {follow_ups[i].question}" for i in range(self.stage + 1))
            self.query_one("#mock-prompt", Markdown).update(f"{self.question.prompt}\n\n---\n\n{asked}")
            self.call_after_refresh(self.query_one("#mock-prompt-pane").scroll_end, animate=False)
            label.update(FOLLOW_UP_LABEL)
            answer = self.query_one("#mock-answer", TextArea)
            answer.text = ""
            answer.focus()  # the prediction's widget may have held focus, and it is gone now
            self.saved_text = ""
        self.refresh_bindings()

    def action_scroll_prompt(self, direction: int) -> None:
        """The question pane scrolls from anywhere, the answer keeping focus: answers are short, questions not."""
        pane = self.query_one("#mock-prompt-pane", VerticalScroll)
        pane.scroll_page_down() if direction > 0 else pane.scroll_page_up()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "hint":
            return self.stage < 0
        return True

    def save_text(self) -> None:
        """Every second and before moving on: the answer (or the follow-up's) as it stands."""
        try:
            text = self.query_one("#mock-answer", TextArea).text
        except Exception:  # the screen is being torn down; the last save stands
            return
        if text == self.saved_text:
            return
        if self.stage < 0:
            self.practice.save_answer(text)
        else:
            self.practice.save_follow_up_answer(self.stage, text)
        self.saved_text = text

    def action_submit(self) -> None:
        if self.stage < 0:
            if not self._lock():
                return
            asked = 0
        else:
            self.save_text()
            asked = self.stage + 1
        if self.clock.go_deeper(asked, len(self.question.follow_ups)):
            self.practice.ask_follow_up(asked)
            self.stage = asked
            self._show_stage()
        else:
            self._move_on()

    def _lock(self) -> bool:
        """Lock the prediction and the answer, and queue the run; False (with the reason said) if not yet."""
        raw = typed(self.query_one("#mock-prediction"))
        try:
            value = parse_prediction(self.question.prediction, raw)
        except ValueError as exc:
            self.notify(f"Predict first: {exc}", title="Not submitted", severity="warning")
            return False
        text = self.query_one("#mock-answer", TextArea).text
        if not text.strip() and not self.warned_empty:
            self.warned_empty = True
            self.notify(
                "Your answer is empty. Say something, or press Ctrl+S again to submit the prediction alone.",
                title="No answer yet",
                severity="warning",
            )
            return False
        self.practice.lock(value)
        self.practice.lock_answer(text)
        self.saved_text = text
        self._show_locked(value)
        self.quiz.queue_mock_run(self.practice.attempt_id, self.question, value)
        return True

    def _show_locked(self, value: PredictionValue) -> None:
        from quizapp.formatting import shown

        self.query_one("#mock-predict").display = False
        locked = self.query_one("#mock-locked", Static)
        locked.update(f"Locked: {shown(value, self.question.prediction.unit)}\nThe run goes on in the background.")
        locked.display = True

    def action_hint(self) -> None:
        text = hint(self.question, self.hints_taken)
        if text is None:
            self.notify("No hints left for this question.")
            return
        self.hints_taken = self.practice.take_hint()
        hints = self.query_one("#mock-hints", Static)
        shown_hints = [hint(self.question, i) for i in range(self.hints_taken)]
        lines = "\n".join(f"Hint {i + 1}: a good answer covers: {h}" for i, h in enumerate(shown_hints))
        hints.update(f"{lines}\n(each hint {hint_cost_text()})")

    def action_next_question(self) -> None:
        """Move on now, as an interviewer does when the time is better spent elsewhere."""
        self.save_text()
        self._move_on()

    def action_end(self) -> None:
        self.save_text()
        self.practice.finish_question()
        self.quiz.end_mock(self.practice)

    def _move_on(self) -> None:
        self.practice.finish_question()
        if self.practice.finished or self.clock.left() <= 0:
            self.quiz.end_mock(self.practice)
        else:
            self.clock.next_question()
            self.quiz.next_mock_question(self.practice, self.clock)

    def open_session(self) -> int | None:
        return self.practice.record.id

    def leave(self) -> str | None:
        self.save_text()
        return "The mock interview is kept: its debrief opens from Sessions (s on the home screen)."
