"""Figures quoted by the warmup and range-test questions (questions/warmup-and-range.toml)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, divergence_steps, obs

FIGURES = [
    Figure(
        "warmup-longer-ramp-no-rescue",
        "explanation",
        r"between update (\d+) and (\d+)",
        divergence_steps("x64 scaled+warmup"),
        "range",
    ),
    Figure(
        "warmup-longer-ramp-no-rescue",
        "explanation",
        r"diverged at update (\d+)",
        divergence_steps("x64 scaled"),
        "exact",
    ),
    Figure(
        "warmup-not-needed-at-moderate-rate",
        "explanation",
        r"validation loss of about ([\d.]+)",
        obs("final_val_loss", "512 matched updates"),
        tol=0.15,
    ),
    Figure(
        "range-steepest-moves-with-ramp",
        "explanation",
        r"rates between ([\d.]+) and ([\d.]+)",
        obs("steepest_rate"),
        "range",
    ),
    Figure(
        "range-steepest-moves-with-ramp",
        "explanation",
        r"blow-up came at a rate of about ([\d.]+)",
        obs("blowup_rate"),
        tol=0.1,
    ),
    Figure(
        "stability-edge-rises-with-batch",
        "explanation",
        r"held-out loss of about ([\d.]+)",
        obs("final_val_loss", "no clipping"),
        tol=0.15,
    ),
]
