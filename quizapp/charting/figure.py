"""A chart as plain data: lines, axis titles, log or linear axes and their ticks.

The terminal widget and the HTML report draw the same `Chart`, with the same ticks, so the two
never disagree about an axis. Log axes are drawn as log10 positions labelled with real values
(0.1, 1, 10), never with exponents; axes that count things (epochs, updates, batch sizes) get
whole-number ticks only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

#: Line colours in order, shared by the terminal and the reports so a line keeps its colour in both.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
#: A y axis goes on a log scale when its values span more than this factor.
LOG_SPAN = 20.0


class Line(BaseModel):
    label: str
    x: list[float]
    y: list[float]
    diverged: bool = False

    @property
    def shown_label(self) -> str:
        return f"{self.label} (diverged)" if self.diverged else self.label


class Tick(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float  # in data units: a real value even on a log axis, a fraction on a percent axis
    label: str


class Chart(BaseModel):
    """What to draw and how to read it; each renderer turns values into positions with `x_position`/`y_position`."""

    title: str  # the quantity drawn, as a learner reads it: "validation loss"
    x_label: str
    y_label: str
    log_x: bool = False
    log_y: bool = False
    percent: bool = False
    x_integer: bool = False  # the x axis counts things: whole-number ticks only
    y_integer: bool = False
    x_names: list[str] | None = None  # categories at x = 0, 1, 2...
    markers: bool = False  # one value per variant: points, not a curve
    y_range: tuple[float, float] | None = None  # a fixed y range in data units (a score from 0 to 100%)
    note: str = ""  # how the lines were made, e.g. "median over the seeds that did not diverge"
    lines: list[Line]

    def x_position(self, value: float) -> float:
        return math.log10(value) if self.log_x else value

    def y_position(self, value: float) -> float:
        if self.log_y:
            return math.log10(value)
        return value * 100 if self.percent else value

    def x_bounds(self) -> tuple[float, float]:
        """The x range to draw, in positions: the data, widened to whole numbers on a counting axis."""
        values = [self.x_position(x) for line in self.lines for x in line.x]
        if self.x_names is not None:
            return -0.5, len(self.x_names) - 0.5
        return _bounds(values, whole=self.x_integer and not self.log_x, log=self.log_x)

    def y_bounds(self) -> tuple[float, float]:
        if self.y_range is not None:
            return self.y_position(self.y_range[0]), self.y_position(self.y_range[1])
        values = [self.y_position(y) for line in self.lines for y in line.y]
        if self.percent and not self.log_y and values:
            low, high = min(values), max(values)
            return max(0.0, math.floor(low / 10) * 10), min(100.0, max(math.ceil(high / 10) * 10, low + 10))
        low, high = _bounds(values, whole=self.y_integer and not self.log_y, log=self.log_y)
        if self.markers and not self.log_y and values and min(values) >= 0:
            low, high = 0.0, high * 1.05  # one value per variant: compared by height, so from zero
        return low, high

    def x_ticks(self, most: int) -> list[Tick]:
        """At most `most` ticks inside the x range, labelled with real values."""
        if self.x_names is not None:
            return [Tick(value=i, label=name) for i, name in enumerate(self.x_names)]
        xs = sorted({x for line in self.lines for x in line.x})
        if self.log_x and 0 < len(xs) <= most:  # a few batch sizes or rates: tick each one
            return [Tick(value=x, label=number(x)) for x in xs]
        low, high = self.x_bounds()
        return _ticks(low, high, most, log=self.log_x, whole=self.x_integer, percent=False)

    def y_ticks(self, most: int) -> list[Tick]:
        low, high = self.y_bounds()
        return _ticks(low, high, most, log=self.log_y, whole=self.y_integer, percent=self.percent)

    def x_title(self) -> str:
        return f"{self.x_label} (log scale)" if self.log_x else self.x_label

    def y_title(self) -> str:
        return f"{self.y_label} (log scale)" if self.log_y else self.y_label

    def caption(self) -> str:
        """One sentence under the chart: what is drawn against what, on which scale, from which runs."""
        text = self.y_title()
        text = text[:1].upper() + text[1:]
        if self.x_names is None:
            text += f" against {self.x_title()}"
        elif self.x_label:
            text += f" per {self.x_label}"
        return f"{text}; {self.note}." if self.note else f"{text}."


def make_chart(
    title: str,
    x_label: str,
    y_label: str,
    lines: Sequence[Line],
    *,
    log_x: bool = False,
    log_y: bool | None = None,
    percent: bool = False,
    x_integer: bool = False,
    y_integer: bool = False,
    x_names: Sequence[str] | None = None,
    markers: bool = False,
    note: str = "",
) -> Chart:
    """A chart without the points it cannot place; y goes on a log scale when it spans more than 20x (or when asked)."""
    finite = [_finite(line, log_x) for line in lines]
    values = [y for line in finite for y in line.y]
    positive = bool(values) and min(values) > 0
    if log_y is None:
        log_y = not percent and positive and max(values) / min(values) > LOG_SPAN
    elif log_y and not positive:
        log_y = False
    kept = [line.model_copy(update={"y": [y for y in line.y if y > 0]}) if log_y else line for line in finite]
    return Chart(
        title=title,
        x_label=x_label,
        y_label=y_label,
        log_x=log_x,
        log_y=log_y,
        percent=percent,
        x_integer=x_integer,
        y_integer=y_integer,
        x_names=list(x_names) if x_names is not None else None,
        markers=markers,
        note=note,
        lines=kept,
    )


def number(value: float) -> str:
    """A tick label: the real value, short (0.001, 0.2, 64, 12k), never an exponent of ten."""
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:.3g}G"
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:.3g}k"
    if 0 < size < 1e-4:
        return f"{value:.0e}"
    return f"{value:.4g}"


def _finite(line: Line, log_x: bool) -> Line:
    """Drop points a chart cannot place: NaN or infinite losses of a run that blew up, x <= 0 on a log axis."""
    pairs = [(x, y) for x, y in zip(line.x, line.y, strict=True) if math.isfinite(y) and (not log_x or x > 0)]
    return line.model_copy(update={"x": [x for x, _ in pairs], "y": [y for _, y in pairs]})


def _bounds(values: list[float], *, whole: bool, log: bool) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    if whole:
        low, high = math.floor(low), math.ceil(high)
    if high - low < 1e-12:
        pad = 0.3 if log else max(0.5, abs(low) * 0.1)
        low, high = low - pad, high + pad
    return low, high


def _ticks(low: float, high: float, most: int, *, log: bool, whole: bool, percent: bool) -> list[Tick]:
    """Ticks inside [low, high] (positions); on a log axis positions are log10 of the values."""
    most = max(2, most)
    if log:
        values = _log_ticks(10**low, 10**high, most)
        return [Tick(value=v, label=number(v)) for v in values]
    positions = _linear_ticks(low, high, most, whole=whole)
    if percent:
        return [Tick(value=p / 100, label=f"{p:g}%") for p in positions]
    return [Tick(value=p, label=number(p)) for p in positions]


def _linear_ticks(low: float, high: float, most: int, *, whole: bool) -> list[float]:
    """The finest round step (1, 2, 2.5 or 5 times a power of ten) giving at most `most` ticks, whole if counting."""
    if high <= low:
        return [low]
    power = 10 ** math.floor(math.log10((high - low) / most))
    for step in (f * power * scale for scale in (1, 10, 100) for f in (1, 2, 2.5, 5)):
        if whole and (step < 1 or not float(step).is_integer()):
            continue
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        if last - first + 1 <= most:
            return [round(k * step, 12) for k in range(first, last + 1)]
    return [low, high]


def _log_ticks(low: float, high: float, most: int) -> list[float]:
    """Decades when three or more fit; 1-2-5 steps on a shorter range; round linear steps on a very short one."""
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    decades = [10.0**e for e in range(first, last + 1)]
    if len(decades) > most:
        stride = math.ceil(len(decades) / most)
        return [10.0**e for e in range(first, last + 1) if e % stride == 0]
    if len(decades) >= 3:
        return decades
    finer = []
    for mantissas in ((1, 2, 5), (1, 2, 3, 5)):
        finer = [
            round(m * 10.0**e, 12)
            for e in range(first - 1, last + 1)
            for m in mantissas
            if low * (1 - 1e-9) <= m * 10.0**e <= high * (1 + 1e-9)
        ]
        if 2 <= len(finer) <= most:
            return finer
    if len(decades) == 2:
        return decades
    if len(finer) > most:  # a short range on a short axis: every other 1-2-5 step
        return finer[:: math.ceil(len(finer) / most)]
    return [v for v in _linear_ticks(low, high, min(most, 3), whole=False) if v > 0]
