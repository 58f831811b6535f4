"""One question: write an answer, lock a prediction, run the simulation, see the outcome."""

from __future__ import annotations

import threading

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    Markdown,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)
from textual.worker import get_current_worker

from quizapp.formatting import key_metrics, reflow, shown
from quizapp.grading import PredictionValue, Verdict, parse_prediction
from quizapp.practice import Practice
from quizapp.store import CONFIDENCE_LEVELS
from quizapp.tui.messages import SimFinished, SimProgress, SimStarted, SimStopped
from quizapp.tui.widgets.live_curve import LiveCurve
from quizapp.tui.widgets.outcome import OutcomePanel, OutcomeReport
from quizapp.tui.widgets.run_status import RunStatus
from sims.registry import get
from sims.result import CurvePoints, ProgressEvent, SimResult
from sims.spec import Cancelled

AUTOSAVE_SECONDS = 1.0
MAX_METRIC_COLUMNS = 4


class QuestionScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+l", "lock", "Lock prediction"),
        Binding("ctrl+r", "run", "Run simulation"),
        Binding("escape", "cancel_run", "Cancel run"),
        Binding("ctrl+g", "grade", "Reveal & grade"),
    ]

    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice
        self.question = practice.question
        self.given: PredictionValue | None = None
        self.result: SimResult | None = None
        self.cancel_event = threading.Event()
        self.running = False
        self.saved_answer = ""

    def compose(self) -> ComposeResult:
        q = self.question
        position = f"{self.practice.position + 1}/{len(self.practice.record.question_ids)}"
        yield Header()
        with Horizontal(id="question-body"):
            with VerticalScroll(id="question-left"):
                yield Static(f"{position} · {q.topic} · {q.difficulty}", id="question-meta")
                yield Markdown(q.prompt, id="prompt")
                yield Label("Your answer, as you would say it in an interview (saved as you type):")
                yield TextArea(id="answer", soft_wrap=True)
            with VerticalScroll(id="question-right"):
                yield Label(f"Predict: {q.prediction.prompt}", id="prediction-prompt")
                yield self._prediction_input()
                yield Select(
                    [(level, level) for level in CONFIDENCE_LEVELS], prompt="How sure? (optional)", id="confidence"
                )
                yield Button("Lock prediction", id="lock", variant="primary")
                yield Button("Run simulation", id="run", disabled=True)
                yield RunStatus(id="status")
                yield LiveCurve(id="curve")
                yield OutcomePanel(id="outcome-panel")
        yield Footer()

    def _prediction_input(self) -> Input | RadioSet:
        prediction = self.question.prediction
        if prediction.kind == "choice":
            assert prediction.choices is not None
            return RadioSet(*[RadioButton(c) for c in prediction.choices], id="prediction")
        if prediction.kind == "bool":
            return RadioSet(RadioButton("yes"), RadioButton("no"), id="prediction")
        unit = f" ({prediction.unit})" if prediction.unit else ""
        return Input(placeholder=f"a number{unit}", id="prediction")

    def on_mount(self) -> None:
        attempt = self.practice.current_attempt()
        if attempt is not None:
            self.saved_answer = attempt.answer
            self.query_one("#answer", TextArea).text = attempt.answer
            if attempt.prediction_locked_at is not None:
                self._show_locked(attempt.prediction, attempt.confidence)
            if attempt.result is not None:
                self.result = SimResult.model_validate_json(attempt.result)
                verdict = Verdict.model_validate_json(attempt.verdict) if attempt.verdict else None
                self._show_outcome(self.result, verdict)
        self.set_interval(AUTOSAVE_SECONDS, self.save_answer)
        # Tab should go answer -> prediction -> buttons, not stop at the scrolling panes.
        for pane in self.query("#question-left, #question-right"):
            pane.can_focus = False
        self.query_one("#answer", TextArea).focus()

    # -- the answer ---------------------------------------------------------------------------
    def save_answer(self) -> None:
        """Called every second: writes only when the text changed since the last write."""
        text = self.query_one("#answer", TextArea).text
        if text != self.saved_answer:
            self.practice.save_answer(text)
            self.saved_answer = text

    def on_unmount(self) -> None:
        self.cancel_event.set()

    # -- the prediction -------------------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "lock":
            self.action_lock()
        elif event.button.id == "run":
            self.action_run()

    def action_lock(self) -> None:
        if self.given is not None:
            return
        widget = self.query_one("#prediction")
        if isinstance(widget, RadioSet):
            pressed = widget.pressed_button
            raw = "" if pressed is None else str(pressed.label)
        else:
            raw = str(widget.value)
        try:
            value = parse_prediction(self.question.prediction, raw)
        except ValueError as exc:
            self.notify(str(exc), title="Prediction", severity="warning")
            return
        sure = self.query_one("#confidence", Select).value
        confidence = sure if isinstance(sure, str) else None
        self.practice.lock(value, confidence)
        self._show_locked(value, confidence)

    def _show_locked(self, value: PredictionValue | None, confidence: str | None) -> None:
        self.given = value
        widget = self.query_one("#prediction")
        widget.disabled = True
        sure = self.query_one("#confidence", Select)
        if confidence is not None:
            sure.value = confidence
        sure.disabled = True
        shown = ("yes" if value else "no") if isinstance(value, bool) else value
        if isinstance(widget, Input):
            widget.value = f"{shown:g}" if isinstance(shown, float) else str(shown)
        elif isinstance(widget, RadioSet):
            for button in widget.query(RadioButton):
                button.value = str(button.label) == str(shown)
        self.query_one("#lock", Button).disabled = True
        self.query_one("#lock", Button).label = "Locked"
        self.query_one("#run", Button).disabled = False

    # -- the run ----------------------------------------------------------------------------------
    def action_run(self) -> None:
        if self.given is None:
            self.notify("Lock a prediction first: that is the point.", severity="warning")
            return
        if self.running:
            return
        self.running = True
        self.cancel_event = threading.Event()
        self.query_one("#run", Button).disabled = True
        self.query_one(OutcomePanel).report = OutcomeReport("Training... (Esc cancels)")
        self.query_one("#curve", LiveCurve).reset()
        self.query_one(RunStatus).fraction = 0.0
        self.run_simulation(self.cancel_event)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sim")
    def run_simulation(self, cancel: threading.Event) -> None:
        worker = get_current_worker()
        sim = get(self.question.simulation.name)

        def progress(event: ProgressEvent) -> None:
            if not worker.is_cancelled:
                self.post_message(SimProgress(event))

        try:
            from sims import device

            self.post_message(SimStarted(device.describe(device.resolve(None))))
            result = sim.run(self.question.simulation.params, progress=progress, cancel=cancel)
        except Cancelled:
            self.post_message(SimStopped("cancelled", "Run cancelled. Press Ctrl+R to run it again."))
            return
        except Exception as exc:  # a failed run is shown, never a traceback
            self.post_message(SimStopped("failed", f"The simulation failed: {exc}"))
            return
        self.post_message(SimFinished(result))

    def action_cancel_run(self) -> None:
        if self.running:
            self.cancel_event.set()
            self.workers.cancel_group(self, "sim")

    def on_sim_started(self, message: SimStarted) -> None:
        self.query_one(RunStatus).device = f"training on {message.device}"

    def on_sim_progress(self, message: SimProgress) -> None:
        self.query_one(RunStatus).fraction = message.event.fraction
        if message.event.points:
            self.query_one("#curve", LiveCurve).add(message.event.points)

    def on_sim_finished(self, message: SimFinished) -> None:
        self.running = False
        self.result = message.result
        verdict = self.practice.record_run("finished", message.result, self.given)
        self.query_one(RunStatus).fraction = 1.0
        self._show_outcome(message.result, verdict)

    def on_sim_stopped(self, message: SimStopped) -> None:
        self.running = False
        self.practice.record_run(message.status, None, None)
        self.query_one("#run", Button).disabled = False
        self.query_one(OutcomePanel).report = OutcomeReport(message.detail)

    def _show_outcome(self, result: SimResult, verdict: Verdict | None) -> None:
        self.query_one(RunStatus).device = f"trained on {result.device} in {result.wall_seconds:.1f} s"
        curve = self.query_one("#curve", LiveCurve)
        if not curve.curves:
            curve.add(
                [CurvePoints(metric=s.metric, variant=s.variant, seed=s.seed, x=s.x, y=s.y) for s in result.series]
            )
        self.query_one(OutcomePanel).report = self._report(result, verdict)

    def _report(self, result: SimResult, verdict: Verdict | None) -> OutcomeReport:
        """The verdict in words, the explanation, and the key numbers per variant."""
        prediction = self.question.prediction
        outcome = result.observable(prediction.observable, prediction.variant)
        lines = []
        if verdict is None or verdict.correct is None:
            lines.append("The run did not decide this outcome (see below).")
        else:
            lines.append("RIGHT" if verdict.correct else "WRONG")
        agreed = "" if outcome.agreeing is None else f" ({outcome.agreeing} of {len(result.seeds)} seeds agreed)"
        lines.append(f"you said {shown(self.given)}; the run gave {shown(outcome.value)}{agreed}")
        if result.diverged:
            runs = ", ".join(sorted({f"{d.variant}" for d in result.diverged}))
            lines.append(f"diverged (as training does at too large a rate): {runs}")
        lines += ["", reflow(self.question.explanation), "", "Press Ctrl+G to see the model answer and grade yours."]
        names = key_metrics(result, MAX_METRIC_COLUMNS)
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
        from quizapp.tui.screens.grading import GradingScreen

        self.app.switch_screen(GradingScreen(self.practice))
