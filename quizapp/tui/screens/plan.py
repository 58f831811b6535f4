"""The study plan: an interview date the schedule works towards, and how many new cards a day."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from quizapp.schedule.plan import MOST_NEW_PER_DAY, PlanError, StudyPlan

ABOUT = (
    "With a date, a card that would next fall due on it or after comes the day before instead, so "
    "nothing goes into the interview unreviewed. Leave it empty for no date."
)


class PlanScreen(ModalScreen[StudyPlan | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, plan: StudyPlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(id="plan"):
            yield Static("Study plan", classes="section")
            yield Static(ABOUT, id="plan-about")
            yield Static("Interview date (YYYY-MM-DD):")
            yield Input(
                self.plan.interview.isoformat() if self.plan.interview else "",
                placeholder="YYYY-MM-DD, or empty: no date",
                id="plan-interview",
                compact=True,
            )
            yield Static(f"New cards a day (0 to {MOST_NEW_PER_DAY}):")
            yield Input(str(self.plan.new_per_day), id="plan-new", type="integer", compact=True)
            yield Button("Save (Ctrl+S)", id="plan-save", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#plan-interview", Input).focus()

    def on_input_submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "plan-save":
            self.action_save()

    def action_save(self) -> None:
        typed = {
            "interview": self.query_one("#plan-interview", Input).value.strip(),
            "new_per_day": self.query_one("#plan-new", Input).value.strip(),
        }
        try:
            plan = StudyPlan.from_settings(typed)
        except PlanError as exc:
            self.notify(str(exc), title="Plan not saved", severity="warning")
            return
        self.dismiss(plan)
