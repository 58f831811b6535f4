"""One line on the run: a progress bar while it trains, then how it ended; driven by reactives."""

from __future__ import annotations

from typing import Literal, get_args

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static

RunState = Literal["idle", "starting", "running", "finished", "cancelled", "failed"]


class RunStatus(Horizontal):
    """The bar shows only while a run is under way, so a cancelled run never leaves a frozen bar behind."""

    DEFAULT_CSS = """
    RunStatus {
        height: auto;
        & > ProgressBar { width: auto; margin: 0 1 0 0; }
        & > ProgressBar > Bar { width: 12; }
        & > #run-line { width: 1fr; }
        &.-idle { display: none; }
        &.-cancelled > #run-line, &.-failed > #run-line { color: $text-warning; text-style: bold; }
    }
    """

    state: reactive[RunState] = reactive("idle")
    fraction: reactive[float] = reactive(0.0)
    detail: reactive[str] = reactive("")

    def compose(self) -> ComposeResult:
        yield ProgressBar(id="progress", total=1.0, show_eta=False, show_percentage=True)
        yield Static("", id="run-line")

    def watch_state(self, state: RunState) -> None:
        for name in get_args(RunState):
            self.set_class(state == name, f"-{name}")
        self.query_one(ProgressBar).display = state in ("starting", "running")
        if state == "starting":
            self.fraction = 0.0

    def watch_fraction(self, fraction: float) -> None:
        self.query_one(ProgressBar).update(progress=fraction)

    def watch_detail(self, detail: str) -> None:
        self.query_one("#run-line", Static).update(detail)
