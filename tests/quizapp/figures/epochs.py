"""Figures quoted by the epochs questions on repeated data and double descent (the older epochs rows
live in tests/quizapp/test_bank_figures.py)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, obs

FIGURES = [
    Figure(
        "epochs-sixteen-repeats-fall-behind",
        "explanation",
        r"between (\d+)% and (\d+)% above it",
        obs("excess_loss", "16 repeats", scale=100),
        "range",
    ),
    Figure(
        "epochs-val-loss-turns-up",
        "explanation",
        r"reached (\d+)% accuracy on its noisy training labels",
        obs("final_train_accuracy", scale=100),
        "exact",
    ),
]
