"""What a simulation asks the engine for, and what it gets back, without torch.

A `Run` is one model trained with one seed under one variant's settings; a `Trace` is
what was recorded while it trained. Both are plain data, so the helpers that turn traces
into observables, and the tests of those helpers, never load the training stack.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Literal

ScheduleKind = Literal["constant", "exponential", "step", "cosine"]
Reduction = Literal["mean", "sum"]
SGD_KINDS = ("sgd", "sgdw")
OptimizerKind = Literal["sgd", "sgdw", "adam", "adamw"]


@dataclass(frozen=True)
class Schedule:
    """A multiplier on a run's learning rate, update by update (1 = the run's `lr`)."""

    kind: ScheduleKind = "constant"
    warmup: int = 0  # updates of linear warmup at the start
    end_factor: float = 1.0  # exponential: the multiplier at the last update
    milestones: tuple[int, ...] = ()  # step: epochs after which the multiplier is scaled by gamma
    gamma: float = 0.1

    def factors(self, total: int, per_epoch: int) -> list[float]:
        """The multiplier at each of `total` updates (computed in double precision)."""
        if self.kind == "exponential":
            span = max(total - 1, 1)
            out = [self.end_factor ** (update / span) for update in range(total)]
        elif self.kind == "step":
            bounds = sorted(m * per_epoch for m in self.milestones)
            out = [self.gamma ** bisect.bisect_right(bounds, update) for update in range(total)]
        elif self.kind == "cosine":
            out = [0.5 * (1 + math.cos(math.pi * update / total)) for update in range(total)]
        else:
            out = [1.0] * total
        for update in range(min(self.warmup, total)):
            out[update] *= (update + 1) / self.warmup
        return out


@dataclass(frozen=True)
class Optimizer:
    """One optimizer for every run of a job; each run brings its own learning rate.

    `weight_decay` for `sgd` and `adam` is torch.optim's: wd * weight added to the gradient,
    the gradient of L2 in the loss (the recorded losses leave the penalty out). For `adamw` and
    `sgdw` (SGD with decoupled decay, Loshchilov and Hutter 2019) it is decoupled: the weights
    shrink by lr * weight_decay before each update, outside the gradient and any momentum.
    Without momentum `sgdw` is `sgd` with the same coefficient; with momentum the two differ.
    """

    kind: OptimizerKind = "sgd"
    momentum: float = 0.0  # sgd: heavy ball, or Nesterov when `nesterov`
    nesterov: bool = False
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.nesterov and (self.kind not in SGD_KINDS or self.momentum <= 0):
            raise ValueError("Nesterov momentum needs kind 'sgd' or 'sgdw' and a momentum above 0")
        if self.momentum and self.kind not in SGD_KINDS:
            raise ValueError(f"momentum applies to sgd and sgdw; {self.kind} keeps its own moments (betas)")

    @property
    def decoupled(self) -> bool:
        """Whether weight decay shrinks the weights directly instead of adding to the gradient."""
        return self.kind in ("sgdw", "adamw")


@dataclass(frozen=True)
class Run:
    """One model of a job: a variant's settings with one seed.

    The batch of one update is `batch_size` samples. With `accumulate` k > 1 it is taken
    as k micro-batches of batch_size / k, each its own forward pass (BatchNorm sees one
    micro-batch at a time), their gradients added up before the update. `reduction`
    says how the micro-batch losses combine: "mean" gives exactly the full batch's mean
    gradient; "sum" adds the k micro-batch means, a gradient k times too large.
    """

    variant: str
    seed: int
    lr: float
    batch_size: int
    dataset: int = 0
    schedule: Schedule | None = None
    accumulate: int = 1
    reduction: Reduction = "mean"
    clip: float | None = None  # the largest global gradient norm of an update, per run

    def __post_init__(self) -> None:
        if self.accumulate < 1 or self.batch_size % self.accumulate:
            raise ValueError(
                f"run {self.variant!r}: batch_size {self.batch_size} must split into accumulate={self.accumulate} "
                "equal micro-batches"
            )
        if self.clip is not None and not self.clip > 0:
            raise ValueError(f"run {self.variant!r}: clip must be above 0 (got {self.clip})")

    @property
    def micro_batch(self) -> int:
        return self.batch_size // self.accumulate


@dataclass
class Trace:
    """Everything recorded for one run; curves stop where the run diverged."""

    run: Run
    update_loss: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    full_loss: list[float] = field(default_factory=list)  # training-set loss after each update, when asked
    grad_norm: list[float] = field(default_factory=list)  # global gradient norm before clipping, when asked
    updates: int = 0
    diverged_at: int | None = None
    divergence_reason: str | None = None


def batch_sizes(n: int, batch: int, drop_last: bool) -> list[int]:
    """The sizes of one epoch's batches."""
    full, rest = divmod(n, batch)
    return [batch] * full + ([rest] if rest and not drop_last else [])
