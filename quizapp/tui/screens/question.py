"""One question: write an answer, lock a prediction, run the simulation, see the verdict.

The right pane follows the moment: before locking it asks for the prediction; once locked the
prediction shrinks to one line and the run's progress and live chart take the space; when the
run ends a one-line verdict heads the pane, the final chart stays in view, and the explanation
and key numbers follow in a pane that PgUp/PgDn scroll. Everything fits at 80x24.
"""

from __future__ import annotations

import threading

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Markdown, Select, Static, TextArea
from textual.worker import get_current_worker

from quizapp.formatting import key_metrics, reflow, shown
from quizapp.grading import PredictionValue, Verdict, parse_prediction, seeds_line, tolerance_hint
from quizapp.practice import Practice
from quizapp.store import CONFIDENCE_LEVELS
from quizapp.tui.messages import SimFinished, SimMessage, SimProgress, SimStarted, SimStopped
from quizapp.tui.screens.base import QuizScreen
from quizapp.tui.widgets.live_curve import LiveCurve
from quizapp.tui.widgets.outcome import OutcomePanel, OutcomeReport, VerdictLine
from quizapp.tui.widgets.outcome import Verdict as ShownVerdict
from quizapp.tui.widgets.prediction import prediction_field, typed
from quizapp.tui.widgets.run_status import RunState, RunStatus
from sims.registry import get
from sims.result import ProgressEvent, SimResult
from sims.spec import Cancelled

AUTOSAVE_SECONDS = 1.0
MAX_METRIC_COLUMNS = 3
ANSWER_OPEN = "Your answer, as you would say it in an interview (saved as you type; graded as it stands when you run):"
ANSWER_LOCKED = "Graded answer locked when the run started; edits now are kept as a revision, not graded:"


