"""Running a simulation: resolve the device, train, decide the observables, wrap a result."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import torch

from sims import hardware, traces
from sims.context import Context
from sims.observe import Evidence, Table
from sims.result import SimResult
from sims.spec import ParamsBase, ProgressCallback
from sims.tracker import Tracker


class Runnable(Protocol):
    """What the runner needs of a simulation (`sims.simulation.Simulation` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def table(self) -> Table: ...
    @property
    def experiment(self) -> Callable[[Any, Context], Evidence]: ...


def execute(
    sim: Runnable,
    params: ParamsBase,
    device_name: str | None,
    seeds: list[int],
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> SimResult:
    """Train `sim` with checked params and seeds; raises `Cancelled` when `cancel` is set."""
    started = time.perf_counter()
    device = hardware.resolve(device_name)
    tracker = Tracker(sim.name, progress, cancel)
    tracker.check_cancel()
    # Losses near zero make subnormal floats, which the CPU handles many times slower.
    flushed = device.type == "cpu" and torch.set_flush_denormal(True)
    try:
        evidence = sim.experiment(params, Context(sim.name, device, seeds, tracker))
    finally:
        if flushed:
            torch.set_flush_denormal(False)
    observables = sim.table.decide(params, evidence)
    tracker.finish()
    return SimResult(
        sim=sim.name,
        params=params.model_dump(mode="json"),
        device=hardware.describe(device),
        torch_version=torch.__version__,
        seeds=seeds,
        wall_seconds=time.perf_counter() - started,
        variants=evidence.variants,
        series=evidence.series if evidence.series is not None else traces.curves(evidence.traces),
        metrics=evidence.metrics,
        observables=observables,
        diverged=evidence.diverged if evidence.diverged is not None else traces.divergences(evidence.traces),
        notes=evidence.notes,
    )
