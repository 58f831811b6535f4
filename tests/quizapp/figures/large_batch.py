"""Figures quoted by questions/large-batch.toml (noise_scale and large_batch_gap)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, obs

FIGURES = [
    # lb-noise-scale-grows
    Figure("lb-noise-scale-grows", "explanation", r"about (\d+) at the start", obs("noise_scale", "start")),
    Figure("lb-noise-scale-grows", "explanation", r"about (\d+) at the target", obs("noise_scale", "target")),
    Figure(
        "lb-noise-scale-grows", "explanation", r"growing about ([\d.]+) times", obs("noise_scale_growth"), "each", 0.05
    ),
    # lb-noise-scale-predicts-knee
    Figure(
        "lb-noise-scale-predicts-knee", "explanation", r"the knee was (\d+) in every seed", obs("knee_batch"), "exact"
    ),
    Figure("lb-noise-scale-predicts-knee", "explanation", r"the target was about (\d+)", obs("noise_scale", "target")),
    Figure(
        "lb-noise-scale-predicts-knee",
        "explanation",
        r"about ([\d.]+) times the knee",
        obs("noise_to_knee_ratio"),
        "each",
        0.05,
    ),
    # lb-noise-scale-uneven-curvature
    Figure(
        "lb-noise-scale-uneven-curvature",
        "explanation",
        r"target was about (\d+)",
        obs("noise_scale", "target"),
        "each",
        0.05,
    ),
    Figure("lb-noise-scale-uneven-curvature", "explanation", r"at batch (\d+) or (\d+)", obs("knee_batch"), "range"),
    Figure(
        "lb-noise-scale-uneven-curvature",
        "explanation",
        r"critical batch was (\d+) to (\d+)",
        obs("critical_batch"),
        "range",
    ),
    Figure(
        "lb-noise-scale-uneven-curvature",
        "explanation",
        r"overshot it (\d+) to (\d+) times",
        obs("noise_to_critical_ratio"),
        "range",
    ),
    # lb-gap-closes-with-updates
    Figure("lb-gap-closes-with-updates", "explanation", r"after (\d+) updates", obs("updates", "512"), "exact"),
    Figure(
        "lb-gap-closes-with-updates",
        "explanation",
        r"keeping (\d+) updates",
        obs("updates", "512 scaled rate"),
        "exact",
    ),
    Figure("lb-gap-closes-with-updates", "model_answer", r"\((\d+) against", obs("updates", "512"), "exact"),
    Figure("lb-gap-closes-with-updates", "model_answer", r"against (\d+)\)", obs("updates", "16"), "exact"),
    Figure(
        "lb-gap-closes-with-updates",
        "explanation",
        r"trailed by ([\d.]+) to ([\d.]+)",
        obs("gap", "same epochs"),
        "range",
    ),
    Figure(
        "lb-gap-closes-with-updates", "explanation", r"left it ([\d.]+) to ([\d.]+)", obs("gap", "scaled rate"), "range"
    ),
    Figure(
        "lb-gap-closes-with-updates",
        "explanation",
        r"With (\d+) updates",
        obs("updates", "512 matched updates"),
        "exact",
    ),
    # lb-sharper-end-point
    Figure(
        "lb-sharper-end-point", "explanation", r"was ([\d.]+) to ([\d.]+) at the small", obs("sharpness", "16"), "range"
    ),
    Figure(
        "lb-sharper-end-point",
        "explanation",
        r"and ([\d.]+) to ([\d.]+)\s+at the large",
        obs("sharpness", "512 matched updates"),
        "range",
    ),
    Figure(
        "lb-sharper-end-point",
        "explanation",
        r"training loss was about ([\d.]+)",
        obs("final_train_loss", "512 matched updates"),
    ),
    Figure("lb-sharper-end-point", "explanation", r"against about ([\d.]+) for", obs("final_train_loss", "16")),
]
