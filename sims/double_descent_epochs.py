"""Epoch-wise double descent: test error falls, rises, and falls again as one model trains longer.

Linear regression by full-batch gradient descent, on inputs made of two groups of features: a
fast group at scale 1 and a slow group at a small scale, each carrying part of the clean
target, with noise added to the training targets. Gradient descent learns a direction at a
speed set by its curvature (the square of its scale), so the fast group is learnt within a few
epochs and the slow group a hundred times later. Test error is the sum of a U-shaped curve per
group (Heckel and Yilmaz 2021; Pezeshki et al. 2022): the fast features first fit the signal,
then the noise (and the slow signal they cannot yet tell from noise), and test error rises;
once the slow features are learnt it falls again. The contrasts: the same features at one scale
(one speed, one U: no second descent) and the two scales without label noise (nothing to
overfit: no bump worth the name).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims.observe import Evidence, PerSeed, Scalar, Table
from sims.result import MetricRow, Series
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from sims.blocks import StackedNet
    from sims.callbacks import Part
    from sims.context import Context
    from sims.dataset import Dataset
    from sims.models import MLP

NAME = "double_descent_epochs"
TWO, ONE, CLEAN = "two scales", "one scale", "no noise"
VARIANTS = (TWO, ONE, CLEAN)
#: Variance of the clean target carried by each group of features.
FAST_SIGNAL, SLOW_SIGNAL = 1.0, 0.5
TEST_SIZE = 1000
#: Points of the log-spaced epoch grid the test loss is measured on.
GRID_POINTS = 60
#: A bump counts when the test loss rises and then falls by at least this fraction of its starting value.
BUMP = 0.08
#: The answers for where the peak falls: (name, first epoch past the range).
PEAK_RANGES = (("under 10", 10), ("10 to 100", 100), ("100 to 1000", 1000), ("1000 or more", math.inf))


class Params(ParamsBase):
    train_size: int = Field(300, ge=50, le=4000, description="Training samples (every epoch is one full batch).")
    fast_per_sample: float = Field(
        0.4,
        gt=0,
        le=0.8,
        description="Fast features per training sample: how much of the noise the fast group can fit.",
    )
    slow_features: int = Field(10, ge=1, le=500, description="Features in the slow group.")
    slow_scale: float = Field(
        0.1, gt=0, le=1, description="Scale of the slow features (1 = as fast as the others); speed goes as its square."
    )
    label_noise: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Standard deviation of the noise added to training targets (the clean targets' variance is 1.5).",
    )
    lr: float = Field(0.4, gt=0, le=2, description="Learning rate of full-batch gradient descent.")
    epochs: int = Field(1000, ge=10, le=20_000, description="Epochs (full-batch updates).")

    @model_validator(mode="after")
    def _underparameterised(self) -> Params:
        features = fast_features(self) + self.slow_features
        if features >= self.train_size:
            raise ValueError(
                f"fast_per_sample * train_size + slow_features ({features}) must stay below train_size "
                f"({self.train_size}): with as many features as samples the fast group alone fits the training "
                "set and the slow group is never learnt"
            )
        return self


def fast_features(params: Params) -> int:
    return max(1, round(params.fast_per_sample * params.train_size))


def epoch_grid(epochs: int, points: int = GRID_POINTS) -> list[int]:
    """Epoch 0 and about `points` epochs spaced evenly on a log scale up to the last."""
    top = math.log10(epochs)
    return sorted({0, epochs, *(round(10 ** (top * k / (points - 1))) for k in range(points))})


@dataclass(frozen=True)
class Bump:
    """The first minimum, the peak after it and the lowest point after the peak, in grid indices.

    `rise` and `fall` are in units of the starting test loss; the peak is the point with the
    largest min(rise, fall), so a curve without a second descent gets fall 0.
    """

    first_min: int
    peak: int
    rise: float
    fall: float

    @property
    def height(self) -> float:
        """The smaller of the climb and the drop: 0 for a curve that never goes down after going up."""
        return max(0.0, min(self.rise, self.fall))

    @property
    def second_descent(self) -> bool:
        return self.height >= BUMP


def bump(losses: list[float]) -> Bump | None:
    if len(losses) < 3 or not losses[0] > 0 or not all(math.isfinite(v) for v in losses):
        return None
    ys = [v / losses[0] for v in losses]
    before = [0] * len(ys)  # index of the lowest point up to and including each index
    for j in range(1, len(ys)):
        before[j] = j if ys[j] < ys[before[j - 1]] else before[j - 1]
    after = list(ys)  # the lowest value from each index on
    for j in range(len(ys) - 2, -1, -1):
        after[j] = min(ys[j], after[j + 1])
    peak = max(range(1, len(ys)), key=lambda j: min(ys[j] - ys[before[j - 1]], ys[j] - after[j]))
    first = before[peak - 1]
    return Bump(first, peak, ys[peak] - ys[first], ys[peak] - after[peak])


@dataclass(kw_only=True)
class Curves(Evidence):
    epochs: list[int] = field(default_factory=list)  # the grid the losses were measured on


def per_seed(read: Callable[[Curves, Trace], Scalar]) -> Callable[[Curves, int, str | None], Scalar]:
    """A reader of one variant's trace of one seed (None for a run that diverged)."""

    def at(evidence: Curves, index: int, variant: str | None) -> Scalar:
        trace = evidence.run(variant or TWO, evidence.seeds[index])
        if trace is None or trace.diverged_at is not None:
            return None
        return read(evidence, trace)

    return at


