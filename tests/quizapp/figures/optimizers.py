"""Figures quoted by questions/optimizers.toml (Adam's batch scaling, L2 against decoupled weight decay).

The rows of opt-small-batch-lowest-loss live in tests/quizapp/test_bank_figures.py.
"""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, metric, obs

FIGURES = [
    # adam_batch_scaling: mean gap in log validation loss to the base run
    Figure(
        "opt-adam-sqrt-scaling-batch-32",
        "explanation",
        r"validation loss of about ([\d.]+), against",
        obs("curve_gap", "adam x4 lr sqrt"),
        tol=0.15,
    ),
    Figure(
        "opt-adam-sqrt-scaling-batch-32",
        "explanation",
        r"against about ([\d.]+) at 0.004",
        obs("curve_gap", "adam x4 lr linear"),
        tol=0.15,
    ),
    Figure(
        "opt-adam-sqrt-scaling-batch-32",
        "explanation",
        r"and ([\d.]+) at the unchanged rate",
        obs("curve_gap", "adam x4 lr x1"),
        tol=0.15,
    ),
    Figure(
        "opt-sgd-linear-beside-adam-sqrt",
        "explanation",
        r"validation loss of about ([\d.]+);",
        obs("curve_gap", "sgd x4 lr linear"),
        tol=0.25,
    ),
    Figure(
        "opt-sgd-linear-beside-adam-sqrt",
        "explanation",
        r"a gap of about ([\d.]+)\)",
        obs("curve_gap", "sgd x4 lr sqrt"),
        tol=0.1,
    ),
    Figure(
        "opt-sgd-linear-beside-adam-sqrt",
        "explanation",
        r"further still \(about ([\d.]+)\)",
        obs("curve_gap", "sgd x4 lr x1"),
        tol=0.1,
    ),
    Figure(
        "opt-adam-linear-once-signal-dominates",
        "explanation",
        r"validation loss of about ([\d.]+), against",
        obs("curve_gap", "adam x4 lr linear"),
        tol=0.25,
    ),
    Figure(
        "opt-adam-linear-once-signal-dominates",
        "explanation",
        r"against about ([\d.]+) at 0.002",
        obs("curve_gap", "adam x4 lr sqrt"),
        tol=0.15,
    ),
    Figure(
        "opt-adam-linear-once-signal-dominates",
        "explanation",
        r"and ([\d.]+) at the unchanged",
        obs("curve_gap", "adam x4 lr x1"),
        tol=0.15,
    ),
    # weight_decay
    Figure(
        "opt-sgd-l2-equals-weight-decay",
        "explanation",
        r"from about ([\d.]+) without decay",
        obs("final_weight_norm", "sgd, no decay"),
        tol=0.05,
    ),
    Figure(
        "opt-sgd-l2-equals-weight-decay",
        "explanation",
        r"without decay to about ([\d.]+)\.",
        obs("final_weight_norm", "sgd+l2 0.1"),
        tol=0.05,
    ),
    Figure(
        "opt-sgd-l2-equals-weight-decay",
        "explanation",
        r"without decay to about ([\d.]+)\.",
        obs("final_weight_norm", "sgdw 0.1"),
        tol=0.05,
    ),
    Figure(
        "opt-adam-l2-is-not-adamw",
        "explanation",
        r"a norm below ([\d.]+),",
        obs("final_weight_norm", "adam+l2 1"),
        "below",
    ),
    Figure(
        "opt-adam-l2-is-not-adamw",
        "explanation",
        r"validation accuracy about ([\d.]+), chance",
        metric("adam+l2 1", "final_val_accuracy"),
        tol=0.15,
    ),
    Figure(
        "opt-adam-l2-is-not-adamw",
        "explanation",
        r"norm from about ([\d.]+) without decay",
        obs("final_weight_norm", "adam, no decay"),
        tol=0.05,
    ),
    Figure(
        "opt-adam-l2-is-not-adamw",
        "explanation",
        r"without decay to about ([\d.]+) and",
        obs("final_weight_norm", "adamw 1"),
        tol=0.05,
    ),
    Figure(
        "opt-adam-l2-is-not-adamw",
        "explanation",
        r"accuracy from about ([\d.]+) to",
        metric("adam, no decay", "final_val_accuracy"),
        tol=0.02,
    ),
    Figure(
        "opt-adam-l2-is-not-adamw",
        "explanation",
        r"to about ([\d.]+)\.$",
        metric("adamw 1", "final_val_accuracy"),
        tol=0.02,
    ),
    Figure(
        "opt-adam-l2-shrinks-more-at-same-lambda",
        "explanation",
        r"left a weight norm of about ([\d.]+),",
        obs("final_weight_norm", "adam+l2 0.01"),
        tol=0.05,
    ),
    Figure(
        "opt-adam-l2-shrinks-more-at-same-lambda",
        "explanation",
        r"AdamW's was about ([\d.]+),",
        obs("final_weight_norm", "adamw 0.01"),
        tol=0.05,
    ),
    Figure(
        "opt-adam-l2-shrinks-more-at-same-lambda",
        "explanation",
        r"below the ([\d.]+) of Adam without decay",
        obs("final_weight_norm", "adam, no decay"),
        tol=0.05,
    ),
]
