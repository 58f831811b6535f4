"""The question's chart in the terminal: drawn live while its simulation trains, then from the finished run.

What to draw comes from `quizapp.charting`, shared with the study reports: the metric the question
is about, along its own axis, log scales labelled with real values, whole-number ticks on counts.
Drawing is textual-plot's (braille lines, box axes); the legend and the x-axis title sit below the
plot, outside the data, because the library's own legend floats over it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static
from textual_plot import HiResMode, PlotWidget
from textual_plot.axis_formatter import AxisFormatter

from quizapp.charting import PALETTE, Chart, Line, LiveChart, Tick, chart_for
from quizapp.models import Question
from sims.result import CurvePoints, SimResult

#: Columns per x tick label at most (a label and the gap after it), rows per y tick.
X_TICK_GAP = 2
Y_TICK_ROWS = 2
#: Lines with fewer points than this are also drawn as points: a single update would otherwise not show.
FEW_POINTS = 3
#: One glyph per line, in the legend and along the line, so the chart reads in monochrome too.
MARKERS = ("●", "■", "▲", "◆", "✚", "○", "□", "△")
MARKS_PER_LINE = 4
#: Below this height the title keeps to one row, so the plot keeps its rows.
SHORT = 11


class _FixedTicks(AxisFormatter):
    """Ticks chosen by `quizapp.charting`, at plot positions (log10 on a log axis) with real-value labels."""

    def __init__(self, ticks: Sequence[tuple[float, str]]) -> None:
        self.ticks = list(ticks)

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        return [position for position, _ in self.ticks]

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        labels = dict(self.ticks)
        return [labels.get(tick, "") for tick in ticks]


class _Plot(PlotWidget, can_focus=False):
    """textual-plot's canvas, read rather than explored: never focused, so its zoom and pan keys stay off."""


