"""Charts for reports: inline SVG (pygal) for HTML, and text sparklines for Markdown.

What a question's chart shows (metric, axis, scale, ticks) is decided in `quizapp.charting`,
shared with the app's terminal chart, so a report and the screen agree; this module only draws.
A chart is kept as data until a template asks for it: HTML calls `svg()`, Markdown calls
`sparklines()` and never loads pygal.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections.abc import Sequence

from quizapp import charting
from quizapp.charting import PALETTE, Line, chart_for, number
from quizapp.formatting import spark as block
from quizapp.models import Question
from sims.result import SimResult

__all__ = ["Chart", "Line", "make_chart", "question_chart"]

SPARK_WIDTH = 40
BAR_WIDTH = 24
#: Ticks at most, per axis, on a 720-pixel chart.
MOST_X_TICKS = 10
MOST_Y_TICKS = 8
#: Roughly how many pixels of x axis names fit under a 720-pixel chart before they run into each other.
NAMES_WIDTH = 600


class Chart(charting.Chart):
    """A chart each report format draws in its own way."""

    colors: list[str] | None = None  # one per line where colour carries meaning (ready green); else the palette

    def svg(self) -> str:
        """Inline SVG: no XML declaration, no namespace URL, no script."""
        return _svg(self)

    def sparklines(self) -> list[str]:
        """Markdown: one "label  ▁▂▃▅█  first -> last" line per curve, or one bar per variant."""
        return _bars(self) if self.markers else _sparklines(self)


def question_chart(question: Question | None, result: SimResult) -> Chart | None:
    """The chart of a question's run: the same choice of metric, axes and scale as the app's."""
    chart = chart_for(question, result)
    return None if chart is None else Chart.model_validate(chart.model_dump())


def make_chart(
    title: str,
    x_label: str,
    y_label: str,
    lines: Sequence[Line],
    *,
    log_x: bool = False,
    percent: bool = False,
    x_names: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
) -> Chart:
    """A report chart from lines of its own (progress trends); percentages span 0 to 100%."""
    chart = charting.make_chart(title, x_label, y_label, lines, log_x=log_x, percent=percent, x_names=x_names)
    fixed = {"y_range": (0.0, 1.0) if percent else None, "colors": list(colors) if colors else None}
    return Chart.model_validate({**chart.model_dump(), **fixed})


def _svg(spec: Chart) -> str:
    import pygal
    from pygal.style import Style

    style = Style(
        background="transparent",
        plot_background="transparent",
        foreground="#666",
        foreground_strong="#666",
        foreground_subtle="#9995",
        opacity="1",
        opacity_hover="1",
        font_family="system-ui, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
        title_font_size=14,
        colors=tuple(spec.colors) if spec.colors else PALETTE,
    )
    lines = spec.lines
    few = spec.markers or max((len(line.x) for line in lines), default=0) <= 12
    columns = min(4, max(1, len(lines)))
    chart = pygal.XY(
        width=720,
        height=300 + 26 * math.ceil(len(lines) / columns),
        style=style,
        js=[],
        disable_xml_declaration=True,
        show_dots=few,
        dots_size=4 if spec.markers else 3,
        stroke=not spec.markers,
        stroke_style={"width": 1.6},
        legend_at_bottom=True,  # the legend sits under the chart, never over the data
        legend_at_bottom_columns=columns,
        truncate_legend=-1,
        x_title=spec.x_title() or None,
        margin_bottom=32,  # pygal places a bottom legend too low when there is an x title
        y_title=spec.y_title(),
        show_x_guides=False,
        tooltip_border_radius=0,
        truncate_label=-1,  # names such as "11-30 mock" are shown whole
        x_label_rotation=30 if _crowded(spec.x_names) else 0,
    )
    # The shared ticks, placed at positions (log10 on a log axis) and labelled with real values. pygal draws
    # the guide at position 0 solid, as if it were an axis (on a log axis 0 is just the value 1): nudged off 0,
    # it is drawn as the other guides and pygal draws the axis line at the chart's edge instead.
    chart.x_labels = [
        {"label": t.label, "value": _off_zero(spec.x_position(t.value))} for t in spec.x_ticks(MOST_X_TICKS)
    ]
    chart.y_labels = [
        {"label": t.label, "value": _off_zero(spec.y_position(t.value))} for t in spec.y_ticks(MOST_Y_TICKS)
    ]
    chart.xrange = spec.x_bounds()
    chart.range = spec.y_bounds()
    chart.zero = chart.range[0]
    chart.value_formatter = lambda v: _shown_y(spec, v)
    chart.x_value_formatter = lambda v: _shown_x(spec, v)
    for line in lines:
        points = [(spec.x_position(x), spec.y_position(y)) for x, y in zip(line.x, line.y, strict=True)]
        chart.add(line.shown_label, points)
    return _clean(chart.render(is_unicode=True))


def _crowded(names: Sequence[str] | None) -> bool:
    """Whether category names side by side would overlap (about 7 pixels a character at 12px)."""
    if not names:
        return False
    return len(names) * (7 * max(len(n) for n in names) + 10) > NAMES_WIDTH


def _off_zero(position: float) -> float:
    return 1e-9 if position == 0 else position


def _shown_x(spec: Chart, position: float) -> str:
    if spec.x_names is not None:
        index = round(position)
        return spec.x_names[index] if 0 <= index < len(spec.x_names) else ""
    return number(10**position if spec.log_x else position)


def _shown_y(spec: Chart, position: float) -> str:
    if spec.log_y:
        return number(10**position)
    return f"{position:.0f}%" if spec.percent else number(position)


def _clean(svg: str) -> str:
    """Inline-ready SVG: no script (pygal's tooltip config), no comments (URLs, a date), no namespace URLs."""
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = svg.replace("xlink:href", "href")
    found = re.search(r'id="chart-([0-9a-f-]+)"', svg)
    if found:
        stable = hashlib.sha1(svg.replace(found.group(1), "").encode()).hexdigest()[:12]
        svg = svg.replace(found.group(1), stable)
    return svg


def _value(spec: Chart, value: float) -> str:
    return f"{value * 100:.0f}%" if spec.percent else f"{value:.3g}"


def _sparklines(spec: Chart) -> list[str]:
    """One text line per curve, all on the chart's x and y scales (log where it is log) so they compare by eye."""
    lines = spec.lines
    width = max((len(line.shown_label) for line in lines), default=0)
    drawn = [line for line in lines if line.y]
    if not drawn:
        return [f"{line.shown_label:<{width}}  no finite values (the run diverged)" for line in lines]
    low, high = spec.y_bounds()
    positions = [spec.x_position(x) for line in drawn for x in line.x]
    x_low, x_high = min(positions), max(positions)
    columns = min(SPARK_WIDTH, len(set(positions)))
    rows = []
    for line in lines:
        if not line.y:
            rows.append(f"{line.shown_label:<{width}}  no finite values (the run diverged)")
            continue
        xs = [spec.x_position(x) for x in line.x]
        spark = ""
        for column in range(columns):
            x = x_low + column * (x_high - x_low) / max(1, columns - 1)
            if x > xs[-1] + 1e-12 * max(1.0, abs(x)):
                break
            if x < xs[0] - 1e-12 * max(1.0, abs(x)):
                spark += " "  # this curve starts later (a topic first practised in a later session)
                continue
            value = spec.y_position(line.y[_nearest(xs, x)])
            level = min(1.0, max(0.0, (value - low) / (high - low))) if high > low else 0.5
            spark += block(level)
        first, last = _value(spec, line.y[0]), _value(spec, line.y[-1])
        rows.append(f"{line.shown_label:<{width}}  {spark:<{columns}}  {first} -> {last}")
    return rows


def _bars(spec: Chart) -> list[str]:
    """One value per variant as a text bar from zero, so sizes compare by length."""
    names = spec.x_names or []
    rows = []
    for line in spec.lines:
        values = dict(zip(line.x, line.y, strict=True))
        top = max((abs(v) for v in values.values()), default=0.0)
        width = max((len(name) for name in names), default=0)
        for index, name in enumerate(names):
            value = values.get(float(index))
            if value is None:
                rows.append(f"{name:<{width}}  no value")
                continue
            length = max(1, round(BAR_WIDTH * abs(value) / top)) if top > 0 else 1
            rows.append(f"{name:<{width}}  {'█' * length:<{BAR_WIDTH}}  {_value(spec, value)}")
    return rows


def _nearest(xs: list[float], x: float) -> int:
    """Index of the point nearest to x in a sorted list."""
    right = bisect.bisect_left(xs, x)
    if right == 0:
        return 0
    if right == len(xs):
        return len(xs) - 1
    return right if xs[right] - x < x - xs[right - 1] else right - 1
