"""Datasets the simulations train on. All offline: synthetic, or scikit-learn's bundled digits.

Every builder is deterministic in its seed and returns CPU tensors; the engine moves them
to the device once per job.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
from torch import Tensor

from sims.jobs import Dataset

DIGITS_FEATURES = 64
DIGITS_CLASSES = 10


@dataclass
class Split:
    train: Dataset
    val: Dataset


@functools.cache
def _digits() -> tuple[Tensor, Tensor]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.tensor(bunch.data, dtype=torch.float32) / 16.0
    y = torch.tensor(bunch.target, dtype=torch.long)
    return x, y


def digits(
    val_fraction: float, *, split_seed: int = 0, train_limit: int | None = None, label_noise: float = 0.0
) -> Split:
    """The 8x8 handwritten digits (1,797 images, 10 classes), shuffled once and split.

    `label_noise` replaces that fraction of training labels with a different random class;
    validation labels stay clean so validation loss measures real generalisation.
    """
    x, y = _digits()
    generator = torch.Generator().manual_seed(split_seed)
    order = torch.randperm(len(x), generator=generator)
    n_val = round(len(x) * val_fraction)
    val_idx, train_idx = order[:n_val], order[n_val:]
    if train_limit is not None:
        train_idx = train_idx[:train_limit]
    train_x, train_y = x[train_idx], y[train_idx].clone()
    if label_noise > 0:
        flip = torch.rand(len(train_y), generator=generator) < label_noise
        shift = torch.randint(1, DIGITS_CLASSES, (len(train_y),), generator=generator)
        train_y[flip] = (train_y[flip] + shift[flip]) % DIGITS_CLASSES
    mean, std = train_x.mean(0), train_x.std(0).clamp_min(0.1)
    return Split(
        train=Dataset(((train_x - mean) / std).unsqueeze(0), train_y.view(1, -1, 1)),
        val=Dataset(((x[val_idx] - mean) / std).unsqueeze(0), y[val_idx].view(1, -1, 1)),
    )


def moons(n: int, *, noise: float, seed: int) -> Dataset:
    """Two interlocking half circles in 2-D: small, but not separable by a straight line."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    angle = torch.rand(n, generator=generator) * math.pi
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)
    points = torch.where(labels.unsqueeze(1) == 0, upper, lower)
    points += noise * torch.randn(n, 2, generator=generator)
    points = (points - points.mean(0)) / points.std(0)
    return Dataset(points.unsqueeze(0), labels.view(1, -1, 1))


@dataclass
class LeastSquares:
    data: Dataset
    hessian_max_eigenvalue: float
    min_loss: float  # 0.5 * mean squared residual of the exact least-squares fit

    @property
    def critical_rate(self) -> float:
        """Gradient descent on 0.5*mean((Xw + b - y)^2) converges iff lr < 2 / lambda_max(H)."""
        return 2.0 / self.hessian_max_eigenvalue


def least_squares(n: int, features: int, *, condition: float, noise: float, seed: int) -> LeastSquares:
    """A linear regression problem with a chosen spread of curvatures.

    Columns are scaled so the Hessian's eigenvalues span roughly `condition`; the largest
    one is computed exactly (bias included) from the data the model will see.
    """
    generator = torch.Generator().manual_seed(seed)
    scales = torch.logspace(0, -math.log10(condition) / 2, features)
    x = torch.randn(n, features, generator=generator, dtype=torch.float64) * scales.double()
    true_w = torch.randn(features, generator=generator, dtype=torch.float64)
    y = x @ true_w + 0.5 + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return _solved(x.float(), y.float())


def whitened_least_squares(n: int, features: int, *, condition: float, noise: float, seed: int) -> LeastSquares:
    """Linear regression whose Hessian is exactly diag(scales^2, 1): the curvatures span exactly `condition`.

    Unlike `least_squares`, the inputs are centred and whitened before scaling, so the spread
    of curvatures does not grow with features / samples as a random design's does.
    """
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, features, generator=generator, dtype=torch.float64)
    basis = torch.linalg.qr(z - z.mean(0)).Q * math.sqrt(n)  # centred columns with x^T x / n = I
    x = basis * torch.logspace(0, -math.log10(condition) / 2, features, dtype=torch.float64)
    true_w = torch.randn(features, generator=generator, dtype=torch.float64)
    y = x.float().double() @ true_w + 0.5 + noise * torch.randn(n, generator=generator, dtype=torch.float64)
    return _solved(x.float(), y.float())


def _solved(x: Tensor, y: Tensor) -> LeastSquares:
    """The problem with its exact largest curvature and best loss, computed in double from the float32 data."""
    n = x.shape[0]
    design = torch.cat([x.double(), torch.ones(n, 1, dtype=torch.float64)], dim=1)
    top = float(torch.linalg.eigvalsh(design.T @ design / n)[-1])
    target = y.double().unsqueeze(1)
    residual = design @ torch.linalg.lstsq(design, target).solution - target
    return LeastSquares(Dataset(x.unsqueeze(0), y.view(1, n, 1)), top, float(0.5 * (residual**2).mean()))


def sea_stream(
    n: int, *, drift_at: int, threshold_before: float, threshold_after: float, noise: float, seed: int
) -> Dataset:
    """SEA concepts: three features in [0, 10), label = (f1 + f2 <= threshold); f3 is irrelevant.

    The threshold jumps at sample `drift_at`: an abrupt concept drift. Features are scaled
    to [0, 1) for the model; `noise` flips that fraction of labels.
    """
    generator = torch.Generator().manual_seed(seed)
    features = torch.rand(n, 3, generator=generator) * 10
    threshold = torch.where(torch.arange(n) < drift_at, threshold_before, threshold_after)
    labels = (features[:, 0] + features[:, 1] <= threshold).long()
    flip = torch.rand(n, generator=generator) < noise
    labels = torch.where(flip, 1 - labels, labels)
    return Dataset((features / 10).unsqueeze(0), labels.view(1, -1, 1))


def stack(datasets: list[Dataset]) -> Dataset:
    """Several same-sized datasets as one, indexed by `Run.dataset`."""
    return Dataset(torch.cat([d.x for d in datasets]), torch.cat([d.y for d in datasets]))


def linear_classes(n: int, features: int, *, seed: int) -> Dataset:
    """Gaussian points labelled by a random hyperplane, 10% of labels flipped: a logistic-regression task."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, features, generator=generator)
    normal = torch.randn(features, generator=generator)
    labels = (x @ normal > 0).long()
    flip = torch.rand(n, generator=generator) < 0.1
    labels = torch.where(flip, 1 - labels, labels)
    return Dataset(x.unsqueeze(0), labels.view(1, -1, 1))
