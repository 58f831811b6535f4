"""The models a simulation can train, described without torch.

`sims.blocks` builds the stacked, trainable version (one copy per run); a description is
plain data, so a job can be recorded, compared and replayed by the textbook loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActivationKind = Literal["relu", "tanh", "gelu"]
NormKind = Literal["batch", "layer", "group"]
LossKind = Literal["cross_entropy", "half_mse"]


@dataclass(frozen=True)
class MLP:
    """Linear layers of `sizes` (input, hidden..., output) with an activation between them.

    Between two linear layers, in this order: the norm (if any), the activation, dropout
    (if `dropout` > 0). The output layer is bare. `groups` is GroupNorm's group count.
    """

    sizes: tuple[int, ...]
    activation: ActivationKind = "relu"
    norm: NormKind | None = None
    dropout: float = 0.0
    groups: int = 4

    def __post_init__(self) -> None:
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"an MLP needs at least an input and an output size of 1 or more; got {self.sizes}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1); got {self.dropout}")
        if self.norm == "group" and any(width % self.groups for width in self.sizes[1:-1]):
            raise ValueError(f"GroupNorm with {self.groups} groups needs hidden widths divisible by it; {self.sizes}")

    @property
    def plain(self) -> bool:
        """Linear layers and ReLU or tanh only: the hand-written fast path can train it."""
        return self.norm is None and self.dropout == 0.0 and self.activation in ("relu", "tanh")

    @property
    def batch_dependent(self) -> bool:
        """Whether a sample's output depends on the other samples of its batch (BatchNorm in training)."""
        return self.norm == "batch"


@dataclass(frozen=True)
class ConvNet:
    """A small convolutional net for square single-channel images (the 8x8 digits).

    Per entry of `channels`: a 3x3 convolution (padding 1), the norm (if any), the
    activation, and 2x2 max pooling; then flatten, a linear layer of `hidden` units with
    the activation, dropout (if any), and the output layer of `classes` units.
    """

    side: int = 8
    channels: tuple[int, ...] = (8, 16)
    hidden: int = 32
    classes: int = 10
    activation: ActivationKind = "relu"
    norm: NormKind | None = None
    dropout: float = 0.0
    groups: int = 4

    def __post_init__(self) -> None:
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must lie in [0, 1); got {self.dropout}")
        if self.side % (2 ** len(self.channels)):
            raise ValueError(f"side {self.side} must halve {len(self.channels)} times (2x2 pooling per block)")
        if self.norm == "group" and any(c % self.groups for c in self.channels):
            raise ValueError(f"GroupNorm with {self.groups} groups needs channel counts divisible by it")

    @property
    def inputs(self) -> int:
        return self.side * self.side

    @property
    def plain(self) -> bool:
        return False

    @property
    def batch_dependent(self) -> bool:
        return self.norm == "batch"


Model = MLP | ConvNet
