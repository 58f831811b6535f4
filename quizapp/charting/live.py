"""Curve points of a running simulation, gathered into the chart a question gets while it trains.

The engine streams the loss of every update and the per-epoch training and validation loss.
When the question's chosen metric is among them it is drawn live; otherwise the nearest streamed
quantity stands in and the title says what the finished run will show instead. One seed is
drawn (the first), one line per variant, as in the finished chart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from quizapp.charting.build import COUNT_AXES, PERCENT, X_TITLES, focus, line_label, thin, title
from quizapp.charting.choice import Choice, choose
from quizapp.charting.figure import Chart, Line, make_chart
from quizapp.models import Question
from sims.result import CurvePoints

#: Points kept per live line; the terminal shows far fewer apart.
LIVE_POINTS = 400
#: The metrics the engine streams, with the axis they are measured along.
STREAMED = {"update_loss": "update", "train_loss": "epoch", "val_loss": "epoch"}
#: What stands in live for a metric that is only known at the end, nearest first.
STAND_INS = {
    "val_acc": ("val_loss", "update_loss"),
    "train_acc": ("train_loss", "update_loss"),
    "final_loss": ("train_loss", "update_loss"),
}
DEFAULT_STAND_INS = ("update_loss", "train_loss", "val_loss")

Key = tuple[str, str, int]  # metric, variant, seed


class LiveChart:
    """Gathers streamed points for one question and says what to draw now."""

    def __init__(self, question: Question) -> None:
        self.choice: Choice = choose(question)
        self.reset()

    def reset(self) -> None:
        self._curves: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
        self._seed: dict[str, int] = {}
        self._ignored: set[Key] = set()
        self.received = False  # points arrived, drawable or not

    @property
    def has_data(self) -> bool:
        return any(xs for xs, _ in self._curves.values())

    def add(self, points: Sequence[CurvePoints]) -> bool:
        """Keep the first seed's new points; True when something new can be drawn.

        Several runs sharing a name and a seed (a grid of learning rates per batch size) cannot
        be told apart, and a name training again from its start (a timing pass) is a new run:
        both are left out rather than drawn as one jumbled line.
        """
        self.received = self.received or any(p.x for p in points)
        shared = Counter((p.metric, p.variant, p.seed) for p in points)
        for metric in {p.metric for p in points} - set(self._seed):
            seeds = [p.seed for p in points if p.metric == metric and shared[(p.metric, p.variant, p.seed)] == 1]
            if seeds:
                self._seed[metric] = min(seeds)
        changed = False
        for chunk in points:
            key = (chunk.metric, chunk.variant, chunk.seed)
            if shared[key] > 1:
                self._ignored.add(key)
            if key in self._ignored or not chunk.x or chunk.seed != self._seed.get(chunk.metric):
                continue
            xs, ys = self._curves.setdefault((chunk.metric, chunk.variant), ([], []))
            if xs and chunk.x[0] <= xs[-1]:
                self._ignored.add(key)
                continue
            xs.extend(chunk.x)
            ys.extend(chunk.y)
            changed = True
        return changed

    def drawn_metrics(self) -> list[str]:
        """The chosen metrics that have arrived, else the nearest stand-in that has."""
        have = {metric for (metric, _), (xs, _) in self._curves.items() if xs}
        chosen = [m for m in self.choice.metrics if m in have and not self.choice.rows]
        if chosen:
            return chosen
        wanted = self.choice.metrics[0] if self.choice.metrics else ""
        return next(([m] for m in (*STAND_INS.get(wanted, ()), *DEFAULT_STAND_INS) if m in have), [])

    def final_title(self) -> str:
        """What the finished run will show, for the chart's title before and while it trains."""
        if len(self.choice.metrics) > 1:
            return "training and validation loss"
        return title(self.choice.metrics[0]) if self.choice.metrics else "the run's main curve"

    def chart(self) -> Chart | None:
        """The live chart, or None until a drawable point has arrived."""
        metrics = self.drawn_metrics()
        if not metrics:
            return None
        variants = focus(self.choice, list(dict.fromkeys(v for (m, v) in self._curves if m in metrics)))
        if len(metrics) > 1 and len(variants) > 2:
            metrics = metrics[:1]
        lines = []
        for metric in sorted(metrics, key=lambda m: m != "train_loss"):
            for variant in variants:
                xs, ys = self._curves.get((metric, variant), ([], []))
                if not xs:
                    continue
                xs, ys = thin(xs, ys, LIVE_POINTS)
                lines.append(Line(label=line_label(metric, variant, metrics, variants), x=xs, y=ys))
        standing_in = metrics[0] not in self.choice.metrics or self.choice.rows
        heading = "training and validation loss" if len(metrics) > 1 else title(metrics[0])
        x_kind = STREAMED.get(metrics[0], "update")
        note = "live"
        if standing_in:
            note = f"live; {self.final_title()} when done"
        elif self.choice.by_epoch and x_kind == "update":
            note = "live, by update; by epoch when done"
        return make_chart(
            heading,
            X_TITLES[x_kind],
            heading,
            lines,
            log_y=self.choice.log_y if not standing_in else None,
            percent=metrics[0] in PERCENT,
            x_integer=x_kind in COUNT_AXES,
            note=note,
        )
