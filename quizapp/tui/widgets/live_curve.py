"""Loss curves drawn in the terminal as points arrive from a running simulation."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from sims.result import CurvePoints

MAX_POINTS = 400


class LiveCurve(PlotextPlot):
    """One line per variant (first seed only, to stay readable), log-scaled loss per update."""

    def on_mount(self) -> None:
        self.curves: dict[str, tuple[list[float], list[float]]] = {}
        self.plt.title("loss per update")

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
        self.plt.clear_data()
        drawn = False
        for variant, (xs, ys) in self.curves.items():
            stride = max(1, len(xs) // MAX_POINTS)
            kept = [(x, y) for x, y in zip(xs[::stride], ys[::stride], strict=True) if y > 0]
            if kept:
                self.plt.plot([x for x, _ in kept], [y for _, y in kept], label=variant)
                drawn = True
        # plotext cannot put an empty plot on a log scale
        self.plt.yscale("log" if drawn else "linear")
        self.refresh()
