"""Figures quoted by the warmup and range-test questions (questions/warmup-and-range.toml)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, Reader, divergence_steps, obs

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


def absolute(read: Reader) -> Reader:
    return lambda result: [abs(v) for v in read(result)]


FIGURES += [
    Figure(
        "warmup-adam-widens-peak-range",
        "explanation",
        r"0\.1 ended between (\d+)% and (\d+)%",
        obs("final_val_accuracy", "lr 0.1 warmup", scale=100),
        "range",
    ),
    Figure(
        "warmup-adam-widens-peak-range",
        "explanation",
        r"against (\d+)% to\s+(\d+)%",
        obs("final_val_accuracy", "lr 0.1 no warmup", scale=100),
        "range",
    ),
    Figure(
        "warmup-adam-widens-peak-range",
        "explanation",
        r"0\.3 still ended below (\d+)%",
        obs("final_val_accuracy", "lr 0.3 warmup", scale=100),
        "below",
    ),
    Figure(
        "warmup-adam-small-peak-unchanged",
        "explanation",
        r"within (\d+) points of each other",
        absolute(obs("warmup_accuracy_gain", "0.01", scale=100)),
        "below",
    ),
    Figure(
        "warmup-adam-longer-run-no-recovery",
        "explanation",
        r"ended between (\d+)% and (\d+)% validation",
        obs("final_val_accuracy", "lr 0.1 no warmup", scale=100),
        "range",
    ),
    Figure(
        "warmup-adam-longer-run-no-recovery",
        "explanation",
        r"same peak ended between (\d+)% and (\d+)%",
        obs("final_val_accuracy", "lr 0.1 warmup", scale=100),
        "range",
    ),
]
