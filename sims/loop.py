"""The training loop: every run of a group, one batched step per tick.

It gathers each tick's samples, computes every run's gradient, and applies an update
for the runs whose batch is complete. Everything else (loss curves, evaluation,
divergence, progress) is a `sims.callbacks.Part` it calls at fixed points.
"""

from __future__ import annotations

import time

import torch
from torch import Tensor

from sims import gradients
from sims.blocks import Pass, StackedNet
from sims.callbacks import LossCurve, Part, Progress
from sims.jobs import Dataset, Job, Outcome
from sims.layout import Epoch, TickPlan, tick_size
from sims.optim import StackedOptimizer, clip_grad_norm_, grad_norms
from sims.runs import Trace
from sims.stacked import sample_losses
from sims.tracker import Tracker

#: Ticks whose samples are gathered in one go, bounded by the memory that takes.
MAX_BLOCK = 64
GATHER_BYTES = 32 * 2**20


class Trainer:
    """One group of runs that share a loop: their stacked model, optimizer, tick plan and parts."""

    def __init__(self, job: Job, device: torch.device, tracker: Tracker, span: tuple[float, float]) -> None:
        self.job, self.device, self.tracker, self.span = job, device, tracker, span
        self.epochs = job.epochs
        self.runs = runs = job.runs
        n = job.train.size
        self.plan = TickPlan(runs, n, tick_size(runs, n, job.model.batch_dependent), job.order.drop_last, device)
        self.train, self.val = job.train.to(device), job.val.to(device) if job.val is not None else None
        self.datasets = torch.tensor([run.dataset for run in runs], device=device)
        self.x_flat = self.train.x.reshape(-1, self.train.x.shape[-1])  # all datasets end to end: one gather
        self.y_flat = self.train.y.reshape(-1, self.train.y.shape[-1])
        seeds = [run.seed for run in runs]
        if job.start is not None:  # copied in: the job that trained them keeps its own
            self.net = StackedNet.build(job.model, seeds, device, weights=job.start.params, buffers=job.start.buffers)
        else:
            self.net = StackedNet.build(job.model, seeds, device)
        self.gradient = gradients.for_model(job.model, self.net, job.loss)
        self.optimizer = StackedOptimizer(self.net.params, job.optimizer)
        self.grads = [torch.zeros_like(p) for p in self.net.params]
        self.rate = torch.tensor([[run.lr] for run in runs], device=device)  # zero once a run stops
        clips = [run.clip if run.clip is not None else torch.inf for run in runs]
        self.clip = torch.tensor(clips, device=device).view(-1, 1) if any(r.clip for r in runs) else None
        self.grad_norm: Tensor | None = None  # each run's norm before clipping at the newest update, when a part asks
        self.sink = max(u * job.epochs for u in self.plan.per_epoch)  # the loss slot of runs not updating
        self.factors = self.plan.rate_factors(job.epochs, self.sink)  # [R, U + 1] on the device, or None
        self.traces = [Trace(run) for run in runs]
        self.done, self.epochs_done = [0] * len(runs), 0
        dropout_seed = hash(tuple(seeds)) % 2**31 + job.order.first_epoch  # masks reproducible per job and phase
        self.generator = torch.Generator(device).manual_seed(dropout_seed)
        per_tick = len(runs) * self.plan.tick * (self.x_flat.shape[-1] + self.y_flat.shape[-1]) * 4
        self.block = max(1, min(MAX_BLOCK, GATHER_BYTES // per_tick))
        self.curve = LossCurve().fresh(self)
        parts = sorted(job.record, key=lambda part: getattr(part, "priority", 1))
        self.parts: list[Part] = [self.curve, *(part.fresh(self) for part in parts), Progress().fresh(self)]
        self.measure_norms = any(part.needs_grad_norm for part in self.parts)
        # The hooks called per tick and per update, only where a part implements them: they sit in the hot loop.
        self.on_tick = [p.on_tick for p in self.parts if type(p).on_tick is not Part.on_tick]
        self.on_update = [p.on_update for p in self.parts if type(p).on_update is not Part.on_update]

    # -- what parts ask of the loop ---------------------------------------------------------
    def outputs(self, data: Dataset) -> tuple[Tensor, Tensor]:
        """Every run's outputs on a whole dataset (evaluation mode), with the matching targets."""
        if data.x.shape[0] == 1:
            x, y = data.x[0], data.y[0].expand(len(self.runs), *data.y.shape[1:])
        else:
            x, y = data.x[self.datasets], data.y[self.datasets]
        return self.gradient.predict(x), y

    def mean_losses(self, data: Dataset) -> Tensor:
        outputs, y = self.outputs(data)
        return sample_losses(self.job.loss, outputs, y).mean(dim=1)

    def evaluate(self, data: Dataset) -> tuple[list[float], list[float] | None]:
        outputs, y = self.outputs(data)
        losses = sample_losses(self.job.loss, outputs, y).mean(dim=1).tolist()
        accuracy = None
        if self.job.loss == "cross_entropy":
            accuracy = (outputs.argmax(-1) == y[..., 0]).float().mean(dim=1).tolist()
        return losses, accuracy

    def stop(self, r: int, step: int, reason: str) -> None:
        """Stop run r at update `step` (it diverged): zero rate, weights and optimizer state."""
        self.traces[r].diverged_at, self.traces[r].divergence_reason = step, reason
        self.rate[r] = 0.0
        self.optimizer.reset(r)
        for buffer in self.net.params + self.grads:
            buffer[r].zero_()

    # -- the loop ------------------------------------------------------------------------------
    def fit(self) -> Outcome:
        for part in self.parts:
            part.on_fit_start()
        seconds = []
        for e in range(self.job.epochs):
            epoch = self.plan.epoch(self.job.order.first_epoch + e, self.job.order.shuffle, self.done, self.sink)
            seconds.append(self._run_epoch(epoch))
            self.done = [d + u for d, u in zip(self.done, self.plan.per_epoch, strict=True)]
            self.epochs_done += 1
            for part in self.parts:
                part.on_epoch(last=e == self.job.epochs - 1)
        for r, trace in enumerate(self.traces):
            trace.updates = self.done[r] if trace.diverged_at is None else trace.diverged_at
        for part in self.parts:
            part.on_fit_end()
        return Outcome(self.traces, self.net, seconds)

    def _run_epoch(self, epoch: Epoch) -> float:
        """One pass over the data for every run; returns its wall time in seconds."""
        plan, ticks = self.plan, epoch.index.shape[0]
        lockstep, batch_dependent = plan.lockstep, self.job.model.batch_dependent
        # Locals: this loop runs once per tick, and attribute lookups add up.
        gradient, grads, check_cancel, on_tick, on_update = (
            self.gradient,
            self.grads,
            self.tracker.check_cancel,
            self.on_tick,
            self.on_update,
        )
        plain = self.factors is None and self.clip is None and not self.measure_norms
        optimizer_step, rate = self.optimizer.step, self.rate
        accumulate = not lockstep  # lockstep: every tick is a whole update, nothing to add up
        loss_so_far = torch.zeros(len(self.runs), device=self.device)
        update = self.done[0]  # lockstep: every run is at the same update
        step = Pass(train=True, generator=self.generator)
        self._sync()
        started = time.perf_counter()
        for first in range(0, ticks, self.block):
            index = epoch.index[first : first + self.block]
            gathered = zip(self.x_flat[index], self.y_flat[index], plan.weight[first : first + self.block], strict=True)
            for t, (x, y, weight) in enumerate(gathered, start=first):
                check_cancel()
                if batch_dependent:  # BatchNorm's statistics skip the padding
                    step = Pass(train=True, mask=plan.mask[t], generator=self.generator)
                losses = gradient(x, y, weight, step, grads, accumulate)
                for hook in on_tick:
                    hook(t, gradient.outputs, y)
                if lockstep:
                    if plain:  # no schedule, no clipping: the optimizer alone
                        optimizer_step(grads, rate)
                    else:
                        self._step(None, None if self.factors is None else self.factors[:, update : update + 1])
                    update += 1
                    for hook in on_update:
                        hook(losses, None)
                elif plan.any_update[t]:
                    loss_so_far += losses
                    flag, slot = plan.flag[t], epoch.slot[t]
                    self._step(flag.unsqueeze(1), None if self.factors is None else self.factors.gather(1, slot))
                    for hook in on_update:
                        hook(loss_so_far, slot)
                    loss_so_far.mul_(1.0 - flag)
                else:
                    loss_so_far += losses
            last = min(first + self.block, ticks) - 1
            so_far = [d + int(c) for d, c in zip(self.done, plan.counts[last], strict=True)]
            for part in self.parts:
                part.on_block((self.epochs_done + (last + 1) / ticks) / self.job.epochs, so_far)
        self._sync()
        return time.perf_counter() - started

    def _step(self, mask: Tensor | None, factor: Tensor | None) -> None:
        """One update for the runs in `mask` (all when None): clip, step, and clear what was used."""
        rate = self.rate if factor is None else self.rate * factor  # the optimizer masks it
        if self.clip is not None:
            limit = self.clip if mask is None else torch.where(mask > 0, self.clip, torch.inf)
            self.grad_norm = clip_grad_norm_(self.grads, limit)
        elif self.measure_norms:
            self.grad_norm = grad_norms(self.grads)
        self.optimizer.step(self.grads, rate, mask)
        if mask is not None:
            for grad in self.grads:
                grad.mul_((1.0 - mask).view(-1, *([1] * (grad.dim() - 1))))

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
