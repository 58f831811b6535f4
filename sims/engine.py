"""Trains every run of a simulation at once: variants x seeds, on one device.

How runs with different batch sizes share one loop: every run walks through its own
shuffled epoch in micro-batches of the smallest batch size, adding up gradients, and
applies an update when its own batch is complete. A micro-batch carries per-sample
weights of 1/|batch| (zero for padding), so the sum over a batch's micro-batches is that
batch's mean gradient: the same update a plain loop would take, in one batched matmul for
all runs. Data stays on the device; batches are gathered by index from `torch.randperm`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

import torch
from torch import Tensor

from sims.result import CurvePoints
from sims.runs import Run, Schedule, Trace, batch_sizes
from sims.stacked import Activation, LossKind, StackedMLP, loss_and_grad, sample_losses
from sims.tracker import Tracker

#: A separate stream of randomness for data order, so it never collides with the init stream.
ORDER_SEED_OFFSET = 1_000_003
MAX_POINTS_PER_EVENT = 200
#: Steps whose batches are gathered in one go, bounded by the memory that takes.
MAX_BLOCK = 64
GATHER_BYTES = 32 * 2**20

Strategy = Literal["auto", "merged", "by_batch"]


@dataclass
class Dataset:
    """x: [S, N, D]; y: [S, N, 1] class indices or [S, N, K] targets. S datasets of equal size."""

    x: Tensor
    y: Tensor

    @property
    def size(self) -> int:
        return self.x.shape[1]

    def to(self, device: torch.device) -> Dataset:
        return Dataset(self.x.to(device), self.y.to(device))


@dataclass
class Job:
    stage: str
    sizes: tuple[int, ...]
    loss: LossKind
    train: Dataset
    runs: list[Run]
    epochs: int
    val: Dataset | None = None
    activation: Activation = "relu"
    optimizer: Literal["sgd", "adam"] = "sgd"
    momentum: float = 0.0  # sgd only
    start: list[Tensor] | None = None  # stacked weights to start from (one row per run), else fresh init
    first_epoch: int = 0  # where this job's epochs sit in a longer training, for the data order
    drop_last: bool = False
    shuffle: bool = True
    eval_train: bool = True
    full_loss_each_update: bool = False  # also record the whole training set's loss after every update
    stream: bool = False
    blowup: float = 100.0


@dataclass
class Outcome:
    traces: list[Trace]
    model: StackedMLP
    epoch_seconds: list[float]


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


def applied_factors(schedule: Schedule, total: int, per_epoch: int) -> Tensor:
    """A schedule's multipliers as the engine applies them: computed in double, used in single precision."""
    return torch.tensor(schedule.factors(total, per_epoch), dtype=torch.float64).float()


def epoch_order(seed: int, epoch: int, n: int) -> Tensor:
    """The sample order of one epoch for a seed, shared by all of its variants.

    Each (seed, epoch) has its own generator, so a training split into phases (a batch
    size that grows, say) sees the same orders as one uninterrupted run.
    """
    generator = torch.Generator().manual_seed((seed + ORDER_SEED_OFFSET) * 100_003 + epoch)
    return torch.randperm(n, generator=generator)


def shuffle_orders(seed: int, n: int, epochs: int, first_epoch: int = 0) -> Tensor:
    """The orders of several consecutive epochs: [epochs, n]."""
    return torch.stack([epoch_order(seed, first_epoch + e, n) for e in range(epochs)])


@dataclass(frozen=True)
class Layout:
    """Where each sample of an epoch goes when batches are cut into micro-batches.

    Depends only on (n, batch, micro, drop_last), never on the shuffle, so it is computed
    once per job and every epoch just drops its sample order into `slots`.
    """

    slots: Tensor  # [used]: position of the i-th sample of the epoch order
    weight: Tensor  # [T, micro]: 1/|batch| for real samples, 0 for padding
    update: Tensor  # [T] bool: the run updates after this micro-batch
    used: int  # samples taken per epoch (fewer than n with drop_last)

    @property
    def ticks(self) -> int:
        return self.update.numel()


