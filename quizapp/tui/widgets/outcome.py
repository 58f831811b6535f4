"""What the run decided: the verdict text and the key numbers, redrawn when `report` changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Static


@dataclass(frozen=True)
class OutcomeReport:
    text: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class OutcomePanel(Vertical):
    report: reactive[OutcomeReport | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static("", id="outcome")
        yield DataTable(id="metrics", show_cursor=False, zebra_stripes=True)

    def watch_report(self, report: OutcomeReport | None) -> None:
        self.query_one("#outcome", Static).update(report.text if report else "")
        table = self.query_one("#metrics", DataTable)
        table.clear(columns=True)
        if report and report.columns:
            table.add_columns(*report.columns)
            for row in report.rows:
                table.add_row(*row)
