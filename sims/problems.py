"""Training problems shared by several simulations, as engine jobs without runs."""

from __future__ import annotations

import math

from sims import data
from sims.callbacks import Divergence, Evaluate, FullLoss
from sims.datasizes import DIGITS_VAL_FRACTION
from sims.jobs import Job
from sims.models import MLP
from sims.problem_params import ProblemParams
from sims.runs import Run, batch_sizes
from sims.spec import label
from sims.targets import RATE_FRACTIONS


def least_squares(stage: str, *, n_samples: int, features: int, condition: float, epochs: int) -> tuple[Job, float]:
    """Linear regression with a known critical rate: the job, and 2 / lambda_max."""
    problem = data.least_squares(n_samples, features, condition=condition, noise=0.1, seed=0)
    job = Job(stage=stage, model=MLP((features, 1)), loss="half_mse", train=problem.data, runs=[], epochs=epochs)
    return job, problem.critical_rate


def digits_mlp(stage: str, *, epochs: int, hidden: int = 64) -> Job:
    """A one-hidden-layer MLP on the 8x8 digits, with a held-out validation split."""
    split = data.digits(DIGITS_VAL_FRACTION)
    sizes = (data.DIGITS_FEATURES, hidden, data.DIGITS_CLASSES)
    model = MLP(sizes)
    return Job(stage=stage, model=model, loss="cross_entropy", train=split.train, val=split.val, runs=[], epochs=epochs)


def for_params(params: ProblemParams, stage: str, epochs: int) -> tuple[Job, float | None]:
    """The job a ProblemParams asks for, and its exact critical rate when one is known."""
    if params.problem == "least_squares":
        return least_squares(
            stage, n_samples=params.n_samples, features=params.features, condition=params.condition, epochs=epochs
        )
    return digits_mlp(stage, epochs=epochs), None


def rate_grid(problem: data.LeastSquares, batches: list[int], seeds: list[int], max_updates: int) -> list[Job]:
    """Per batch size, a job training every rate of the grid (fractions of 2 / lambda_max) with every seed.

    Each records the training-set loss after every update, for steps to a target; stage "batch B".
    """
    n, features = problem.data.size, problem.data.x.shape[-1]
    rates = [f * problem.critical_rate for f in RATE_FRACTIONS]
    return [
        Job(
            stage=f"batch {batch}",
            model=MLP((features, 1)),
            loss="half_mse",
            train=problem.data,
            runs=[Run(label(batch), seed, lr, batch) for lr in rates for seed in seeds],
            epochs=math.ceil(max_updates / len(batch_sizes(n, batch, False))),
            record=(Divergence(), Evaluate(), FullLoss()),
        )
        for batch in batches
    ]
