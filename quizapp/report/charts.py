"""Charts for reports: inline SVG (pygal) for HTML, and a one-line sparkline per curve for Markdown.

A simulation stores every seed's curve; a report shows one line per variant (the median over
the seeds that did not diverge, when they share their x values), thinned to a few hundred
points, so a 20-question report stays small and quick to draw.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import statistics
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from sims.result import Series, SimResult

MAX_POINTS = 150
SPARK_WIDTH = 40
SPARKS = "▁▂▃▄▅▆▇█"
#: The curve a report draws, in order of preference (the same one the app draws live).
PRIMARY_METRICS = (
    "update_loss",
    "loss_vs_rate",
    "windowed_accuracy",
    "steps_to_target",
    "samples_per_second",
    "train_loss",
    "final_loss",
)
LOG_X = {"learning_rate", "batch_size"}
LABELS = {
    "update_loss": "loss per update",
    "loss_vs_rate": "loss after a short run",
    "windowed_accuracy": "accuracy over the last window",
    "steps_to_target": "updates to reach the target",
    "samples_per_second": "examples per second",
    "train_loss": "training loss",
    "val_loss": "validation loss",
    "final_loss": "final loss",
}


class Line(BaseModel):
    label: str
    x: list[float]
    y: list[float]
    diverged: bool = False


class Chart(BaseModel):
    """Lines ready to draw; each format draws only what it shows (Markdown never loads pygal)."""

    title: str
    x_label: str
    y_label: str
    log_x: bool = False
    log_y: bool
    percent: bool = False
    x_names: list[str] | None = None
    lines: list[Line]

    def svg(self) -> str:
        """Inline SVG: no XML declaration, no namespace URL, no script."""
        return _svg(self)

    def sparklines(self) -> list[str]:
        """Markdown: one "label  ▁▂▃▅█  first -> last" line per curve."""
        return _sparklines(self.lines, self.log_y, self.percent)


def curve_chart(result: SimResult, focus: str = "") -> Chart | None:
    """The run's main curve per variant; train against validation loss when the question is about validation."""
    metrics = {s.metric for s in result.series}
    if "val" in focus and {"train_loss", "val_loss"} <= metrics:
        chosen = ["train_loss", "val_loss"]
    else:
        chosen = [next((m for m in PRIMARY_METRICS if m in metrics), "")]
        if not chosen[0]:
            return None
    diverged = {d.variant for d in result.diverged}
    lines: list[Line] = []
    x_label = "update"
    for metric in chosen:
        for variant in result.variants:
            runs = [s for s in result.series if s.metric == metric and s.variant == variant]
            if not runs:
                continue
            x_label = runs[0].x_label
            xs, ys = _median_curve(runs, {d.seed for d in result.diverged if d.variant == variant})
            label = variant if len(chosen) == 1 else f"{variant}: {LABELS.get(metric, metric)}"
            lines.append(Line(label=label, x=xs, y=ys, diverged=variant in diverged))
    if not lines:
        return None
    y_label = " and ".join(LABELS.get(m, m.replace("_", " ")) for m in chosen)
    return make_chart(y_label, x_label.replace("_", " "), y_label, lines, log_x=x_label in LOG_X)


def make_chart(
    title: str,
    x_label: str,
    y_label: str,
    lines: Sequence[Line],
    *,
    log_x: bool = False,
    percent: bool = False,
    x_names: Sequence[str] | None = None,
) -> Chart:
    """Lines without the points a chart cannot place; y goes on a log scale when it spans more than 20x."""
    kept = [line.model_copy(update=_finite(line, log_x)) for line in lines]
    values = [y for line in kept for y in line.y]
    return Chart(
        title=title,
        x_label=f"{x_label} (log scale)" if log_x else x_label,
        y_label=y_label,
        log_x=log_x,
        log_y=not percent and bool(values) and min(values) > 0 and max(values) / min(values) > 20,
        percent=percent,
        x_names=list(x_names) if x_names is not None else None,
        lines=kept,
    )


def _median_curve(runs: list[Series], diverged_seeds: set[int]) -> tuple[list[float], list[float]]:
    healthy = [s for s in runs if s.seed not in diverged_seeds] or runs
    first = healthy[0]
    if len(healthy) > 1 and all(s.x == first.x for s in healthy):
        ys = [statistics.median(column) for column in zip(*(s.y for s in healthy), strict=True)]
    else:
        ys = list(first.y)
    stride = max(1, math.ceil(len(first.x) / MAX_POINTS))
    indices = list(range(0, len(first.x), stride))
    if indices and indices[-1] != len(first.x) - 1:
        indices.append(len(first.x) - 1)
    return [first.x[i] for i in indices], [ys[i] for i in indices]


