"""Peak memory of one training step, measured on the device it runs on.

`step_memory(build, device)` calls `build` (which makes the model, the optimizer and the
step, and returns the step), runs warm-up steps (so lazily made optimizer state exists),
then one measured step, and reports the bytes live at each point, counted from just before
`build`: what was already allocated (the data, say) is left out. `steps_memory` does the
same for several steps that share one model (one per batch size, say), measured in turn.

- CUDA: the caching allocator's own counters, `torch.cuda.memory_allocated` and
  `torch.cuda.max_memory_allocated` after `torch.cuda.reset_peak_memory_stats`.
- CPU: PyTorch's CPU allocator reports every allocation and free to the autograd profiler
  when it records memory (`profile_memory=True`). The legacy profiler keeps those reports in
  the order they happened, per thread; adding them up gives the bytes live at every moment,
  and the peak is the largest sum during the step. The legacy profiler rather than Kineto
  (`torch.profiler`): it keeps the order exactly, without timestamps to sort, and it writes
  nothing to the terminal (Kineto prints a line at every start and stop, which would scribble
  over the app's screen).
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch.autograd import _disable_profiler_legacy, _enable_profiler_legacy
from torch.autograd.profiler import record_function
from torch.autograd.profiler_legacy import profile

Step = Callable[[], object]
_BUILT, _STEP = "sims.memory.built", "sims.memory.step"

CUDA_METHOD = (
    "CUDA allocator counters: torch.cuda.max_memory_allocated during the measured step (after "
    "torch.cuda.reset_peak_memory_stats), minus what was allocated before the model was built"
)
CPU_METHOD = (
    "every allocation and free of PyTorch's CPU allocator, as reported to the autograd profiler "
    "(profile_memory=True) and added up in the order they happened; the peak is the most bytes live at once "
    "during the measured step, counted from before the model was built"
)


@dataclass(frozen=True)
class StepMemory:
    """Bytes live at each point of a measured training step, counted from just before `build`."""

    built: int  # once `build` returned: the weights, and anything else it made
    resident: int  # when the measured step starts: weights, gradients and optimizer state kept between steps
    peak: int  # the most bytes live at any moment of the measured step
    unreleased: int  # still live once the step and its model are dropped; 0 when the accounting closes


def method(device: torch.device) -> str:
    """How `step_memory` measures on this device, in words for a result's notes."""
    return CUDA_METHOD if device.type == "cuda" else CPU_METHOD


def step_memory(build: Callable[[], Step], device: torch.device, *, warmup: int = 1) -> StepMemory:
    """Build a training step, run `warmup` steps, and measure one more."""
    return steps_memory(lambda: [build()], device, warmup=warmup)[0]


def steps_memory(build: Callable[[], Sequence[Step]], device: torch.device, *, warmup: int = 1) -> list[StepMemory]:
    """Build steps that share one model, run the first `warmup` times, then measure each in turn.

    Garbage collection waits meanwhile: a collection in the middle would free objects that
    were not the steps'.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _cuda(build, device, warmup) if device.type == "cuda" else _cpu(build, warmup)
    finally:
        if enabled:
            gc.enable()


def _cuda(build: Callable[[], Sequence[Step]], device: torch.device, warmup: int) -> list[StepMemory]:
    _start_cuda_libraries(device)
    torch.cuda.synchronize(device)
    base = torch.cuda.memory_allocated(device)
    steps = _made(build)
    torch.cuda.synchronize(device)
    built = torch.cuda.memory_allocated(device) - base
    for _ in range(warmup):
        steps[0]()
    found: list[tuple[int, int]] = []
    for step in steps:
        torch.cuda.synchronize(device)
        resident = torch.cuda.memory_allocated(device) - base
        torch.cuda.reset_peak_memory_stats(device)
        step()
        torch.cuda.synchronize(device)
        found.append((resident, torch.cuda.max_memory_allocated(device) - base))
    del steps, step
    gc.collect(0)
    torch.cuda.synchronize(device)
    unreleased = torch.cuda.memory_allocated(device) - base
    return [StepMemory(built, resident, peak, unreleased) for resident, peak in found]


def _made(build: Callable[[], Sequence[Step]]) -> Sequence[Step]:
    steps = build()
    if not steps:
        raise ValueError("build() returned no steps to measure")
    return steps


def _start_cuda_libraries(device: torch.device) -> None:
    """Make cuBLAS allocate its workspace now: it stays allocated for good, and is no part of any step."""
    weight = torch.ones(8, 8, device=device, requires_grad=True)
    torch.nn.functional.linear(weight, weight, weight[0]).sum().backward()


def _cpu(build: Callable[[], Sequence[Step]], warmup: int) -> list[StepMemory]:
    with _allocations() as records:
        steps = _made(build)
        with record_function(_BUILT):
            pass
        for _ in range(warmup):
            steps[0]()
        for step in steps:
            with record_function(_STEP):
                step()
        del steps, step
        gc.collect(0)  # what the steps made in reference cycles goes too, so the accounting can close
    return _walk(records)


@contextmanager
def _allocations() -> Iterator[list[list[Any]]]:
    """Record the CPU allocator's reports on this thread; the list fills in when the block ends."""
    records: list[list[Any]] = []
    _enable_profiler_legacy(profile(profile_memory=True).config())
    try:
        yield records
    finally:
        records.extend(_disable_profiler_legacy())


def _walk(records: list[list[Any]]) -> list[StepMemory]:
    """Add up the allocation reports in order: bytes live at the markers, and the most during each step."""
    ordered = records[0] if len(records) == 1 else heapq.merge(*records, key=lambda r: r.start_us())
    live, built, steps = 0, None, []  # steps: [bytes live at its start, the most during it]
    inside = False
    for record in ordered:
        kind = record.kind()
        if kind == "memory_alloc":
            live += record.cpu_memory_usage()
            if inside:
                steps[-1][1] = max(steps[-1][1], live)
        elif kind == "push" and record.name() == _BUILT:
            built = live
        elif kind == "push" and record.name() == _STEP:
            inside = True
            steps.append([live, live])
        elif kind == "pop" and record.name() == _STEP:
            inside = False
    if built is None or not steps:
        raise RuntimeError("the profiler recorded none of the markers of the measured steps")
    return [StepMemory(built=built, resident=resident, peak=peak, unreleased=live) for resident, peak in steps]
