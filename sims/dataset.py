"""Training data as the engine holds it: several datasets of one size, stacked."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


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