def _bump(trace: Trace) -> Bump | None:
    return bump(trace.val_loss)


def second_descent(_: Curves, trace: Trace) -> bool | None:
    found = _bump(trace)
    return None if found is None else found.second_descent


def bump_height(_: Curves, trace: Trace) -> float | None:
    found = _bump(trace)
    return None if found is None else found.height


def rise(_: Curves, trace: Trace) -> float | None:
    found = _bump(trace)
    return found.rise if found is not None and found.second_descent else None


def fall(_: Curves, trace: Trace) -> float | None:
    found = _bump(trace)
    return found.fall if found is not None and found.second_descent else None


def peak_epoch(evidence: Curves, trace: Trace) -> int | None:
    found = _bump(trace)
    return evidence.epochs[found.peak] if found is not None and found.second_descent else None


def peak_range(evidence: Curves, trace: Trace) -> str | None:
    epoch = peak_epoch(evidence, trace)
    return None if epoch is None else next(name for name, top in PEAK_RANGES if epoch < top)


def first_min_epoch(evidence: Curves, trace: Trace) -> int | None:
    found = _bump(trace)
    return evidence.epochs[found.first_min] if found is not None and found.second_descent else None


def peak_loss(_: Curves, trace: Trace) -> float | None:
    found = _bump(trace)
    return trace.val_loss[found.peak] if found is not None and found.second_descent else None


def first_min_loss(_: Curves, trace: Trace) -> float | None:
    found = _bump(trace)
    return trace.val_loss[found.first_min] if found is not None and found.second_descent else None


def final_loss(_: Curves, trace: Trace) -> float | None:
    return trace.val_loss[-1] if trace.val_loss else None


def lowest_loss(_: Curves, trace: Trace) -> float | None:
    return min(trace.val_loss) if trace.val_loss else None


def two_scale_regression(params: Params, seed: int) -> dict[str, tuple[Dataset, Dataset]]:
    """Per variant, the training set (noisy targets) and the test set (clean targets) of one seed.

    The variants share every random draw (inputs before scaling, teacher directions, noise), so
    they differ only in the slow group's scale or the noise. The teacher gives each group a fixed
    share of the clean target's variance whatever its scale: a slow feature needs a large weight.
    """
    import torch

    from sims.dataset import Dataset

    n, d1, d2 = params.train_size, fast_features(params), params.slow_features
    generator = torch.Generator().manual_seed(seed)

    def unit(k: int) -> torch.Tensor:
        v = torch.randn(k, generator=generator, dtype=torch.float64)
        return v / v.norm()

    z = torch.randn(n, d1 + d2, generator=generator, dtype=torch.float64)
    z_test = torch.randn(TEST_SIZE, d1 + d2, generator=generator, dtype=torch.float64)
    fast, slow = unit(d1) * math.sqrt(FAST_SIGNAL), unit(d2) * math.sqrt(SLOW_SIGNAL)
    noise = torch.randn(n, generator=generator, dtype=torch.float64)
    out = {}
    for variant in VARIANTS:
        scale = 1.0 if variant == ONE else params.slow_scale
        sigma = 0.0 if variant == CLEAN else params.label_noise
        scales = torch.cat([torch.ones(d1, dtype=torch.float64), torch.full((d2,), scale, dtype=torch.float64)])
        teacher = torch.cat([fast, slow / scale])
        x, x_test = z * scales, z_test * scales
        y = x @ teacher + sigma * noise
        out[variant] = (
            Dataset(x.float().unsqueeze(0), y.float().view(1, n, 1)),
            Dataset(x_test.float().unsqueeze(0), (x_test @ teacher).float().view(1, TEST_SIZE, 1)),
        )
    return out


