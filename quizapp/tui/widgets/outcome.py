"""What the run decided: a one-line verdict, then the explanation and key numbers; redrawn from reactives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

Tone = Literal["right", "wrong", "undecided"]
#: Marks that read without colour; the colour only repeats them.
MARKS: dict[Tone, str] = {"right": "✓ RIGHT", "wrong": "✗ WRONG", "undecided": "? UNDECIDED"}


@dataclass(frozen=True)
class Verdict:
    tone: Tone
    text: str  # after the mark: what the run gave and how many seeds agreed


class VerdictLine(Static):
    """The verdict at the top of the pane, marked in words and a symbol, coloured by tone."""

    DEFAULT_CSS = """
    VerdictLine {
        height: auto;
        text-style: bold;
        &.-right { color: $text-success; }
        &.-wrong { color: $text-error; }
        &.-undecided { color: $text-warning; }
    }
    """

    verdict: reactive[Verdict | None] = reactive(None)

    def watch_verdict(self, verdict: Verdict | None) -> None:
        self.display = verdict is not None
        for tone in MARKS:
            self.set_class(verdict is not None and verdict.tone == tone, f"-{tone}")
        self.update("" if verdict is None else f"{MARKS[verdict.tone]}: {verdict.text}")


@dataclass(frozen=True)
class OutcomeReport:
    text: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class OutcomePanel(VerticalScroll):
    """The explanation and the metrics below the chart; focusable, so PgUp/PgDn and arrows scroll it.

    Metrics are written one per line ("final val loss: 16 0.31 · 64 0.27") rather than as a table,
    so they wrap instead of hiding columns off the side of a 38-column pane.
    """

    DEFAULT_CSS = """
    OutcomePanel {
        height: 1fr;
        min-height: 3;
        & > #outcome { padding: 0 0 1 0; }
        &:focus { background-tint: $foreground 5%; }
    }
    """

    report: reactive[OutcomeReport | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static("", id="outcome")
        yield Static("", id="metrics")

    def watch_report(self, report: OutcomeReport | None) -> None:
        self.display = report is not None
        self.query_one("#outcome", Static).update(report.text if report else "")
        metrics = self.query_one("#metrics", Static)
        metrics.update(metric_lines(report) if report else Content(""))
        metrics.display = bool(report and report.columns)


def metric_lines(report: OutcomeReport) -> Content:
    """One line per metric, its value for each variant; the first column names the variant."""
    if not report.columns:
        return Content("")
    lines = [Content.styled("Key numbers (variant: value)", "bold")]
    for index, name in enumerate(report.columns[1:], start=1):
        # A no-break space keeps each "variant: value" pair on one line when the list wraps.
        values = "  ".join(f"{row[0]}:\u00a0{row[index]}" for row in report.rows)
        lines.append(Content.assemble((f"{name.replace('_', ' ')}: ", "bold"), values))
    return Content("\n").join(lines)
