"""Figures quoted by questions/normalization.toml (BatchNorm against GroupNorm and the batch size)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, Reader, gap, obs


def accuracy(norm: str, batch: int) -> Reader:
    """Per-seed validation accuracy of one norm at one batch size, in points."""
    return obs("final_val_accuracy", f"{norm} @ {batch}", scale=100)


FIGURES = [
    Figure(
        "norm-batchnorm-tiny-batch-degrades",
        "explanation",
        r"fell from about ([\d.]+) to",
        obs("final_val_accuracy", "batchnorm @ 64"),
        tol=0.03,
    ),
    Figure(
        "norm-batchnorm-tiny-batch-degrades",
        "explanation",
        r"to about ([\d.]+), in every seed",
        obs("final_val_accuracy", "batchnorm @ 2"),
    ),
    Figure(
        "norm-batchnorm-tiny-batch-degrades",
        "explanation",
        r"GroupNorm stayed at about ([\d.]+) at every",
        obs("final_val_accuracy", "groupnorm @ 2"),
        tol=0.03,
    ),
    Figure(
        "norm-batchnorm-tiny-batch-degrades",
        "explanation",
        r"GroupNorm stayed at about ([\d.]+) at every",
        obs("final_val_accuracy", "groupnorm @ 64"),
        tol=0.03,
    ),
    Figure(
        "norm-batchnorm-tiny-batch-degrades",
        "explanation",
        r"without normalization at about ([\d.]+):",
        obs("final_val_accuracy", "no norm @ 2"),
        tol=0.03,
    ),
    Figure(
        "norm-batchnorm-tiny-batch-degrades",
        "explanation",
        r"without normalization at about ([\d.]+):",
        obs("final_val_accuracy", "no norm @ 64"),
        tol=0.03,
    ),
    Figure(
        "norm-batchnorm-batch-threshold",
        "explanation",
        r"trailed GroupNorm by (\d+) to (\d+) points",
        gap(accuracy("groupnorm", 2), accuracy("batchnorm", 2)),
        "range",
    ),
    Figure(
        "norm-batchnorm-batch-threshold",
        "explanation",
        r"at batch 4 by about (\d+);",
        gap(accuracy("groupnorm", 4), accuracy("batchnorm", 4)),
        tol=0.15,
    ),
    Figure(
        "norm-batchnorm-batch-threshold",
        "explanation",
        r"within (\d+) points of each other",
        gap(accuracy("groupnorm", 16), accuracy("batchnorm", 16)),
        "below",
    ),
    Figure(
        "norm-batchnorm-batch-threshold",
        "explanation",
        r"within (\d+) points of each other",
        gap(accuracy("groupnorm", 64), accuracy("batchnorm", 64)),
        "below",
    ),
    Figure(
        "norm-batchnorm-train-vs-eval-statistics",
        "explanation",
        r"scored (\d+) to (\d+) points below",
        obs("train_eval_gap", "batchnorm @ 2", scale=-100),
        "range",
    ),
    Figure(
        "norm-batchnorm-train-vs-eval-statistics",
        "explanation",
        r"at batch 16 it was (\d+) to (\d+) points",
        obs("train_eval_gap", "batchnorm @ 16", scale=-100),
        "range",
    ),
]
