"""What gets recorded while runs train, as parts the training loop calls.

The loop (`sims.loop`) only trains. Each part here hooks into its events (fit start,
tick, update, block of ticks, epoch end, fit end) and writes into the runs' `Trace`s.
A job lists the parts it wants; the loop always adds `LossCurve` and `Progress`.
Parts are configured once per job and copied per loop, so state never leaks between
the groups of runs one job is split into.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch
from torch import Tensor

from sims.result import CurvePoints

if TYPE_CHECKING:
    from sims.dataset import Dataset
    from sims.runs import Run, Trace
    from sims.tracker import Tracker

MAX_POINTS_PER_EVENT = 200


class Loop(Protocol):
    """What a part may read from the loop it is bound to (`sims.loop.Trainer` is one)."""

    epochs: int  # of the job
    runs: list[Run]
    traces: list[Trace]
    done: list[int]  # updates taken so far, per run
    epochs_done: int
    device: torch.device
    train: Dataset
    val: Dataset | None
    sink: int  # the loss slot of runs that do not update at a tick
    curve: LossCurve
    tracker: Tracker
    span: tuple[float, float]  # this loop's share of its stage: (start, width)
    grad_norm: Tensor | None  # each run's gradient norm before clipping at the newest update, when asked

    def evaluate(self, data: Dataset) -> tuple[list[float], list[float] | None]: ...
    def mean_losses(self, data: Dataset) -> Tensor: ...
    def stop(self, r: int, step: int, reason: str) -> None: ...


class Part:
    """A hook into the training loop; every method is optional."""

    #: Whether the loop must measure each update's gradient norm for this part (it costs a reduction per update).
    needs_grad_norm = False

    def fresh(self, trainer: Loop) -> Part:
        """A copy of this part bound to one loop, with its own state."""
        part = copy.copy(self)
        part.bind(trainer)
        return part

    def bind(self, trainer: Loop) -> None:
        self.trainer = trainer

    def on_fit_start(self) -> None: ...
    def on_tick(self, t: int, outputs: Tensor, targets: Tensor) -> None: ...
    def on_update(self, losses: Tensor, slot: Tensor | None) -> None: ...
    def on_block(self, fraction: float, done: list[int]) -> None: ...
    def on_epoch(self, last: bool) -> None: ...
    def on_fit_end(self) -> None: ...


class _Buffer(Part):
    """One value per run per update on the device, written without a host sync.

    In lockstep (every run updates every tick) values are stacked a block at a time;
    otherwise each goes to the run's update slot, with `sink` for runs not updating.
    """

    def bind(self, trainer: Loop) -> None:
        super().bind(trainer)
        self.buffer = torch.zeros(len(trainer.runs), trainer.sink + 1, device=trainer.device)
        self.pending: list[Tensor] = []
        self.column = 0

    def put(self, values: Tensor, slot: Tensor | None) -> None:
        if slot is None:
            self.pending.append(values)
        else:
            self.buffer.scatter_(1, slot, values.unsqueeze(1))

    def on_block(self, fraction: float, done: list[int]) -> None:
        if self.pending:
            self.buffer[:, self.column : self.column + len(self.pending)] = torch.stack(self.pending, dim=1)
            self.column += len(self.pending)
            self.pending.clear()

    def kept(self, r: int) -> list[float]:
        trace = self.trainer.traces[r]
        end = self.trainer.done[r] if trace.diverged_at is None else trace.diverged_at - 1
        return self.buffer[r, :end].tolist()


class LossCurve(_Buffer):
    """Each update's batch loss (the loss the update was computed from)."""

    def on_update(self, losses: Tensor, slot: Tensor | None) -> None:
        if slot is None:  # `put`, inlined: this runs once per update
            self.pending.append(losses)
        else:
            self.buffer.scatter_(1, slot, losses.unsqueeze(1))

    def on_fit_end(self) -> None:
        for r, trace in enumerate(self.trainer.traces):
            trace.update_loss = self.kept(r)


@dataclass
class FullLoss(_Buffer):
    """The whole training set's loss after every update, for measuring steps to a target."""

    def on_update(self, losses: Tensor, slot: Tensor | None) -> None:
        self.put(self.trainer.mean_losses(self.trainer.train), slot)

    def on_fit_end(self) -> None:
        for r, trace in enumerate(self.trainer.traces):
            trace.full_loss = self.kept(r)


@dataclass
class GradNorm(_Buffer):
    """Each update's global gradient norm, before any clipping: what clipping thresholds are chosen from."""

    needs_grad_norm = True

    def on_update(self, losses: Tensor, slot: Tensor | None) -> None:
        assert self.trainer.grad_norm is not None  # the loop measures it for a part that needs it
        self.put(self.trainer.grad_norm, slot)

    def on_fit_end(self) -> None:
        for r, trace in enumerate(self.trainer.traces):
            trace.grad_norm = self.kept(r)


