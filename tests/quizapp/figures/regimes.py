"""Figures quoted by questions/batch-size.toml, questions/gd-regimes.toml and questions/data-order.toml."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, metric, obs, ratio

FIGURES = [
    # batch-size (questions/batch-size.toml)
    Figure(
        "bs-updates-at-500", "explanation", r"at batch 500 \(about ([\d.]+)\)", metric("500", "train_loss_after_epoch")
    ),
    Figure(
        "bs-updates-at-500",
        "explanation",
        r"at batch 100 \(about ([\d.]+)\)",
        metric("100", "train_loss_after_epoch"),
        tol=0.05,
    ),
    Figure(
        "bs-drop-last-count",
        "explanation",
        r"counted (\d+) steps per epoch with drop_last",
        obs("updates_per_epoch_drop_last", "64"),
        "exact",
    ),
    Figure(
        "bs-drop-last-count", "explanation", r"drop_last and (\d+) without", obs("updates_per_epoch", "64"), "exact"
    ),
    Figure(
        "bs-drop-last-count",
        "explanation",
        r"leftover batch holds (\d+) examples",
        obs("last_batch_size", "64"),
        "exact",
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "explanation",
        r"Batch 16 made ([\d,]+) updates",
        obs("total_updates", "16"),
        "exact",
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss", "explanation", r"batch 1024 made (\d+)", obs("total_updates", "1024"), "exact"
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "explanation",
        r"at a validation loss of about ([\d.]+)",
        obs("final_val_loss", "16"),
        tol=0.15,
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "explanation",
        r"and, at about ([\d.]+), is still far",
        obs("final_val_loss", "1024"),
    ),
    Figure(
        "bs-converged-noise-floor",
        "explanation",
        r"training loss of about ([\d.]+) against",
        metric("100", "train_loss_after_epoch"),
        tol=0.05,
    ),
    Figure(
        "bs-converged-noise-floor",
        "explanation",
        r"against about\s+([\d.]+) for batch 10\b",
        metric("10", "train_loss_after_epoch"),
        tol=0.05,
    ),
    Figure(
        "bs-early-stopping-epoch-moves",
        "explanation",
        r"bottomed out around epoch (\d+)",
        obs("best_epoch"),
        tol=0.2,
    ),
    Figure(
        "bs-early-stopping-epoch-moves",
        "explanation",
        r"between epochs (\d+) and (\d+)",
        obs("best_epoch"),
        "range",
    ),
    Figure(
        "bs-early-stopping-epoch-moves",
        "explanation",
        r"(\d+) to (\d+) times later than the batch-32 run",
        obs("best_epoch_ratio"),
        "range",
    ),
    Figure(
        "bs-updates-per-epoch-10k",
        "explanation",
        r"the counts are (\d+) and",
        obs("updates_per_epoch", "96"),
        "exact",
    ),
    Figure(
        "bs-updates-per-epoch-10k",
        "explanation",
        r"the counts are \d+ and (\d+)\.",
        obs("updates_per_epoch", "480"),
        "exact",
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "model_answer",
        r"= (\d+) per\s+epoch against",
        obs("updates_per_epoch", "16"),
        "exact",
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "model_answer",
        r"epoch against (\d+) for batch 1024",
        obs("updates_per_epoch", "1024"),
        "exact",
    ),
    Figure(
        "bs-smoother-curve-two-sizes",
        "model_answer",
        r"takes (\d+) updates per epoch against",
        obs("updates_per_epoch", "16"),
        "exact",
    ),
    Figure(
        "bs-smoother-curve-two-sizes",
        "model_answer",
        r"updates per epoch against\s+(\d+) \(",
        obs("updates_per_epoch", "1024"),
        "exact",
    ),
    # gd-regimes (questions/gd-regimes.toml)
    Figure(
        "regimes-lowest-loss-same-epochs",
        "explanation",
        r"between (\d+) and (\d+) times lower",
        ratio(obs("final_train_loss", "full-batch"), obs("final_train_loss", "stochastic")),
        "range",
    ),
    Figure(
        "regimes-lowest-loss-same-epochs",
        "explanation",
        r"per epoch: 1, (\d+) and",
        obs("updates_per_epoch", "mini-batch"),
        "exact",
    ),
    Figure(
        "regimes-lowest-loss-same-epochs",
        "explanation",
        r"per epoch: 1, \d+ and\s+(\d+)\.",
        obs("updates_per_epoch", "stochastic"),
        "exact",
    ),
    # data order (questions/data-order.toml)
    Figure(
        "order-sorted-vs-shuffled",
        "explanation",
        r"validation loss of about ([\d.]+)",
        obs("final_val_loss", "shuffled sgd"),
    ),
    Figure(
        "order-sorted-vs-shuffled",
        "explanation",
        r"against about ([\d.]+) for the sorted",
        obs("final_val_loss", "sorted sgd"),
    ),
]
