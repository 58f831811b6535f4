"""Progress and cancellation for one simulation run, with no knowledge of any UI.

A run is split into weighted stages; the engine reports how far it is inside the current
stage. Events go out at most `MAX_RATE` times a second so a screen can redraw on each one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sims.result import CurvePoints, ProgressEvent
from sims.spec import Cancelled, ProgressCallback

MAX_RATE = 20.0


class Tracker:
    def __init__(
        self,
        sim: str,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.sim = sim
        self._progress = progress
        self._cancel = cancel
        self._last_emit = 0.0
        self.plan({"run": 1.0})

    def plan(self, stages: dict[str, float]) -> None:
        """Declare the stages ahead and their share of the work."""
        total = sum(stages.values())
        self._starts: dict[str, float] = {}
        self._weights: dict[str, float] = {}
        offset = 0.0
        for name, weight in stages.items():
            self._starts[name] = offset / total
            self._weights[name] = weight / total
            offset += weight
        self._stage = next(iter(stages))
        self._within = 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self._starts[self._stage] + self._weights[self._stage] * self._within)

    @property
    def stage(self) -> str:
        return self._stage

    def enter(self, stage: str) -> None:
        if stage not in self._starts:
            raise ValueError(f"{self.sim}: stage {stage!r} was not planned ({', '.join(self._starts)})")
        self._stage = stage
        self._within = 0.0

    def check_cancel(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled(self.sim, self.fraction)

    def update(
        self, within_stage: float, points: Callable[[], list[CurvePoints]] | None = None, *, force: bool = False
    ) -> None:
        """Record progress; call `points` for the newest curve points only when an event is due (or forced)."""
        self._within = within_stage
        if self._progress is None:
            return
        now = time.monotonic()
        if not force and now - self._last_emit < 1.0 / MAX_RATE:
            return
        self._last_emit = now
        self._progress(ProgressEvent(fraction=self.fraction, stage=self._stage, points=points() if points else []))

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(ProgressEvent(fraction=1.0, stage="done"))
