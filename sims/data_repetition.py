"""Fresh data against the same data repeated, at the same number of updates.

Muennighoff et al. (2023, "Scaling data-constrained language models"): with the compute fixed,
training on a smaller set repeated for up to about 4 epochs loses almost nothing against
fresh data, while many more repeats fall clearly behind as the model memorises what it has
already seen. Here a fixed random teacher network labels Gaussian inputs (a share of the
labels replaced by random classes, the part a student can only memorise), so fresh samples
are unlimited. A student MLP makes the same number of updates at the same batch on U*B fresh
samples (one epoch), on U*B/4 samples four times, and on U*B/16 samples sixteen times, and
is scored on a large held-out set from the same teacher. The rate decays on a cosine, as in the
paper, so each run is judged at a settled end point rather than at a noisy last step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from sims import traces as t
from sims.observe import Evidence, PerRun, PerSeed, Table
from sims.runs import Trace
from sims.simulation import Simulation
from sims.spec import ParamsBase

if TYPE_CHECKING:
    from sims.context import Context
    from sims.dataset import Dataset

NAME = "data_repetition"
FRESH, FOUR, SIXTEEN = "fresh", "4 repeats", "16 repeats"
#: How many times each variant sees each of its samples.
REPEATS = {FRESH: 1, FOUR: 4, SIXTEEN: 16}
CLOSE = 0.05  # 4 repeats count as "as good as fresh" within this relative held-out loss
BEHIND = 0.10  # 16 repeats count as "clearly behind" beyond this relative held-out loss
TEACHER_HIDDEN = 32


class Params(ParamsBase):
    updates: int = Field(512, ge=16, le=8192, description="Updates every variant makes (a multiple of 16).")
    batch_size: int = Field(32, ge=1, le=512, description="Samples per update.")
    lr: float = Field(0.006, gt=0, le=1, description="Adam's learning rate.")
    hidden: int = Field(160, ge=1, le=1024, description="Width of the student's hidden layer.")
    features: int = Field(16, ge=2, le=256, description="Input dimension of the teacher and the student.")
    classes: int = Field(4, ge=2, le=32, description="Classes the teacher assigns.")
    label_noise: float = Field(
        0.3, ge=0, lt=0.9, description="Fraction of training labels replaced by a random other class."
    )
    val_size: int = Field(2000, ge=100, le=100_000, description="Held-out samples from the teacher (clean labels).")

    @model_validator(mode="after")
    def _whole_batches(self) -> Params:
        if self.updates % REPEATS[SIXTEEN]:
            raise ValueError(
                f"updates must be a multiple of {REPEATS[SIXTEEN]} so every repeated set splits into whole "
                f"epochs; got {self.updates}"
            )
        return self


def final(trace: Trace) -> float | None:
    return None if trace.diverged_at is not None else t.last(trace.val_loss)


def excess(evidence: Evidence, seed_index: int, name: str) -> float | None:
    """How much higher a variant's held-out loss ends than fresh data's, relative to fresh, for one seed."""
    seed = evidence.seeds[seed_index]
    mine, fresh = evidence.run(name, seed), evidence.run(FRESH, seed)
    if mine is None or fresh is None:
        return None
    a, b = final(mine), final(fresh)
    return None if a is None or b is None else a / b - 1


def within(name: str, limit: float, above: bool) -> Callable[[Evidence, int, str | None], bool | None]:
    """A per-seed yes/no: the variant's excess loss over fresh data above (or at most) `limit`."""

    def read(evidence: Evidence, seed_index: int, _: str | None) -> bool | None:
        gap = excess(evidence, seed_index, name)
        return None if gap is None else (gap > limit if above else gap <= limit)

    return read