def _finite(line: Line, log_x: bool) -> dict[str, list[float]]:
    """Drop points a chart cannot place: NaN or infinite losses of a run that blew up."""
    pairs = [(x, y) for x, y in zip(line.x, line.y, strict=True) if math.isfinite(y) and (not log_x or x > 0)]
    return {"x": [x for x, _ in pairs], "y": [y for _, y in pairs]}


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
        colors=("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"),
    )
    lines, log_x, log_y, percent, x_names = spec.lines, spec.log_x, spec.log_y, spec.percent, spec.x_names
    few = max((len(line.x) for line in lines), default=0) <= 12
    columns = min(4, max(1, len(lines)))
    legend_rows = math.ceil(len(lines) / columns)
    chart = pygal.XY(
        width=720,
        height=280 + 24 * legend_rows,
        style=style,
        js=[],
        disable_xml_declaration=True,
        show_dots=few,
        dots_size=3,
        stroke_style={"width": 1.6},
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
        truncate_legend=-1,
        y_title=f"{spec.y_label} (log scale)" if log_y else spec.y_label,
        show_x_guides=False,
        tooltip_border_radius=0,
    )
    to_y: Callable[[float], float] = math.log10 if log_y else (lambda v: v * 100 if percent else v)
    to_x: Callable[[float], float] = math.log10 if log_x else (lambda v: v)
    if log_y:
        chart.value_formatter = lambda v: f"{10**v:.3g}"
        ys = [to_y(y) for line in lines for y in line.y]
        chart.y_labels = list(range(math.floor(min(ys)), math.ceil(max(ys)) + 1))
        chart.zero = chart.y_labels[0]  # pygal draws a solid line at "zero": keep it on the bottom axis
    elif percent:
        chart.value_formatter = lambda v: f"{v:.0f}%"
        chart.range = (0, 100)
    if log_x:
        chart.x_value_formatter = lambda v: f"{10**v:.3g}"
    if x_names:
        names = list(x_names)
        chart.x_value_formatter = lambda v: names[int(v)] if float(v).is_integer() and 0 <= v < len(names) else ""
        chart.x_labels = list(range(len(names)))
        chart.xrange = (-0.5, len(names) - 0.5)
    for line in lines:
        chart.add(_label(line), [(to_x(x), to_y(y)) for x, y in zip(line.x, line.y, strict=True)])
    svg = chart.render(is_unicode=True)
    if log_y:  # pygal draws the guide at position 0 solid, as if it were an axis; on log10 values it is just 1
        svg = re.sub(r'(<path d="M0\.0+ [\d.]+ h[\d.]+" class=")((?:axis )?(?:major )?)line"', r'\1\2guide line"', svg)
    return _clean(svg)


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


def _sparklines(lines: Sequence[Line], log_y: bool, percent: bool) -> list[str]:
    """One text line per curve, all on the same x and y scales so they compare by eye."""
    drawn = [line for line in lines if line.y]
    ys = [math.log10(y) if log_y else y for line in drawn for y in line.y]
    xs = [x for line in drawn for x in line.x]
    width = max((len(_label(line)) for line in lines), default=0)
    if not drawn:
        return [f"{_label(line):<{width}}  no finite values (the run diverged)" for line in lines]
    low, high = (0.0, 1.0) if percent else (min(ys), max(ys))
    x_low, x_high = min(xs), max(xs)
    columns = min(SPARK_WIDTH, len(set(xs)))

    def fmt(v: float) -> str:
        return f"{v * 100:.0f}%" if percent else f"{v:.3g}"

    rows = []
    for line in lines:
        if not line.y:
            rows.append(f"{_label(line):<{width}}  no finite values (the run diverged)")
            continue
        spark = ""
        for column in range(columns):
            x = x_low + column * (x_high - x_low) / max(1, columns - 1)
            if x > line.x[-1] + 1e-12 * max(1.0, abs(x)):
                break
            if x < line.x[0] - 1e-12 * max(1.0, abs(x)):
                spark += " "  # this curve starts later (a topic first practised in a later session)
                continue
            nearest = _nearest(line.x, x)
            value = math.log10(line.y[nearest]) if log_y else line.y[nearest]
            level = min(1.0, max(0.0, (value - low) / (high - low))) if high > low else 0.5
            spark += SPARKS[min(len(SPARKS) - 1, int(level * len(SPARKS)))]
        rows.append(f"{_label(line):<{width}}  {spark:<{columns}}  {fmt(line.y[0])} -> {fmt(line.y[-1])}")
    return rows


def _nearest(xs: list[float], x: float) -> int:
    """Index of the point nearest to x in a sorted list."""
    right = bisect.bisect_left(xs, x)
    if right == 0:
        return 0
    if right == len(xs):
        return len(xs) - 1
    return right if xs[right] - x < x - xs[right - 1] else right - 1


def _label(line: Line) -> str:
    return f"{line.label} (diverged)" if line.diverged else line.label