class QuestionScreen(QuizScreen):
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock"),
        Binding("ctrl+r", "run", "Run"),
        Binding("escape", "cancel_run", "Cancel run"),
        Binding("escape", "home", "Home"),
        Binding("ctrl+g", "grade", "Grade"),
        Binding("pageup", "scroll_results(-1)", "Scroll", show=False, priority=True),
        Binding("pagedown", "scroll_results(1)", "Results", priority=True),
    ]

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice
        self.question = practice.question
        self.given: PredictionValue | None = None
        self.result: SimResult | None = None
        self.cancel_event = threading.Event()
        self.run_number = 0
        self.running = False
        self.answer_locked = False
        self.saved_answer = ""
        self.warned_empty = False

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        q = self.question
        position = f"{self.practice.position + 1}/{len(self.practice.record.question_ids)}"
        yield Header()
        with Vertical(id="question-left"):
            yield Static(f"{position} · {q.topic} · {q.difficulty}", id="question-meta")
            with VerticalScroll(id="prompt-pane"):
                yield Markdown(q.prompt, id="prompt")
            yield Static(ANSWER_OPEN, id="answer-label")
            yield TextArea(id="answer", soft_wrap=True)
        with Vertical(id="question-right"):
            with VerticalScroll(id="predict-pane"):
                yield Static(f"Predict: {q.prediction.prompt}", id="prediction-prompt")
                yield prediction_field(q.prediction, "prediction")
                if q.prediction.kind == "number":
                    yield Static(tolerance_hint(q.prediction), id="tolerance")
                yield Select(
                    [(level, level) for level in CONFIDENCE_LEVELS],
                    prompt="How sure? (optional)",
                    id="confidence",
                    compact=True,
                )
                yield Button("Lock prediction (Ctrl+L)", id="lock", variant="primary", compact=True)
            yield Static("", id="locked")
            yield VerdictLine(id="verdict")
            yield RunStatus(id="status")
            yield LiveCurve(q, id="curve")
            yield OutcomePanel(id="details")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#locked").display = False
        self.query_one(LiveCurve).display = False
        attempt = self.practice.current_attempt()
        if attempt is not None:
            self.answer_locked = attempt.answer_locked_at is not None
            text = attempt.revised_answer if attempt.revised_answer is not None else attempt.answer
            self.saved_answer = text
            self.query_one("#answer", TextArea).text = text
            if attempt.prediction_locked_at is not None and attempt.prediction is not None:
                self._show_locked(attempt.prediction, attempt.confidence)
            if attempt.result is not None:
                self.result = SimResult.model_validate_json(attempt.result)
                verdict = Verdict.model_validate_json(attempt.verdict) if attempt.verdict else None
                self._show_outcome(self.result, verdict)
            elif attempt.run_status in ("cancelled", "failed"):
                stopped: RunState = "cancelled" if attempt.run_status == "cancelled" else "failed"
                self._set_status(stopped, self._stopped_line(stopped, ""))
        self._show_answer_state()
        self.set_interval(AUTOSAVE_SECONDS, self.save_answer)
        # Tab goes answer -> prediction -> lock; the prompt pane takes focus only to scroll a long prompt.
        self.query_one("#predict-pane").can_focus = False
        self.query_one("#answer", TextArea).focus()

    # -- the answer ---------------------------------------------------------------------------
    def save_answer(self) -> None:
        """Called every second and before leaving: writes only when the text changed since the last write."""
        try:
            text = self.query_one("#answer", TextArea).text
        except Exception:  # the screen is being torn down; the last autosave stands
            return
        if text != self.saved_answer:
            self.practice.save_answer(text)
            self.saved_answer = text

    def _show_answer_state(self) -> None:
        self.query_one("#answer-label", Static).update(ANSWER_LOCKED if self.answer_locked else ANSWER_OPEN)
        self.query_one("#answer").set_class(self.answer_locked, "-revision")

    def on_unmount(self) -> None:
        self.cancel_event.set()

    # -- keys: only the ones that apply now show in the footer -------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            return self.given is None
        if action == "run":  # before locking it answers with a reminder rather than nothing
            return not self.running and self.result is None
        if action == "cancel_run":
            return self.running
        if action == "home":
            return not self.running
        if action == "grade":
            return self.result is not None
        if action == "scroll_results":
            return self.result is not None
        return True

    def action_scroll_results(self, direction: int) -> None:
        panel = self.query_one(OutcomePanel)
        if direction < 0:
            panel.scroll_page_up()
        else:
            panel.scroll_page_down()

    def action_home(self) -> None:
        """Back to the topics; the session stays unfinished, so `r` resumes it there."""
        self.quiz.go_home()

    def open_session(self) -> int | None:
        return self.practice.record.id

    def leave(self) -> str | None:
        self.save_answer()
        if self.running:
            self.action_cancel_run()
        return f"'{self.practice.record.title}' is kept: r on the home screen resumes it at this question."

    # -- the prediction -------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "lock":
            self.action_lock()

    def action_lock(self) -> None:
        if self.given is not None:
            return
        raw = typed(self.query_one("#prediction"))
        try:
            value = parse_prediction(self.question.prediction, raw)
        except ValueError as exc:
            self.notify(str(exc), title="Prediction not locked", severity="warning")
            return
        sure = self.query_one("#confidence", Select).value
        confidence = sure if isinstance(sure, str) else None
        self.practice.lock(value, confidence)
        self._show_locked(value, confidence)
        self.query_one("#answer", TextArea).focus()

    def _show_locked(self, value: PredictionValue, confidence: str | None) -> None:
        """The prediction collapses to one line; the space goes to the run."""
        self.given = value
        self.query_one("#predict-pane").display = False
        sure = f" · {confidence}" if confidence else ""
        locked = self.query_one("#locked", Static)
        locked.update(f"Locked: {shown(value, self.question.prediction.unit)}{sure}")
        locked.display = True
        if self.result is None:
            self._set_status("idle", "")
            self.query_one("#details", OutcomePanel).report = OutcomeReport(
                f"Predict: {self.question.prediction.prompt}\n\nCtrl+R runs the simulation."
            )
        self.refresh_bindings()

    # -- the run ----------------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.given is None:
            self.notify("Lock a prediction first: that is the point.", severity="warning")
            return
        if self.running or self.result is not None:
            return
        self.save_answer()
        if not self.answer_locked and not self.saved_answer.strip() and not self.warned_empty:
            self.warned_empty = True
            self.notify(
                "The answer graded is the one written before the run, and yours is empty. "
                "Write it first, or press Ctrl+R again to run anyway.",
                title="No answer yet",
                severity="warning",
                timeout=8,
            )
            return
        if not self.answer_locked:
            self.practice.lock_answer(self.query_one("#answer", TextArea).text)
            self.answer_locked = True
            self._show_answer_state()
        self.running = True
        self.run_number += 1
        self.cancel_event = threading.Event()
        self.query_one(VerdictLine).verdict = None
        self.query_one("#details", OutcomePanel).report = None
        curve = self.query_one(LiveCurve)
        curve.reset()
        curve.display = True
        self._set_status("starting", "starting · Esc cancels")
        self.refresh_bindings()
        self.run_simulation(self.run_number, self.cancel_event)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sim")
    def run_simulation(self, run: int, cancel: threading.Event) -> None:
        worker = get_current_worker()
        sim = get(self.question.simulation.name)

        def post(message: SimMessage) -> None:
            if not worker.is_cancelled and not cancel.is_set():
                self.post_message(message)

        def progress(event: ProgressEvent) -> None:
            post(SimProgress(run, event))

        try:
            from sims import hardware

            post(SimStarted(run, hardware.describe(hardware.resolve(None))))
            result = sim.run(self.question.simulation.params, progress=progress, cancel=cancel)
        except Cancelled:
            return  # the screen showed the cancel the moment Esc was pressed
        except Exception as exc:  # a failed run is shown, never a traceback
            post(SimStopped(run, "failed", str(exc)))
            return
        post(SimFinished(run, result))

    def action_cancel_run(self) -> None:
        """Stop at once on screen; the worker notices the event within a fraction of a second."""
        if not self.running:
            return
        self.cancel_event.set()
        self.workers.cancel_group(self, "sim")
        self.running = False
        self.practice.record_run("cancelled", None, None)
        self._set_status("cancelled", self._stopped_line("cancelled", ""))
        self.query_one(LiveCurve).display = False
        self.refresh_bindings()

    def _current(self, message: SimMessage) -> bool:
        return self.running and message.run == self.run_number

    def on_sim_started(self, message: SimStarted) -> None:
        if self._current(message):
            self._set_status("running", f"{message.device.split(' (')[0]} · Esc cancels")

    def on_sim_progress(self, message: SimProgress) -> None:
        if not self._current(message):
            return
        self.query_one(RunStatus).fraction = message.event.fraction
        if message.event.points:
            self.query_one(LiveCurve).add(message.event.points)

    def on_sim_finished(self, message: SimFinished) -> None:
        if not self._current(message):
            return
        self.running = False
        self.result = message.result
        verdict = self.practice.record_run("finished", message.result, self.given)
        self._show_outcome(message.result, verdict)
        self.query_one(OutcomePanel).focus()

    def on_sim_stopped(self, message: SimStopped) -> None:
        if not self._current(message):
            return
        self.running = False
        self.practice.record_run(message.status, None, None)
        self._set_status("failed", self._stopped_line("failed", message.detail))
        self.refresh_bindings()

    @staticmethod
    def _stopped_line(status: str, detail: str) -> str:
        if status == "cancelled":
            return "✗ Run cancelled. Ctrl+R runs it again from the start."
        return f"✗ The simulation failed: {detail or 'see the log'}. Ctrl+R tries again."

    def _set_status(self, state: RunState, line: str) -> None:
        status = self.query_one(RunStatus)
        status.state = state
        status.detail = line

    # -- the outcome ---------------------------------------------------------------------------------
    def _show_outcome(self, result: SimResult, verdict: Verdict | None) -> None:
        self._set_status("finished", f"trained on {result.device} in {result.wall_seconds:.1f} s")
        curve = self.query_one(LiveCurve)
        curve.display = True
        curve.show_result(result)
        self.query_one(VerdictLine).verdict = self._verdict(result, verdict)
        self.query_one(OutcomePanel).report = self._report(result)
        self.refresh_bindings()

    def _verdict(self, result: SimResult, verdict: Verdict | None) -> ShownVerdict:
        """One line: right or wrong, what the run gave, and how many seeds agreed."""
        prediction = self.question.prediction
        outcome = result.observable(prediction.observable, prediction.variant)
        backing = seeds_line(prediction, self.given, outcome, len(result.seeds))
        gave = f"{shown(outcome.value, prediction.unit)}{backing}"
        if verdict is None or verdict.correct is None:
            return ShownVerdict("undecided", f"the run did not decide this ({gave})")
        return ShownVerdict("right" if verdict.correct else "wrong", gave)

    def _report(self, result: SimResult) -> OutcomeReport:
        """Why, then the key numbers per variant with the predicted quantity first."""
        lines = []
        if result.diverged:
            runs = ", ".join(sorted({d.variant for d in result.diverged}))
            lines += [f"Diverged (as training does at too large a rate): {runs}", ""]
        lines += [reflow(self.question.explanation), "", "Ctrl+G: the model answer and the rubric."]
        names = key_metrics(result, MAX_METRIC_COLUMNS, self.question.prediction.observable)
        rows = [
            [row.variant, *(shown(row.values.get(c)) for c in names), shown(row.values.get("diverged_runs"))]
            for row in result.metrics
        ]
        return OutcomeReport("\n".join(lines), ["variant", *names, "diverged"], rows)

    # -- on to grading -----------------------------------------------------------------------------
    def action_grade(self) -> None:
        if self.result is None:
            self.notify("Run the simulation first.", severity="warning")
            return
        self.save_answer()
        self.quiz.open_grading(self.practice)
