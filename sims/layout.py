"""Where every sample of an epoch goes: the shuffle, the batches, and the ticks of the loop.

Runs that share a loop step together in ticks of `tick` samples each. A run's update
batch is cut into its micro-batches (batch_size / accumulate samples), and each
micro-batch is padded up to whole ticks. A sample carries a weight: 1/|batch| for the
mean of the update batch, or 1/|micro-batch| when the micro-batch losses are summed,
and 0 for padding. Adding up the weighted gradients of an update's ticks gives the
update's gradient, whatever the tick size, so runs with different batch sizes can share
one batched forward pass. When the model is batch-dependent (BatchNorm), the tick is the
micro-batch itself, so each forward pass sees exactly one micro-batch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import Tensor

from sims.runs import Run, Schedule, batch_sizes


def applied_factors(schedule: Schedule, total: int, per_epoch: int) -> Tensor:
    """A schedule's multipliers as the engine applies them: computed in double, used in single precision."""
    return torch.tensor(schedule.factors(total, per_epoch), dtype=torch.float64).float()


#: A separate stream of randomness for data order, so it never collides with the init stream.
ORDER_SEED_OFFSET = 1_000_003


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
    """One run's epoch in ticks; depends on (n, run settings, tick, drop_last), never on the shuffle."""

    slots: Tensor  # [used]: position of the i-th sample of the epoch order
    weight: Tensor  # [T, tick]: each sample's share of its update's loss, 0 for padding
    update: Tensor  # [T] bool: the run updates after this tick
    used: int  # samples taken per epoch (fewer than n with drop_last)

    @property
    def ticks(self) -> int:
        return self.update.numel()


def micro_layout(n: int, run: Run, tick: int, drop_last: bool) -> Layout:
    """Where one run's samples go; runs of equal batch settings share one (read-only) layout."""
    return _layout(n, run.batch_size, run.micro_batch, run.reduction, tick, drop_last)


