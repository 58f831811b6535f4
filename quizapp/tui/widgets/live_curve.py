"""Loss curves drawn in the terminal as points arrive from a running simulation."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from quizapp.models import Question
from sims.result import CurvePoints, SimResult

MAX_POINTS = 400


class LiveCurve(PlotextPlot):
    """One line per variant (first seed only, to stay readable), log-scaled loss per update."""

    def __init__(self, question: Question, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.question = question

    @property
    def has_data(self) -> bool:
        return bool(self.curves)

    def show_result(self, result: SimResult) -> None:
        """The finished run's curves (a reopened question has no live points)."""
        if not self.curves:
            self.add(
                [CurvePoints(metric=s.metric, variant=s.variant, seed=s.seed, x=s.x, y=s.y) for s in result.series]
            )

    def on_mount(self) -> None:
        self.curves: dict[str, tuple[list[float], list[float]]] = {}
        self.plt.title("log10 loss per update")

    def reset(self) -> None:
        self.curves = {}
        self.replot()

    def add(self, points: list[CurvePoints]) -> None:
        for chunk in points:
            if chunk.metric not in ("update_loss", "windowed_accuracy", "loss_vs_rate"):
                continue
            if chunk.seed != min((p.seed for p in points), default=chunk.seed):
                continue
            xs, ys = self.curves.setdefault(chunk.variant, ([], []))
            xs.extend(chunk.x)
            ys.extend(chunk.y)
        self.replot()

    def replot(self) -> None:
        """Plot log10 of the values on a linear axis: plotext's own log scale fails on some ranges."""
        self.plt.clear_data()
        for variant, (xs, ys) in self.curves.items():
            stride = max(1, len(xs) // MAX_POINTS)
            kept = [(x, math.log10(y)) for x, y in zip(xs[::stride], ys[::stride], strict=True) if 0 < y < math.inf]
            if kept:
                self.plt.plot([x for x, _ in kept], [y for _, y in kept], label=variant)
        self.refresh()