@dataclass
class Evaluate(Part):
    """Loss (and accuracy, for classes) on the training and validation sets before training and after each epoch."""

    train: bool = True
    val: bool = True

    def on_fit_start(self) -> None:
        self._record()

    def on_epoch(self, last: bool) -> None:
        self._record()

    def _record(self) -> None:
        trainer = self.trainer
        for data, loss_name, acc_name, wanted in (
            (trainer.train, "train_loss", "train_acc", self.train),
            (trainer.val, "val_loss", "val_acc", self.val),
        ):
            if data is None or not wanted:
                continue
            losses, accuracy = trainer.evaluate(data)
            for r, trace in enumerate(trainer.traces):
                if trace.diverged_at is None:
                    getattr(trace, loss_name).append(losses[r])
                    if accuracy is not None:
                        getattr(trace, acc_name).append(accuracy[r])


@dataclass
class Divergence(Part):
    """Stops a run whose batch loss went non-finite or beyond `blowup` times where it started.

    Checked once per epoch from the loss curve, so a step never waits on the device; the
    run's curves are cut at the update where it blew up. "Where it started" is the
    training-set loss before training when `Evaluate` records it, else the first batch
    loss (with summed micro-batch losses, that is k times the mean).
    """

    blowup: float = 100.0
    priority = 0  # before evaluation: a run that diverges this epoch gets no evaluation point for it

    def bind(self, trainer: Loop) -> None:
        super().bind(trainer)
        self.checked = [0] * len(trainer.runs)
        self.start = [math.inf] * len(trainer.runs)

    def on_epoch(self, last: bool) -> None:
        trainer = self.trainer
        first, newest = min(self.checked), max(trainer.done)
        if newest == first:
            return
        values = trainer.curve.buffer[:, first:newest].tolist()
        for r, trace in enumerate(trainer.traces):
            if trace.diverged_at is None:
                if not math.isfinite(self.start[r]):
                    self.start[r] = trace.train_loss[0] if trace.train_loss else values[r][0]
                for k in range(self.checked[r], trainer.done[r]):
                    loss = values[r][k - first]
                    if not math.isfinite(loss) or loss > self.blowup * self.start[r]:
                        trainer.stop(r, k + 1, self._reason(loss, self.start[r]))
                        break
            self.checked[r] = trainer.done[r]

    def _reason(self, loss: float, start: float) -> str:
        if not math.isfinite(loss):
            return "loss became NaN or infinite"
        return f"loss {loss:.3g} exceeded {self.blowup:g}x its starting value {start:.3g}"


class Prequential(Part):
    """For a stream: whether each sample was classified right before the model learned from it."""

    def bind(self, trainer: Loop) -> None:
        super().bind(trainer)
        self.correct = torch.zeros(len(trainer.runs), trainer.train.size, dtype=torch.bool, device=trainer.device)

    def on_tick(self, t: int, outputs: Tensor, targets: Tensor) -> None:
        self.correct[:, t] = outputs.argmax(-1)[:, 0] == targets[:, 0, 0]

    def on_fit_end(self) -> None:
        for r, trace in enumerate(self.trainer.traces):
            trace.correct = self.correct[r].tolist()


class Progress(Part):
    """Offers the tracker progress and the newest curve points; the tracker decides when to send."""

    def bind(self, trainer: Loop) -> None:
        super().bind(trainer)
        self.emitted_updates = [0] * len(trainer.runs)
        self.emitted_epochs = [0] * len(trainer.runs)

    def on_block(self, fraction: float, done: list[int]) -> None:
        self._report(fraction, done)

    def on_epoch(self, last: bool) -> None:
        # The last report of a loop always goes out, so a live chart gets every curve's tail.
        self._report(self.trainer.epochs_done / self.trainer.epochs, self.trainer.done, force=last)

    def _report(self, fraction: float, done: list[int], force: bool = False) -> None:
        start, width = self.trainer.span
        self.trainer.tracker.update(start + width * fraction, lambda: self._new_points(done), force=force)

    def _new_points(self, done: list[int]) -> list[CurvePoints]:
        """Curve points recorded since the last event, thinned to a few hundred per curve."""
        trainer = self.trainer
        points: list[CurvePoints] = []
        first, newest = min(self.emitted_updates), max(done)
        buffer = trainer.curve.buffer
        values = buffer[:, first:newest].tolist() if newest > first else [[] for _ in trainer.runs]
        for r, trace in enumerate(trainer.traces):
            end = done[r] if trace.diverged_at is None else trace.diverged_at - 1
            start = self.emitted_updates[r]
            if end > start:
                stride = max(1, (end - start) // MAX_POINTS_PER_EVENT)
                steps = list(range(start + 1, end + 1, stride))
                if steps[-1] != end:  # thinned, but always up to the newest update
                    steps.append(end)
                xs = [x for x in steps if math.isfinite(values[r][x - 1 - first])]
                y = [values[r][x - 1 - first] for x in xs]
                run = trace.run
                points.append(CurvePoints(metric="update_loss", variant=run.variant, seed=run.seed, x=xs, y=y))
                self.emitted_updates[r] = end
            if trace.diverged_at is not None:
                self.emitted_updates[r] = done[r]
            for metric in ("train_loss", "val_loss"):
                curve = getattr(trace, metric)
                since = self.emitted_epochs[r]
                if len(curve) > since:
                    x = [float(e) for e in range(since, len(curve))]
                    points.append(
                        CurvePoints(metric=metric, variant=trace.run.variant, seed=trace.run.seed, x=x, y=curve[since:])
                    )
            self.emitted_epochs[r] = max(len(trace.train_loss), len(trace.val_loss))
        return points