class LiveCurve(Widget):
    """One line per variant: the first seed while training, the median over healthy seeds once finished."""

    DEFAULT_CSS = """
    LiveCurve { height: 12; }
    LiveCurve > #curve-title { height: auto; max-height: 2; text-style: bold; }
    LiveCurve.-short > #curve-title { max-height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    LiveCurve > _Plot { height: 1fr; min-height: 4; }
    LiveCurve > #curve-footer { height: auto; max-height: 3; }
    """

    def __init__(self, question: Question, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.question = question
        self._live = LiveChart(question)
        self._chart: Chart | None = None
        self._finished = False

    def compose(self) -> ComposeResult:
        yield Static(id="curve-title", markup=False)
        yield _Plot(allow_pan_and_zoom=False)
        yield Static(id="curve-footer")

    def on_mount(self) -> None:
        plot = self.query_one(_Plot)
        plot.margin_top = 0  # the title row above says what y is
        plot.margin_bottom = 1  # tick labels; the axis title is its own row below
        self._draw()

    def on_resize(self) -> None:
        self._draw()  # tick counts and the legend's rows follow the size

    @property
    def has_data(self) -> bool:
        return self._chart is not None and any(line.x for line in self._chart.lines)

    def reset(self) -> None:
        """Forget the last run: a new one is starting."""
        self._live.reset()
        self._chart = None
        self._finished = False
        self._draw()

    def add(self, points: list[CurvePoints]) -> None:
        """New points from the running simulation (late points after `show_result` are ignored)."""
        if not self._finished and self._live.add(points):
            self._chart = self._live.chart()
            self._draw()

    def show_result(self, result: SimResult) -> None:
        """The finished run's chart: the same metric, axes and seeds as the report's."""
        self._finished = True
        self._chart = chart_for(self.question, result)
        self._draw()

    # -- drawing ------------------------------------------------------------------------------
    def _draw(self) -> None:
        if not self.is_mounted:
            return
        plot = self.query_one(_Plot)
        title = self.query_one("#curve-title", Static)
        footer = self.query_one("#curve-footer", Static)
        chart = self._chart
        drawn = chart is not None and any(line.x for line in chart.lines)
        plot.display = footer.display = drawn
        if chart is None or not drawn:
            if self._finished:
                waiting = "no chart for this run"
            elif self._live.received:  # points came, none of them drawable (a grid of runs sharing one name)
                waiting = "drawn when the run ends"
            else:
                waiting = "waiting for the first points"
            title.update(f"{self._live.final_title()}: {waiting}")
            return
        width = max(10, self.size.width)
        short = self.size.height < SHORT
        note = "" if self._finished else chart.note  # a live stand-in is always said, in full
        rows = _legend(chart, width, compact=short)
        axis = _axis(chart)
        heading = f"{chart.y_label} (log)" if chart.log_y else chart.y_label
        if axis and rows and rows[-1].cell_len + 2 + len(axis) <= width:
            rows[-1].append(" " * (width - rows[-1].cell_len - len(axis)))
            rows[-1].append(axis, style="italic")
        elif axis and short and not note and len(f"{heading} vs {axis}") <= width:
            heading += f" vs {axis}"  # a short chart keeps its rows for the plot
        elif axis:
            rows.append(Text(axis.rjust(width), style="italic"))
        if note:
            heading += f" · {note}"
        title.update(heading)
        footer.update(Text("\n").join(rows))
        footer.display = bool(rows)
        self.set_class(short and not note, "-short")
        # The plot's share of the height, known before the layout catches up with what was just shown or hidden.
        title_rows = 1 if (short and not note) or len(heading) <= width else 2
        self._plot(plot, chart, width, max(4, self.size.height - title_rows - len(rows)))

    def _plot(self, plot: _Plot, chart: Chart, width: int, height: int) -> None:
        """Draw into the plot, `width` x `height` cells including its axes and tick labels."""
        y_ticks = chart.y_ticks(max(2, -(-(height - 3) // Y_TICK_ROWS)))  # less the bottom labels and the box
        plot.margin_left = max((len(t.label) for t in y_ticks), default=1) + 2
        width -= plot.margin_left + 2
        plot.clear()
        for index, line in enumerate(chart.lines):
            xs = [chart.x_position(x) for x in line.x]
            ys = [chart.y_position(y) for y in line.y]
            colour, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
            if chart.markers or len(xs) < FEW_POINTS:
                plot.scatter(xs, ys, marker=marker, marker_style=colour)
            if not chart.markers and len(xs) > 1:
                plot.plot(xs, ys, line_style=colour, hires_mode=HiResMode.BRAILLE)
                # A few of the line's own glyphs along it, staggered per line: lines tell apart without colour.
                if len(chart.lines) > 1:
                    picks = [
                        round((k + (index + 1) / (len(chart.lines) + 1)) * (len(xs) - 1) / MARKS_PER_LINE)
                        for k in range(MARKS_PER_LINE)
                    ]
                    plot.scatter([xs[i] for i in picks], [ys[i] for i in picks], marker=marker, marker_style=colour)
        x_ticks = self._placed(chart, chart.x_ticks(self._x_tick_count(chart, width)), x=True)
        plot.set_x_formatter(_FixedTicks(x_ticks))
        plot.set_y_formatter(_FixedTicks(self._placed(chart, y_ticks, x=False)))
        low, high = chart.x_bounds()
        # A label is centred on its tick: leave room on the right for the last one's second half.
        spare = -(-len(x_ticks[-1][1]) // 2) if x_ticks and x_ticks[-1][0] >= high else 0
        plot.set_xlimits(low, high + (high - low) * spare / max(1, width - spare))
        plot.set_ylimits(*chart.y_bounds())

    @staticmethod
    def _x_tick_count(chart: Chart, width: int) -> int:
        """The most x ticks whose labels fit the width side by side."""
        for most in range(8, 1, -1):
            if sum(len(t.label) + X_TICK_GAP for t in chart.x_ticks(most)) <= width:
                return most
        return 2

    @staticmethod
    def _placed(chart: Chart, ticks: list[Tick], *, x: bool) -> list[tuple[float, str]]:
        place = chart.x_position if x else chart.y_position
        return [(place(t.value), t.label) for t in ticks]


def _legend(chart: Chart, width: int, *, compact: bool) -> list[Text]:
    """Coloured swatches and labels packed into rows under the plot, outside the data; none for a lone line."""
    if len(chart.lines) == 1 and chart.lines[0].label == chart.y_label:
        return []
    items = [_legend_item(line, index, compact) for index, line in enumerate(chart.lines)]
    if any(line.diverged for line in chart.lines) and not compact:
        items.append(Text("✗ diverged", style="italic"))
    gap = " " if compact else "  "
    rows = [Text()]
    for item in items:
        if rows[-1].cell_len and rows[-1].cell_len + len(gap) + item.cell_len > width:
            rows.append(Text())
        if rows[-1].cell_len:
            rows[-1].append(gap)
        rows[-1].append_text(item)
    return rows


def _axis(chart: Chart) -> str:
    return f"{chart.x_label} (log)" if chart.log_x else chart.x_label


def _legend_item(line: Line, index: int, compact: bool) -> Text:
    label = f"{line.label} ✗" if line.diverged else line.label
    swatch = MARKERS[index % len(MARKERS)] + ("" if compact else "━")
    return Text.assemble((f"{swatch} ", PALETTE[index % len(PALETTE)]), label)
