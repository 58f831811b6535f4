"""Params shared by simulations that train on either least squares or the digits MLP.

Torch-free, like every Params: the choice of problem and the least-squares shape, and the
training-set size that batch sizes are checked against.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sims.datasizes import digits_train_size
from sims.spec import ParamsBase


class ProblemParams(ParamsBase):
    problem: Literal["least_squares", "digits_mlp"] = Field(
        "least_squares", description="least_squares (exact critical rate known) or digits_mlp."
    )
    n_samples: int = Field(256, ge=8, le=20_000, description="least_squares: number of samples.")
    features: int = Field(8, ge=1, le=256, description="least_squares: number of input features.")
    condition: float = Field(100.0, ge=1, le=1e6, description="least_squares: spread of the feature scales.")

    @property
    def train_size(self) -> int:
        return self.n_samples if self.problem == "least_squares" else digits_train_size()
