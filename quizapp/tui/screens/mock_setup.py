"""Before a mock interview: how long, and which topics it will probe (from the schedule)."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, RadioSet, Static

from quizapp.mock import LENGTHS, MockPlan, plan_mock
from quizapp.schedule.deck import Deck
from quizapp.tui.widgets.toggles import ChoiceButton

RULES = (
    "One question at a time: predict, answer, then the follow-ups while its time lasts. The timer turns "
    "amber, then red. Hints cost points. Nothing is revealed until the debrief."
)


class MockSetupScreen(ModalScreen[MockPlan | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("enter", "start", "Start", priority=True)]

    def __init__(self, deck: Deck) -> None:
        super().__init__()
        self.deck = deck
        self.plans = {minutes: plan_mock(deck, datetime.now(UTC), minutes) for minutes in LENGTHS}

    def compose(self) -> ComposeResult:
        with Vertical(id="mock-setup"):
            yield Static("Mock interview", classes="section")
            yield Static(RULES, id="mock-rules")
            yield RadioSet(*[ChoiceButton(f"{m} minutes") for m in LENGTHS], id="mock-length", compact=True)
            yield Static("", id="mock-plan")
            yield Button("Start (Enter)", id="mock-start", variant="primary", compact=True)

    def on_mount(self) -> None:
        lengths = self.query_one("#mock-length", RadioSet)
        first = lengths.query(ChoiceButton).first()
        first.value = True
        lengths.focus()
        self._show_plan()

    def minutes(self) -> int:
        pressed = self.query_one("#mock-length", RadioSet).pressed_index
        return LENGTHS[max(pressed, 0)]

    def on_radio_set_changed(self) -> None:
        self._show_plan()

    def _show_plan(self) -> None:
        plan = self.plans[self.minutes()]
        topics = ", ".join(dict.fromkeys(self.deck.bank.get(q).topic for q in plan.question_ids))
        per = plan.seconds_per_question / 60
        self.query_one("#mock-plan", Static).update(
            f"{len(plan.question_ids)} questions, about {per:.0f} min each, due and weakest first: {topics}."
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "mock-start":
            self.action_start()

    def action_start(self) -> None:
        self.dismiss(self.plans[self.minutes()])
