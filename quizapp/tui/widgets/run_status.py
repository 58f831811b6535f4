"""Progress of the running simulation and the device it trains on, driven by reactives."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static


class RunStatus(Vertical):
    fraction: reactive[float] = reactive(0.0)
    device: reactive[str] = reactive("")

    def compose(self) -> ComposeResult:
        yield ProgressBar(id="progress", total=1.0, show_eta=False)
        yield Static("", id="device")

    def watch_fraction(self, fraction: float) -> None:
        self.query_one("#progress", ProgressBar).update(progress=fraction)

    def watch_device(self, device: str) -> None:
        self.query_one("#device", Static).update(device)