def on_grid(epochs: list[int]) -> Part:
    """Training and test loss at the grid's epochs only: evaluating every epoch would cost more than training.

    A part of its own rather than an `Evaluate`, so the textbook replay of the job (which evaluates
    every epoch for an `Evaluate`) does not pay for evaluations the engine skipped.
    """
    from sims.callbacks import Part

    class OnGrid(Part):
        def on_fit_start(self) -> None:
            self.on_epoch(last=False)

        def on_epoch(self, last: bool) -> None:
            trainer = self.trainer
            if trainer.epochs_done not in grid:
                return
            for data, curve in ((trainer.train, "train_loss"), (trainer.val, "val_loss")):
                if data is not None:
                    losses, _ = trainer.evaluate(data)
                    for r, trace in enumerate(trainer.traces):
                        if trace.diverged_at is None:
                            getattr(trace, curve).append(losses[r])

    grid = frozenset(epochs)
    return OnGrid()


def zeros(model: MLP, seeds: list[int], ctx: Context) -> StackedNet:
    """Every run starts from zero weights, as in the analyses: the starting test loss is the clean targets' own."""
    import torch

    from sims.blocks import StackedNet

    shapes = StackedNet.build(model, seeds, ctx.device).params
    return StackedNet.build(model, seeds, ctx.device, weights=[torch.zeros_like(p) for p in shapes])


def experiment(params: Params, ctx: Context) -> Evidence:
    from sims import data
    from sims.callbacks import Divergence
    from sims.jobs import Job, Order
    from sims.models import MLP
    from sims.runs import Run

    per_seed_sets = [two_scale_regression(params, seed) for seed in ctx.seeds]
    slots = [(variant, i) for variant in VARIANTS for i in range(len(ctx.seeds))]
    grid = epoch_grid(params.epochs)
    n, d1 = params.train_size, fast_features(params)
    model = MLP((d1 + params.slow_features, 1))
    runs = [Run(variant, ctx.seeds[i], params.lr, n, dataset=k) for k, (variant, i) in enumerate(slots)]
    ctx.plan(train=1.0)
    outcome = ctx.train(
        Job(
            stage="train",
            model=model,
            loss="half_mse",
            train=data.stack([per_seed_sets[i][variant][0] for variant, i in slots]),
            val=data.stack([per_seed_sets[i][variant][1] for variant, i in slots]),
            runs=runs,
            epochs=params.epochs,
            order=Order(shuffle=False),
            start=zeros(model, [run.seed for run in runs], ctx),
            record=(Divergence(), on_grid(grid)),
        )
    )
    evidence = Curves(seeds=ctx.seeds, variants=list(VARIANTS), traces=outcome.traces, epochs=grid)
    evidence.series = curves(outcome.traces, grid)
    evidence.metrics = metric_rows(evidence)
    evidence.notes = [
        f"linear regression, {n} training samples, {d1} fast features at scale 1 and {params.slow_features} slow "
        f"ones at scale {params.slow_scale:g} (variant '{ONE}': all at scale 1); the clean target's variance is "
        f"{FAST_SIGNAL:g} from the fast group and {SLOW_SIGNAL:g} from the slow one; training targets carry noise "
        f"of standard deviation {params.label_noise:g} (variant '{CLEAN}': none); full-batch gradient descent at "
        f"rate {params.lr:g}; test loss is half the mean squared error against the clean targets of {TEST_SIZE} "
        f"fresh samples, measured on {len(grid)} log-spaced epochs.",
        f"a bump counts when test loss rises by at least {BUMP:.0%} of its starting value above its first "
        "minimum and then falls by at least as much below that peak.",
    ]
    return evidence


def curves(traces: list[Trace], grid: list[int]) -> list[Series]:
    """Training and test loss of every run against the grid's epochs."""
    out = []
    for trace in traces:
        for metric in ("train_loss", "val_loss"):
            values = getattr(trace, metric)
            out.append(
                Series(
                    metric=metric,
                    variant=trace.run.variant,
                    seed=trace.run.seed,
                    x_label="epoch",
                    x=[float(e) for e in grid[: len(values)]],
                    y=list(values),
                )
            )
    return out