OBSERVABLES = Table(
    lambda params: list(REPEATS),
    PerRun(
        name="final_val_loss", kind="number", description="Held-out cross-entropy after the last update.", read=final
    ),
    PerSeed(
        name="excess_loss",
        kind="number",
        description="How much higher the held-out loss ends than with fresh data, as a fraction of fresh data's.",
        variants=lambda params: [FOUR, SIXTEEN],
        read=lambda evidence, i, name: excess(evidence, i, str(name)),
    ),
    PerSeed(
        name="four_repeats_close",
        kind="bool",
        description=f"Whether a quarter of the data seen 4 times ends within {CLOSE:.0%} of fresh data's "
        "held-out loss.",
        read=within(FOUR, CLOSE, above=False),
    ),
    PerSeed(
        name="sixteen_falls_behind",
        kind="bool",
        description=f"Whether a sixteenth of the data seen 16 times ends more than {BEHIND:.0%} above fresh data's "
        "held-out loss. It depends on how much the student can memorise: with label noise and a student wide "
        "enough to fit a sixteenth of the samples, repeats hurt; a tiny student narrows the gap, while clean labels "
        "widen it in relative terms (fresh clean data reaches a much lower loss).",
        read=within(SIXTEEN, BEHIND, above=True),
    ),
)


def teacher_data(params: Params, seed: int, sizes: list[int]) -> list[Dataset]:
    """Samples from one random teacher per seed: training sets of the given sizes (noisy), then clean held-out."""
    import torch

    from sims.dataset import Dataset

    generator = torch.Generator().manual_seed(10_000 + seed)
    w1 = torch.randn(params.features, TEACHER_HIDDEN, generator=generator) / params.features**0.5
    w2 = torch.randn(TEACHER_HIDDEN, params.classes, generator=generator) / TEACHER_HIDDEN**0.5

    def sample(n: int, noise: float) -> Dataset:
        x = torch.randn(n, params.features, generator=generator)
        y = (torch.tanh(x @ w1 * 2) @ w2).argmax(-1)
        flip = torch.rand(n, generator=generator) < noise
        shift = torch.randint(1, params.classes, (n,), generator=generator)
        y = torch.where(flip, (y + shift) % params.classes, y)
        return Dataset(x.unsqueeze(0), y.view(1, -1, 1))

    return [sample(n, params.label_noise) for n in sizes] + [sample(params.val_size, 0.0)]


def experiment(params: Params, ctx: Context) -> Evidence:
    """One job per variant (the sets differ in size), each seed with its own teacher and samples."""
    from sims import data
    from sims.callbacks import Divergence, Evaluate
    from sims.jobs import Job
    from sims.models import MLP
    from sims.runs import Optimizer, Run, Schedule

    total = params.updates * params.batch_size
    sizes = [total // r for r in REPEATS.values()]
    per_seed = [teacher_data(params, seed, sizes) for seed in ctx.seeds]
    val = data.stack([sets[-1] for sets in per_seed])
    model = MLP((params.features, params.hidden, params.hidden, params.classes))
    ctx.plan(**{name: 1.0 for name in REPEATS})
    traces: list[Trace] = []
    for v, (name, repeats) in enumerate(REPEATS.items()):
        job = Job(
            stage=name,
            model=model,
            loss="cross_entropy",
            train=data.stack([sets[v] for sets in per_seed]),
            val=val,
            runs=[
                Run(name, seed, params.lr, params.batch_size, dataset=i, schedule=Schedule("cosine"))
                for i, seed in enumerate(ctx.seeds)
            ],
            epochs=repeats,
            optimizer=Optimizer("adam"),
            record=(Divergence(), Evaluate(train=False)),
        )
        traces += ctx.train(job).traces
    return Evidence(
        seeds=ctx.seeds,
        variants=list(REPEATS),
        traces=traces,
        series=t.curves(traces, ("val_loss",)),
        metrics=t.metric_rows(
            traces,
            {
                "distinct_samples": lambda trace: float(total // REPEATS[trace.run.variant]),
                "updates": lambda trace: float(trace.updates),
                "final_val_loss": final,
            },
        ),
        notes=[
            f"teacher: random {params.features}-{TEACHER_HIDDEN}-{params.classes} tanh net, "
            f"{params.label_noise:.0%} of training labels random; student MLP {params.features}-{params.hidden}-"
            f"{params.hidden}-{params.classes} with Adam at {params.lr:g} (cosine decay); "
            f"{params.updates} updates at batch {params.batch_size} for every variant ({total} samples seen); "
            f"held-out set of {params.val_size}."
        ],
    )


SIM = Simulation(
    name=NAME,
    title="Repeated data: fresh vs 4 and 16 epochs",
    summary="Same updates on fresh samples, a quarter seen 4 times, a sixteenth seen 16 times: 4 is nearly free.",
    params_model=Params,
    table=OBSERVABLES,
    experiment=experiment,
)
run = SIM.run