def micro_layout(n: int, batch: int, micro: int, drop_last: bool) -> Layout:
    sizes = torch.tensor(batch_sizes(n, batch, drop_last), dtype=torch.long)
    padded = (sizes + micro - 1) // micro * micro
    starts = torch.cumsum(padded, 0) - padded
    used = int(sizes.sum())
    position = torch.arange(used)
    which = position // batch
    slots = starts[which] + position % batch
    total = int(padded.sum())
    weight = torch.zeros(total)
    weight[slots] = 1.0 / sizes[which].float()
    update = torch.zeros(total // micro, dtype=torch.bool)
    update[(starts + padded) // micro - 1] = True
    return Layout(slots, weight.view(-1, micro), update, used)


def micro_schedule(order: Tensor, batch: int, micro: int, drop_last: bool) -> tuple[Tensor, Tensor, Tensor]:
    """One epoch in micro-batches: sample indices [T, micro], weights [T, micro], update flags [T]."""
    layout = micro_layout(order.numel(), batch, micro, drop_last)
    index = torch.zeros(layout.weight.numel(), dtype=torch.long)
    index[layout.slots] = order[: layout.used]
    return index.view(-1, micro), layout.weight, layout.update


@dataclass
class _Epoch:
    """What changes from one epoch to the next: the sample order and where losses go."""

    index: Tensor  # [T, R, m] on the device: rows of the (flattened) training data
    slot: Tensor  # [T, R, 1] on the device: column of the loss buffer for each update


class _Trainer:
    def __init__(self, job: Job, device: torch.device, tracker: Tracker, span: tuple[float, float]) -> None:
        self.job = job
        self.span = span
        self.device = device
        self.tracker = tracker
        self.runs = job.runs
        count = len(job.runs)
        self.micro = min(min(run.batch_size for run in job.runs), job.train.size)
        self.train = job.train.to(device)
        self.val = job.val.to(device) if job.val is not None else None
        self.datasets = torch.tensor([run.dataset for run in job.runs], device=device)
        # All datasets end to end, so one index op gathers every run's batch.
        self.x_flat = self.train.x.reshape(-1, self.train.x.shape[-1])
        self.y_flat = self.train.y.reshape(-1, self.train.y.shape[-1])
        if job.start is not None:
            self.model = StackedMLP([p.to(device).clone() for p in job.start], job.activation)
        else:
            self.model = StackedMLP.initialise(job.sizes, [run.seed for run in job.runs], job.activation, device)
        self.lr = torch.tensor([[run.lr] for run in job.runs], device=device, dtype=torch.float32)
        self.rate = self.lr.clone()  # the learning rate, zero for runs that diverged
        self.grads = self.model.zeros_like()
        self.velocity = self.model.zeros_like() if job.momentum and job.optimizer == "sgd" else None
        adam = job.optimizer == "adam"
        self.moments = (self.model.zeros_like(), self.model.zeros_like()) if adam else None
        self.steps_taken = torch.zeros(count, 1, device=device)  # per run, for Adam's bias correction
        self.shapes = [(count,) + (1,) * (p.dim() - 1) for p in self.model.params]
        self.rate_views = [self.rate.view(shape) for shape in self.shapes]
        per_epoch = [len(batch_sizes(job.train.size, run.batch_size, job.drop_last)) for run in job.runs]
        self.total_updates = [n * job.epochs for n in per_epoch]
        self.loss_buffer = torch.zeros(count, max(self.total_updates) + 1, device=device)
        self.sink = max(self.total_updates)
        self.factors = None  # [R, U + 1]: each run's learning-rate multiplier at each update
        if any(run.schedule is not None for run in job.runs):
            self.factors = torch.ones(count, self.sink + 1)
            for r, (run, n) in enumerate(zip(job.runs, per_epoch, strict=True)):
                if run.schedule is not None:
                    self.factors[r, : self.total_updates[r]] = applied_factors(run.schedule, self.total_updates[r], n)
            self.factors = self.factors.to(device)
        self.done = [0] * count
        self.traces = [Trace(run) for run in job.runs]
        self.seeds = sorted({run.seed for run in job.runs}) if job.shuffle else []
        self.epoch = job.first_epoch
        self.correct = torch.zeros(count, job.train.size, dtype=torch.bool, device=device) if job.stream else None
        self.full_buffer = torch.zeros_like(self.loss_buffer) if job.full_loss_each_update else None
        self.emitted_updates = [0] * count
        self.emitted_epochs = [0] * count
        self.checked = [0] * count
        self.start_loss = [math.inf] * count
        self._plan_layouts()
        per_step = count * self.micro * (self.x_flat.shape[-1] + self.y_flat.shape[-1]) * 4
        self.block = max(1, min(MAX_BLOCK, GATHER_BYTES // per_step))

    # -- schedule -----------------------------------------------------------------------
    def _plan_layouts(self) -> None:
        """Everything about the epochs that does not depend on the shuffle, computed once."""
        job, count, n = self.job, len(self.runs), self.job.train.size
        layouts = {b: micro_layout(n, b, self.micro, job.drop_last) for b in {run.batch_size for run in self.runs}}
        self.keys = sorted({(run.seed, run.batch_size) for run in self.runs})
        self.key_layouts = [layouts[batch] for _, batch in self.keys]
        self.ticks = max(layout.ticks for layout in layouts.values())
        run_keys = [self.keys.index((run.seed, run.batch_size)) for run in self.runs]
        self.run_keys = torch.tensor(run_keys)
        self.offsets = torch.tensor([run.dataset * n for run in self.runs]).view(1, count, 1)
        weight = torch.zeros(self.ticks, count, self.micro)
        flag = torch.zeros(self.ticks, count, dtype=torch.bool)
        for r, run in enumerate(self.runs):
            layout = layouts[run.batch_size]
            weight[: layout.ticks, r] = layout.weight
            flag[: layout.ticks, r] = layout.update
        self.weight = weight.unsqueeze(-1).to(self.device)  # [T, R, m, 1]
        self.flag = flag.float().to(self.device)  # [T, R]: 1 where the run updates after this step
        self.flag_bool = flag
        self.counts = torch.cumsum(flag.long(), 0)  # [T, R] on the CPU: updates so far this epoch
        self.any_update = flag.any(dim=1).tolist()
        self.per_epoch = flag.sum(dim=0).tolist()
        self.lockstep = bool(flag.all())  # every run updates after every step: nothing to accumulate

    def _epoch(self) -> _Epoch:
        n = self.job.train.size
        in_order = torch.arange(n)
        orders = {seed: epoch_order(seed, self.epoch, n) for seed in self.seeds}
        self.epoch += 1
        by_key = torch.zeros(len(self.keys), self.ticks * self.micro, dtype=torch.long)
        for k, ((seed, _), layout) in enumerate(zip(self.keys, self.key_layouts, strict=True)):
            by_key[k, layout.slots] = orders.get(seed, in_order)[: layout.used]
        index = by_key[self.run_keys].view(len(self.runs), self.ticks, self.micro).transpose(0, 1) + self.offsets
        numbered = self.counts - 1 + torch.tensor(self.done)
        slot = torch.where(self.flag_bool, numbered, torch.full_like(numbered, self.sink))
        return _Epoch(index=index.contiguous().to(self.device), slot=slot.unsqueeze(-1).to(self.device))

    # -- arithmetic -----------------------------------------------------------------------
    def _apply(self, flag: Tensor | None, factor: Tensor | None) -> None:
        """One optimizer step for the runs whose `flag` is 1 (all when None).

        `factor` [R, 1] is each run's scheduled learning-rate multiplier for this update.
        """
        rate = self.rate if factor is None else self.rate * factor
        mask = None if flag is None else flag.unsqueeze(1)
        if mask is not None:
            rate = rate * mask
        if self.moments is not None:
            self._adam(rate, mask)
        elif self.velocity is None and mask is None:
            views = self.rate_views if factor is None else [rate.view(shape) for shape in self.shapes]
            torch._foreach_addcmul_(self.model.params, self.grads, views, value=-1.0)
        else:
            momentum = self.job.momentum
            for i, (param, grad) in enumerate(zip(self.model.params, self.grads, strict=True)):
                shape = self.shapes[i]
                step = grad
                if self.velocity is not None:
                    step = self.velocity[i]
                    if mask is None:
                        step.mul_(momentum).add_(grad)
                    else:
                        step.add_(mask.view(shape) * ((momentum - 1.0) * step + grad))
                param.addcmul_(rate.view(shape), step, value=-1.0)
        if mask is not None:
            for i, grad in enumerate(self.grads):
                grad.mul_((1.0 - mask).view(self.shapes[i]))

    def _adam(self, rate: Tensor, mask: Tensor | None) -> None:
        """Adam with torch.optim.Adam's defaults (betas 0.9, 0.999; eps 1e-8), per run."""
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        assert self.moments is not None
        self.steps_taken += 1.0 if mask is None else mask
        steps = self.steps_taken.clamp_min(1.0)  # a run that has not stepped yet has rate 0 here
        correction1 = 1 - beta1**steps
        root_correction2 = (1 - beta2**steps).sqrt()
        step_size = rate / correction1
        for i, (param, grad) in enumerate(zip(self.model.params, self.grads, strict=True)):
            shape = self.shapes[i]
            first, second = self.moments[0][i], self.moments[1][i]
            if mask is None:
                first.mul_(beta1).add_(grad, alpha=1 - beta1)
                second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            else:
                m = mask.view(shape)
                first.add_(m * ((beta1 - 1) * first + (1 - beta1) * grad))
                second.add_(m * ((beta2 - 1) * second + (1 - beta2) * grad * grad))
            denom = (second.sqrt() / root_correction2.view(shape)).add_(eps)
            param.addcdiv_(first * step_size.view(shape), denom, value=-1.0)

    def _outputs(self, data: Dataset) -> tuple[Tensor, Tensor]:
        """Every run's outputs on a whole dataset, with the matching targets."""
        if data.x.shape[0] == 1:
            x, y = data.x[0], data.y[0].expand(len(self.runs), *data.y.shape[1:])
        else:
            x, y = data.x[self.datasets], data.y[self.datasets]
        return self.model.predict(x), y

    def _mean_losses(self, data: Dataset) -> Tensor:
        outputs, y = self._outputs(data)
        return sample_losses(self.job.loss, outputs, y).mean(dim=1)

    def _evaluate(self, data: Dataset) -> tuple[list[float], list[float] | None]:
        outputs, y = self._outputs(data)
        losses = sample_losses(self.job.loss, outputs, y).mean(dim=1)
        accuracy = None
        if self.job.loss == "cross_entropy":
            accuracy = (outputs.argmax(-1) == y[..., 0]).float().mean(dim=1).tolist()
        return losses.tolist(), accuracy

    def _record_epoch(self) -> None:
        for data, loss_list, acc_list in ((self.train, "train_loss", "train_acc"), (self.val, "val_loss", "val_acc")):
            if data is None or (data is self.train and not self.job.eval_train):
                continue
            losses, accuracy = self._evaluate(data)
            for r, trace in enumerate(self.traces):
                if trace.diverged_at is None:
                    getattr(trace, loss_list).append(losses[r])
                    if accuracy is not None:
                        getattr(trace, acc_list).append(accuracy[r])

    # -- divergence -------------------------------------------------------------------------
    def _check_divergence(self) -> None:
        """Mark runs whose newest batch losses went non-finite or far above where they started."""
        first, newest = min(self.checked), max(self.done)
        if newest == first:
            return
        values = self.loss_buffer[:, first:newest].tolist()
        for r, trace in enumerate(self.traces):
            if trace.diverged_at is not None:
                self.checked[r] = self.done[r]
                continue
            if not math.isfinite(self.start_loss[r]):
                self.start_loss[r] = trace.train_loss[0] if trace.train_loss else values[r][0]
            for k in range(self.checked[r], self.done[r]):
                loss = values[r][k - first]
                if not math.isfinite(loss) or loss > self.job.blowup * self.start_loss[r]:
                    start = self.start_loss[r]
                    reason = (
                        "loss became NaN or infinite"
                        if not math.isfinite(loss)
                        else f"loss {loss:.3g} exceeded {self.job.blowup:g}x its starting value {start:.3g}"
                    )
                    self._kill(r, k + 1, reason)
                    break
            self.checked[r] = self.done[r]

    def _kill(self, r: int, step: int, reason: str) -> None:
        trace = self.traces[r]
        trace.diverged_at = step
        trace.divergence_reason = reason
        self.rate[r] = 0.0  # the views in rate_views see this too
        moments = [*self.moments[0], *self.moments[1]] if self.moments else []
        for buffer in self.model.params + self.grads + (self.velocity or []) + moments:
            buffer[r].zero_()

    # -- progress ---------------------------------------------------------------------------
    def _new_points(self, done: list[int]) -> list[CurvePoints]:
        """Curve points recorded since the last event, thinned to a few hundred per curve."""
        points: list[CurvePoints] = []
        first, newest = min(self.emitted_updates), max(done)
        values = self.loss_buffer[:, first:newest].tolist() if newest > first else [[] for _ in self.runs]
        for r, trace in enumerate(self.traces):
            end = done[r] if trace.diverged_at is None else trace.diverged_at - 1
            start = self.emitted_updates[r]
            if end > start:
                stride = max(1, (end - start) // MAX_POINTS_PER_EVENT)
                steps = list(range(start + 1, end + 1, stride))
                if steps[-1] != end:  # thinned, but always up to the newest update
                    steps.append(end)
                xs = [x for x in steps if math.isfinite(values[r][x - 1 - first])]
                points.append(
                    CurvePoints(
                        metric="update_loss",
                        variant=trace.run.variant,
                        seed=trace.run.seed,
                        x=[float(x) for x in xs],
                        y=[values[r][x - 1 - first] for x in xs],
                    )
                )
                self.emitted_updates[r] = end
            if trace.diverged_at is not None:
                self.emitted_updates[r] = done[r]
            for metric in ("train_loss", "val_loss"):
                curve = getattr(trace, metric)
                if len(curve) > self.emitted_epochs[r]:
                    since = self.emitted_epochs[r]
                    points.append(
                        CurvePoints(
                            metric=metric,
                            variant=trace.run.variant,
                            seed=trace.run.seed,
                            x=[float(e) for e in range(since, len(curve))],
                            y=curve[since:],
                        )
                    )
            self.emitted_epochs[r] = max(len(trace.train_loss), len(trace.val_loss))
        return points

    # -- the loop -----------------------------------------------------------------------------
    def fit(self) -> Outcome:
        job = self.job
        self._record_epoch()
        epoch_seconds = []
        for epoch in range(job.epochs):
            plan = self._epoch()
            epoch_seconds.append(self._run_epoch(plan, epoch))
            self.done = [d + u for d, u in zip(self.done, self.per_epoch, strict=True)]
            self._check_divergence()
            self._record_epoch()
            self._report((epoch + 1) / job.epochs, self.done, last=epoch == job.epochs - 1)
        for r, trace in enumerate(self.traces):
            end = self.done[r] if trace.diverged_at is None else trace.diverged_at - 1
            trace.update_loss = self.loss_buffer[r, :end].tolist()
            if self.full_buffer is not None:
                trace.full_loss = self.full_buffer[r, :end].tolist()
            trace.updates = self.done[r] if trace.diverged_at is None else trace.diverged_at
            if self.correct is not None:
                trace.correct = self.correct[r].tolist()
        return Outcome(self.traces, self.model, epoch_seconds)

    def _run_epoch(self, plan: _Epoch, epoch: int) -> float:
        """One pass over the data for every run; returns its wall time in seconds.

        Batches are gathered a block of steps at a time (one index op instead of two per
        step); progress is offered to the tracker after each block.
        """
        model, job, tracker = self.model, self.job, self.tracker
        ticks = plan.index.shape[0]
        losses_so_far = torch.zeros(len(self.runs), device=self.device)
        column = self.done[0]
        pending: list[Tensor] = []
        pending_full: list[Tensor] = []
        self._sync()
        started = time.perf_counter()
        for first in range(0, ticks, self.block):
            index = plan.index[first : first + self.block]
            steps = zip(self.x_flat[index], self.y_flat[index], self.weight[first : first + self.block], strict=True)
            for t, (inputs, targets, weight) in enumerate(steps, start=first):
                tracker.check_cancel()
                outputs, cache = model.forward(inputs)
                batch_loss, grad_out = loss_and_grad(job.loss, outputs, targets, weight)
                model.backward_into(cache, grad_out, self.grads, accumulate=not self.lockstep)
                if self.correct is not None:
                    self.correct[:, t] = outputs.argmax(-1)[:, 0] == targets[:, 0, 0]
                if self.lockstep:
                    update = column + len(pending)
                    self._apply(None, None if self.factors is None else self.factors[:, update : update + 1])
                    pending.append(batch_loss)
                    if self.full_buffer is not None:
                        pending_full.append(self._mean_losses(self.train))
                elif self.any_update[t]:
                    losses_so_far += batch_loss
                    flag = self.flag[t]
                    self._apply(flag, None if self.factors is None else self.factors.gather(1, plan.slot[t]))
                    self.loss_buffer.scatter_(1, plan.slot[t], losses_so_far.unsqueeze(1))
                    if self.full_buffer is not None:
                        self.full_buffer.scatter_(1, plan.slot[t], self._mean_losses(self.train).unsqueeze(1))
                    losses_so_far.mul_(1.0 - flag)
                else:
                    losses_so_far += batch_loss
            if self.full_buffer is not None and pending_full:
                self.full_buffer[:, column : column + len(pending_full)] = torch.stack(pending_full, dim=1)
                pending_full.clear()
            column = self._flush(pending, column)
            last = min(first + self.block, ticks) - 1
            so_far = [d + int(c) for d, c in zip(self.done, self.counts[last], strict=True)]
            self._report((epoch + (last + 1) / ticks) / job.epochs, so_far)
        self._sync()
        return time.perf_counter() - started

    def _flush(self, pending: list[Tensor], column: int) -> int:
        """Write the batch losses of lockstep ticks into the loss buffer, in one copy."""
        if not pending:
            return column
        self.loss_buffer[:, column : column + len(pending)] = torch.stack(pending, dim=1)
        column += len(pending)
        pending.clear()
        return column

    def _report(self, fraction: float, done: list[int], last: bool = False) -> None:
        """Offer progress; the last report of a group always goes out, so a live chart gets every curve's tail."""
        start, width = self.span
        self.tracker.update(start + width * fraction, lambda: self._new_points(done), force=last)

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def groups(job: Job, device: torch.device, strategy: Strategy = "auto") -> list[list[int]]:
    """Which runs share one loop.

    On a GPU, where at these sizes launching kernels costs more than the arithmetic, every
    run shares one loop. On a CPU a batched matmul is a loop of small matmuls, so a run
    that rides along in micro-batches smaller than its batch pays for steps it does not
    need; there, runs are grouped by batch size and each group steps in lockstep.
    """
    if strategy == "auto":
        strategy = "merged" if device.type in ("cuda", "mps") else "by_batch"
    if strategy == "merged":
        return [list(range(len(job.runs)))]
    by_batch: dict[int, list[int]] = {}
    for i, run in enumerate(job.runs):
        by_batch.setdefault(run.batch_size, []).append(i)
    return list(by_batch.values())


def train(job: Job, device: torch.device, tracker: Tracker, *, strategy: Strategy = "auto") -> Outcome:
    """Train every run of `job` and return what each one did, in the order of `job.runs`."""
    if job.stream and (job.shuffle or job.epochs != 1 or any(r.batch_size != 1 for r in job.runs)):
        raise ValueError("a stream job takes each sample once, in order, one at a time")
    if _recorder is not None:
        _recorder.append(job)
    parts = groups(job, device, strategy)
    costs = [len(batch_sizes(job.train.size, job.runs[g[0]].batch_size, job.drop_last)) + 1 for g in parts]
    total = sum(costs)
    outcomes, start = [], 0.0
    with torch.no_grad():
        for members, cost in zip(parts, costs, strict=True):
            weights = None if job.start is None else [p[members] for p in job.start]
            sub = replace(job, runs=[job.runs[i] for i in members], start=weights)
            outcomes.append(_Trainer(sub, device, tracker, span=(start, cost / total)).fit())
            start += cost / total
    if len(outcomes) == 1:
        return outcomes[0]
    order = [i for members in parts for i in members]
    position = {run_index: k for k, run_index in enumerate(order)}
    traces = [t for outcome in outcomes for t in outcome.traces]
    model = StackedMLP.concat([outcome.model for outcome in outcomes], [position[i] for i in range(len(job.runs))])
    seconds = [sum(epoch) for epoch in zip(*(outcome.epoch_seconds for outcome in outcomes), strict=True)]
    return Outcome([traces[position[i]] for i in range(len(job.runs))], model, seconds)