@functools.lru_cache(maxsize=256)
def _layout(n: int, batch: int, micro: int, reduction: str, tick: int, drop_last: bool) -> Layout:
    batches = torch.tensor(batch_sizes(n, batch, drop_last), dtype=torch.long)
    # Every batch in micro-batches: full ones, then what is left of the batch.
    counts = (batches + micro - 1) // micro
    chunk_batch = torch.repeat_interleave(batches, counts)  # the size of each chunk's batch
    first_of_batch = torch.cumsum(counts, 0) - counts
    offset = torch.arange(len(chunk_batch)) - torch.repeat_interleave(first_of_batch, counts)
    chunks = torch.clamp(chunk_batch - offset * micro, max=micro)
    padded = (chunks + tick - 1) // tick * tick
    starts = torch.cumsum(padded, 0) - padded
    used = int(batches.sum())
    position = torch.arange(used)
    ends = torch.cumsum(chunks, 0)
    which = torch.searchsorted(ends, position, right=True)
    slots = starts[which] + position - (ends - chunks)[which]
    total = int(padded.sum())
    weight = torch.zeros(total)
    shares = chunk_batch if reduction == "mean" else chunks
    weight[slots] = 1.0 / shares[which].float()
    update = torch.zeros(total // tick, dtype=torch.bool)
    last_chunks = torch.cumsum(counts, 0) - 1
    update[(starts[last_chunks] + padded[last_chunks]) // tick - 1] = True
    return Layout(slots, weight.view(-1, tick), update, used)


def micro_schedule(order: Tensor, run: Run, tick: int, drop_last: bool) -> tuple[Tensor, Tensor, Tensor]:
    """One epoch in ticks: sample indices [T, tick], weights [T, tick], update flags [T]."""
    layout = micro_layout(order.numel(), run, tick, drop_last)
    index = torch.zeros(layout.weight.numel(), dtype=torch.long)
    index[layout.slots] = order[: layout.used]
    return index.view(-1, tick), layout.weight, layout.update


def tick_size(runs: list[Run], n: int, batch_dependent: bool) -> int:
    """The samples per tick of a loop shared by `runs`.

    The smallest micro-batch, so every run can update at its own batch boundaries; for a
    batch-dependent model every run must have that micro-batch, or a forward pass would
    mix samples of two micro-batches.
    """
    micros = {min(run.micro_batch, n) for run in runs}
    if batch_dependent and len(micros) > 1:
        raise ValueError(f"runs of a batch-dependent model share a loop only with equal micro-batches; got {micros}")
    return min(micros)


@dataclass
class Epoch:
    """What changes from one epoch to the next: the sample order and where losses go."""

    index: Tensor  # [T, R, tick] on the device: rows of the (flattened) training data
    slot: Tensor  # [T, R, 1] on the device: each run's update number at ticks where it updates, else `sink`


class TickPlan:
    """Everything about a job's epochs that does not depend on the shuffle, computed once."""

    def __init__(self, runs: list[Run], n: int, tick: int, drop_last: bool, device: torch.device) -> None:
        self.runs, self.n, self.tick = runs, n, tick
        count = len(runs)
        by_key = {self._key(run): run for run in runs}
        self.keys = sorted(by_key)
        self.key_layouts = {key: micro_layout(n, run, tick, drop_last) for key, run in by_key.items()}
        layouts = [self.key_layouts[self._key(run)] for run in runs]
        self.run_keys = torch.tensor([self.keys.index(self._key(run)) for run in runs])
        self.ticks = max(layout.ticks for layout in layouts)
        self.offsets = torch.tensor([run.dataset * n for run in runs]).view(1, count, 1)
        weight = torch.zeros(self.ticks, count, tick)
        flag = torch.zeros(self.ticks, count, dtype=torch.bool)
        for r, layout in enumerate(layouts):
            weight[: layout.ticks, r] = layout.weight
            flag[: layout.ticks, r] = layout.update
        self.weight = weight.unsqueeze(-1).to(device)  # [T, R, tick, 1]
        self.mask = (self.weight > 0).float()  # real samples, for BatchNorm statistics
        self.flag = flag.float().to(device)  # [T, R]: 1 where the run updates after this tick
        self.flag_bool = flag
        self.counts = torch.cumsum(flag.long(), 0)  # [T, R] on the CPU: updates so far this epoch
        self.any_update = flag.any(dim=1).tolist()
        self.per_epoch: list[int] = flag.sum(dim=0).tolist()
        self.lockstep = bool(flag.all())  # every run updates after every tick: nothing to accumulate
        self.device = device

    def rate_factors(self, epochs: int, sink: int) -> Tensor | None:
        """Each run's learning-rate multiplier at each of its updates, [R, sink + 1]; None without schedules."""
        if all(run.schedule is None for run in self.runs):
            return None
        factors = torch.ones(len(self.runs), sink + 1)
        for r, (run, per_epoch) in enumerate(zip(self.runs, self.per_epoch, strict=True)):
            if run.schedule is not None:
                factors[r, : per_epoch * epochs] = applied_factors(run.schedule, per_epoch * epochs, per_epoch)
        return factors.to(self.device)

    @staticmethod
    def _key(run: Run) -> tuple[int, int, int, str]:
        return (run.seed, run.batch_size, run.accumulate, run.reduction)

    def epoch(self, epoch: int, shuffle: bool, done: list[int], sink: int) -> Epoch:
        """The ticks of one epoch: every run's sample indices and the loss slot of each update."""
        in_order = torch.arange(self.n)
        seeds = {key[0] for key in self.keys}
        orders = {seed: epoch_order(seed, epoch, self.n) if shuffle else in_order for seed in seeds}
        by_key = torch.zeros(len(self.keys), self.ticks * self.tick, dtype=torch.long)
        for k, key in enumerate(self.keys):
            layout = self.key_layouts[key]
            by_key[k, layout.slots] = orders[key[0]][: layout.used]
        index = by_key[self.run_keys].view(len(self.runs), self.ticks, self.tick).transpose(0, 1) + self.offsets
        numbered = self.counts - 1 + torch.tensor(done)
        slot = torch.where(self.flag_bool, numbered, torch.full_like(numbered, sink))
        return Epoch(index=index.contiguous().to(self.device), slot=slot.unsqueeze(-1).to(self.device))