def metric_rows(evidence: Curves) -> list[MetricRow]:
    """Per variant, the mean over seeds of each number (None where no seed has one)."""
    reads: dict[str, Callable[[Curves, Trace], Scalar]] = {
        "bump_height": bump_height,
        "rise": rise,
        "fall": fall,
        "first_min_epoch": first_min_epoch,
        "peak_epoch": peak_epoch,
        "first_min_test_loss": first_min_loss,
        "peak_test_loss": peak_loss,
        "lowest_test_loss": lowest_loss,
        "final_test_loss": final_loss,
        "final_train_loss": lambda _, trace: trace.train_loss[-1] if trace.train_loss else None,
    }
    rows = []
    for variant in evidence.variants:
        values: dict[str, float | None] = {}
        for name, read in reads.items():
            found = [per_seed(read)(evidence, i, variant) for i in range(len(evidence.seeds))]
            numbers = [float(v) for v in found if v is not None]
            values[name] = sum(numbers) / len(numbers) if numbers else None
        rows.append(MetricRow(variant=variant, values=values))
    return rows


def _described(text: str) -> str:
    return f"{text} Read on the log-spaced epoch grid; test loss is against the clean targets."


OBSERVABLES = Table(
    lambda _: list(VARIANTS),
    PerSeed(
        name="second_descent",
        kind="bool",
        description=(
            f"Whether test loss has a second descent: after its first minimum it rises by at least {BUMP:.0%} of "
            "its starting value, then falls by at least as much below that peak. It depends on the three settings "
            "that are the point: the label noise (at 0.5 the bump is under the bar), the fast features per "
            "training sample (the fast group's room to fit noise, as model size in Nakkiran et al.: at 0.28 it is "
            "under the bar) and the slow scale (at 0.3 the two speeds blur into one)."
        ),
        variants=list(VARIANTS),
        read=per_seed(second_descent),
    ),
    PerSeed(
        name="peak_epoch",
        kind="number",
        description=_described(
            "The epoch of the test-loss peak between the two descents (none without a second descent): about when "
            "the fast features have fitted the noise, so it scales as 1 / learning rate."
        ),
        unit="epoch",
        variants=[TWO],
        read=per_seed(peak_epoch),
    ),
    PerSeed(
        name="first_min_epoch",
        kind="number",
        description=_described("The epoch of the first minimum of test loss, before the bump."),
        unit="epoch",
        variants=[TWO],
        read=per_seed(first_min_epoch),
    ),
    PerSeed(
        name="peak_epoch_range",
        kind="choice",
        description=(
            "Where the test-loss peak between the two descents falls, by decade of epochs. The fast features "
            "have fitted the noise by then, so the peak moves as 1 / learning rate (and a larger scale of the "
            "slow features pulls the second descent closer)."
        ),
        choices=[name for name, _ in PEAK_RANGES],
        variants=[TWO],
        read=per_seed(peak_range),
    ),
    PerSeed(
        name="bump_height",
        kind="number",
        description=_described(
            "How tall the bump is: the smaller of the climb above the first minimum and the drop below the peak, "
            "as a fraction of the starting test loss (0 when test loss never falls after rising)."
        ),
        unit="fraction",
        variants=list(VARIANTS),
        read=per_seed(bump_height),
    ),
    PerSeed(
        name="first_min_test_loss",
        kind="number",
        description=_described("Test loss at the first minimum (where early stopping would stop first)."),
        variants=[TWO],
        read=per_seed(first_min_loss),
    ),
    PerSeed(
        name="peak_test_loss",
        kind="number",
        description=_described("Test loss at the peak between the two descents."),
        variants=[TWO],
        read=per_seed(peak_loss),
    ),
    PerSeed(
        name="final_test_loss",
        kind="number",
        description=_described("Test loss after the last epoch."),
        variants=list(VARIANTS),
        read=per_seed(final_loss),
    ),
    PerSeed(
        name="lowest_test_loss",
        kind="number",
        description=_described("The lowest test loss along training."),
        variants=list(VARIANTS),
        read=per_seed(lowest_loss),
    ),
)

SIM = Simulation(
    name=NAME,
    title="Epoch-wise double descent",
    summary="Features learnt at two speeds under label noise: test loss falls, rises, then falls again.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
