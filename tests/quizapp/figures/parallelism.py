"""Figures quoted by the parallelism questions (gradient accumulation, data parallelism)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, metric, obs

FIGURES = [
    # grad_accumulation
    Figure(
        "par-accum-averaged-equals-large-batch",
        "explanation",
        r"largest weight difference was below (1e-6)",
        obs("accumulation_difference"),
        "below",
    ),
    Figure(
        "par-accum-batchnorm-micro-batch",
        "explanation",
        r"ended between ([\d.]+) and ([\d.]+) of the largest weight",
        obs("batchnorm_difference"),
        "range",
    ),
    Figure(
        "par-accum-batchnorm-micro-batch",
        "explanation",
        r"against less than (1e-6) for the same comparison",
        obs("accumulation_difference"),
        "below",
    ),
    Figure(
        "par-accum-summed-loss-sgd-rate",
        "explanation",
        r"in every seed, within (1e-6) of the largest weight",
        obs("summed_difference"),
        "below",
    ),
    Figure(
        "par-accum-summed-loss-sgd-rate",
        "explanation",
        r"reached about ([\d.]+) validation accuracy",
        metric("summed", "final_val_accuracy"),
        tol=0.03,
    ),
    Figure(
        "par-accum-summed-loss-sgd-rate",
        "explanation",
        r"batch 128 at 0.02 reached about ([\d.]+)\.",
        metric("one batch", "final_val_accuracy"),
        tol=0.03,
    ),
    Figure(
        "par-accum-summed-loss-adam",
        "explanation",
        r"differ by about ([\d.]+)% of the largest weight",
        metric("summed", "weight_difference"),
        tol=0.2,
        scale=0.01,
    ),
    # data_parallel
    Figure(
        "par-ddp-updates-per-epoch-four-gpus",
        "explanation",
        r"counted (\d+) steps per epoch with 4 GPUs",
        obs("updates_per_epoch", "W=4"),
        "exact",
    ),
    Figure(
        "par-ddp-updates-per-epoch-four-gpus",
        "explanation",
        r"4 GPUs and (\d+) with 2",
        obs("updates_per_epoch", "W=2"),
        "exact",
    ),
    Figure(
        "par-ddp-updates-per-epoch-four-gpus",
        "explanation",
        r"against (\d+) for one process",
        obs("updates_per_epoch", "W=1"),
        "exact",
    ),
    Figure(
        "par-ddp-updates-per-epoch-four-gpus",
        "explanation",
        r"each step consumed (\d+) samples",
        obs("global_batch", "W=4"),
        "exact",
    ),
    Figure(
        "par-ddp-lr-when-workers-double",
        "explanation",
        r"stayed under ([\d.]+), against",
        obs("curve_gap", "W=2 lr x2"),
        "below",
    ),
    Figure(
        "par-ddp-lr-when-workers-double",
        "explanation",
        r"against about ([\d.]+) at 0.1",
        obs("curve_gap", "W=2"),
        tol=0.1,
    ),
    Figure(
        "par-ddp-lr-when-workers-double",
        "explanation",
        r"training loss of about ([\d.]+) instead",
        metric("W=2", "final_train_loss"),
        tol=0.1,
    ),
    Figure(
        "par-ddp-lr-when-workers-double",
        "explanation",
        r"instead of about ([\d.]+)\.",
        metric("W=1", "final_train_loss"),
        tol=0.1,
    ),
    Figure(
        "par-ddp-lr-when-workers-double",
        "explanation",
        r"made (\d+) updates per epoch",
        obs("updates_per_epoch", "W=2"),
        "exact",
    ),
    Figure(
        "par-ddp-lr-when-workers-double",
        "explanation",
        r"one GPU's (\d+);",
        obs("updates_per_epoch", "W=1"),
        "exact",
    ),
    Figure(
        "par-ddp-batchnorm-sync",
        "explanation",
        r"ended within (1e-9) of BatchNorm",
        obs("bn_weight_difference", "W=4 BN synced"),
        "below",
    ),
    Figure(
        "par-ddp-batchnorm-sync",
        "explanation",
        r"between ([\d.]+) and ([\d.]+) away",
        obs("bn_weight_difference", "W=4 BN per-worker"),
        "range",
    ),
]
