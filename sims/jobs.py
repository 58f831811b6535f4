"""A training job: the model, the data, the runs, and what to record while they train."""

from __future__ import annotations

from dataclasses import dataclass, field

from sims.blocks import StackedNet
from sims.callbacks import Divergence, Evaluate, Part
from sims.dataset import Dataset
from sims.models import LossKind, Model
from sims.runs import Optimizer, Run, Trace


@dataclass(frozen=True)
class Order:
    """How samples are visited: shuffled per (seed, epoch) or in order.

    `first_epoch` gives a phase of a longer training the data orders that training would
    have seen; its optimizer state and schedule start afresh with the phase.
    """

    shuffle: bool = True
    drop_last: bool = False
    first_epoch: int = 0


@dataclass
class Job:
    stage: str
    model: Model
    loss: LossKind
    train: Dataset
    runs: list[Run]
    epochs: int
    val: Dataset | None = None
    optimizer: Optimizer = field(default_factory=Optimizer)
    order: Order = field(default_factory=Order)
    start: StackedNet | None = None  # trained runs to go on from (one row per run), else a fresh init
    record: tuple[Part, ...] = (Divergence(), Evaluate())


@dataclass
class Outcome:
    traces: list[Trace]
    model: StackedNet
    epoch_seconds: list[float]
