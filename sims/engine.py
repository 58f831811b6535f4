"""Trains every run of a job at once: variants x seeds, on one device.

The entry point of the engine. It splits a job's runs into groups that can share one
loop (`groups`), trains each group with `sims.loop.Trainer`, and puts the results back
in the order of `job.runs`. Data stays on the device; batches are gathered by index.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import replace
from typing import Literal

import torch

from sims.blocks import StackedNet
from sims.jobs import Job, Outcome
from sims.loop import Trainer
from sims.runs import batch_sizes
from sims.tracker import Tracker

Strategy = Literal["auto", "merged", "by_batch"]

_recorder: list[Job] | None = None


@contextlib.contextmanager
def recording() -> Iterator[list[Job]]:
    """Collect every job trained inside the block, so a benchmark can replay the same work."""
    global _recorder
    previous, _recorder = _recorder, []
    try:
        yield _recorder
    finally:
        _recorder = previous


def groups(job: Job, device: torch.device, strategy: Strategy = "auto") -> list[list[int]]:
    """Which runs share one loop.

    On a GPU, where at these sizes launching kernels costs more than the arithmetic, every
    run shares one loop. On a CPU a batched matmul is a loop of small matmuls, so a run
    that rides along in ticks smaller than its batch pays for steps it does not need;
    there, runs are grouped by batch size and each group steps in lockstep. A
    batch-dependent model (BatchNorm) only shares a loop between runs of equal
    micro-batch, so no forward pass mixes two micro-batches.
    """
    if strategy == "auto":
        strategy = "merged" if device.type in ("cuda", "mps") else "by_batch"
    shared: dict[tuple[int, ...], list[int]] = {}
    for i, run in enumerate(job.runs):
        key = (run.micro_batch,) if job.model.batch_dependent else ()
        if strategy == "by_batch":
            key = (*key, run.batch_size)
        shared.setdefault(key, []).append(i)
    return list(shared.values())


def train(job: Job, device: torch.device, tracker: Tracker, *, strategy: Strategy = "auto") -> Outcome:
    """Train every run of `job` and return what each one did, in the order of `job.runs`."""
    if _recorder is not None:
        _recorder.append(job)
    parts = groups(job, device, strategy)
    costs = [len(batch_sizes(job.train.size, job.runs[g[0]].batch_size, job.order.drop_last)) + 1 for g in parts]
    total = sum(costs)
    outcomes, start = [], 0.0
    with torch.no_grad():
        for members, cost in zip(parts, costs, strict=True):
            trained = None if job.start is None else job.start.select(members)
            sub = replace(job, runs=[job.runs[i] for i in members], start=trained)
            outcomes.append(Trainer(sub, device, tracker, span=(start, cost / total)).fit())
            start += cost / total
    if len(outcomes) == 1:
        return outcomes[0]
    order = [i for members in parts for i in members]
    position = {run_index: k for k, run_index in enumerate(order)}
    traces = [t for outcome in outcomes for t in outcome.traces]
    model = StackedNet.concat([outcome.model for outcome in outcomes], [position[i] for i in range(len(job.runs))])
    seconds = [sum(epoch) for epoch in zip(*(outcome.epoch_seconds for outcome in outcomes), strict=True)]
    return Outcome([traces[position[i]] for i in range(len(job.runs))], model, seconds)
