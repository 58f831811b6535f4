"""Which params of each simulation are incidental to its experiment, and how to move them.

A verdict must not depend on the seeds, nor on the parameters that are not the point of the
experiment (learning rate, width, dataset size, epochs), moved by about x0.7 and x1.4.
`tests/sims/test_robustness.py` checks each simulation's verdicts at its defaults and
`tests/quizapp/test_bank_runs.py` each question's at its own params, both from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotated_types import Ge, Gt, Le, Lt

from sims.registry import get
from sims.spec import ParamsBase

BASES = (0, 100, 200)
FACTORS = (0.7, 1.4)
DISCRETE = ("choice", "bool")


@dataclass(frozen=True)
class Move:
    """An incidental setting: one param, or several that only make sense moved together.

    Whole numbers are rounded to a multiple of `multiple` (a width split into groups, say).
    """

    name: str
    fields: tuple[str, ...]
    multiple: int = 1


def move(name: str, *fields: str, multiple: int = 1) -> Move:
    return Move(name, fields or (name,), multiple)


#: Per simulation, the params that are not the point of its experiment: each is moved alone.
INCIDENTAL: dict[str, tuple[Move, ...]] = {
    "updates_per_epoch": (move("lr"), move("n_samples"), move("features")),
    "batch_size_sweep": (move("lr"), move("epochs"), move("hidden")),
    "training_regimes": (move("lr"), move("epochs"), move("hidden"), move("n_samples")),
    # The grid of rates is the point; the problem's size and the training length are not.
    "learning_rate_sweep": (move("n_samples"), move("features"), move("epochs")),
    "epochs_overfitting": (move("lr"), move("epochs"), move("hidden"), move("train_size")),
    "online_vs_batch_drift": (
        move("online_lr"),
        move("static_lr"),
        move("static_epochs"),
        move("warmup"),
        move("stream_length"),
    ),
    # No choice or yes/no observable yet; declared for when one comes.
    "lr_range_test": (move("n_samples"), move("features"), move("steps")),
    "lr_batch_scaling": (move("base_lr"), move("epochs")),
    # The milestones are fractions of the training: they move with the epochs.
    "schedules": (move("lr"), move("epochs", "epochs", "milestones")),
    # The three optimizers' rates move together: each is tuned to its optimizer.
    "data_order_and_optimizers": (
        move("lr", "sgd_lr", "momentum_lr", "adam_lr"),
        move("epochs"),
        move("hidden"),
    ),
    "memory_and_throughput": (move("hidden"), move("epochs")),
    "out_of_core": (move("n_samples"), move("epochs"), move("lr"), move("hidden")),
    "steps_to_target": (move("n_samples"), move("features"), move("max_updates")),
    # probe_rate: the rate of the full-batch run the noise scale is measured on (the grid's rates are tuned).
    "noise_scale": (move("n_samples"), move("features"), move("max_updates"), move("probe_rate")),
    "large_batch_gap": (move("lr"), move("epochs"), move("hidden"), move("train_samples")),
    "grad_accumulation": (move("lr"), move("epochs"), move("hidden")),
    "adam_batch_scaling": (
        move("adam_lr"),
        move("sgd_lr"),
        move("epochs"),
        move("hidden"),
        move("train_size"),
    ),
    "weight_decay": (move("adam_lr"), move("sgd_lr"), move("epochs"), move("hidden"), move("train_size")),
    # Every variant makes the same updates, split into whole epochs of the 16-times-repeated set.
    "data_repetition": (move("lr"), move("hidden"), move("updates", multiple=16), move("batch_size"), move("features")),
    # The rate is the point (how far past the stability edge); so is the batch, whose noise sets the edge.
    "clipping_spikes": (move("epochs"), move("hidden"), move("comfortable_lr")),
    # The label noise, the fast features per sample and the slow scale are the point: the bump needs all three.
    "double_descent_epochs": (move("lr"), move("epochs"), move("train_size"), move("slow_features")),
    "memory_scaling": (move("hidden"), move("blocks"), move("batch_sizes")),
    "data_parallel": (move("lr"), move("epochs"), move("hidden"), move("batch_per_worker")),
    # GroupNorm splits the width into 4 groups.
    "batchnorm_batch_size": (
        move("lr_per_sample"),
        move("epochs"),
        move("hidden", multiple=4),
        move("train_size"),
    ),
    # The grid of peak rates is the point; the net's width, the data, the length and the ramp's share are not.
    "adam_warmup": (move("epochs"), move("channels"), move("train_size"), move("warmup_fraction")),
}

#: Moves the params refuse, and why (every other move must be accepted).
INVALID: dict[tuple[str, str, float], str] = {
    ("steps_to_target", "n_samples", 0.7): "the largest default batch (256) is the whole default dataset",
}

#: Verdicts that legitimately depend on an incidental param: (sim, observable, move) -> the
#: words the observable's description must contain to say so, and why it depends.
DEPENDS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("lr_batch_scaling", "rule_breaks_at", "base_lr"): (
        "base learning rate",
        "the rule fails once k * base_lr passes the stability limit; at 0.7x the rate even k = 32 holds",
    ),
    ("memory_and_throughput", "fastest_epoch_batch", "hidden"): (
        "width of the layers",
        "where throughput peaks depends on the size of the matrices: batch 256's lead over 64 shrinks from "
        "1.19x at width 358 to 1.09x at 717 on this CPU",
    ),
}


#: Verdicts read from wall time: they depend on the machine and its load, and their
#: descriptions must say so. They are still checked, on a machine quiet enough to judge them.
#: Verdicts the defaults cannot decide, because they compare with a run the defaults do not train: checked with
#: these params set, at every base and move.
SETUP: dict[tuple[str, str], dict[str, object]] = {
    # batch 128 beside a reference run at batch 32: where the best epoch falls against it
    ("epochs_overfitting", "best_epoch_against_reference"): {"batch_size": 128, "reference_batch": 32},
}
TIMING: dict[tuple[str, str], str] = {
    ("memory_and_throughput", "fastest_epoch_batch"): "each batch size timed alone, in rounds",
    ("batch_size_sweep", "fastest_epoch_batch"): "each batch size timed alone, its seeds together",
}
TIMING_RETRIES = 2
#: Load average per core above which a timing that disagrees is not judged.
BUSY = 1.5


def scaled(value: object, factor: float, multiple: int = 1) -> object:
    if isinstance(value, list):
        return [scaled(v, factor, multiple) for v in value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"cannot move {value!r}")
    if isinstance(value, int):
        return multiple * round(value * factor / multiple)
    return float(f"{value * factor:.4g}")  # readable in a test id and a failure message


def clamped(value: object, params_model: type[ParamsBase], field: str) -> object:
    """Kept inside the field's own bounds (an int stays an int)."""
    if isinstance(value, list):
        return value
    for bound in params_model.model_fields[field].metadata:
        if isinstance(bound, Ge):
            value = max(value, bound.ge)
        elif isinstance(bound, Le):
            value = min(value, bound.le)
        elif isinstance(bound, Gt) and value <= bound.gt:
            raise ValueError(f"{field}: {value} is not above {bound.gt}")
        elif isinstance(bound, Lt) and value >= bound.lt:
            raise ValueError(f"{field}: {value} is not below {bound.lt}")
    return value


def moved(sim: str, change: Move, factor: float, given: dict[str, object] | None = None) -> dict[str, object]:
    """The params that differ from the defaults once `change` is moved by `factor` (on top of `given`)."""
    simulation = get(sim)
    start = simulation.params(given or {})
    return {
        **(given or {}),
        **{
            field: clamped(scaled(getattr(start, field), factor, change.multiple), simulation.params_model, field)
            for field in change.fields
        },
    }
