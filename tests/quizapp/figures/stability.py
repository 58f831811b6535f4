"""Figures quoted by questions/stability.toml (gradient clipping, the stability edge)."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, divergence_steps, metric, obs, ratio

FIGURES = [
    Figure(
        "clip-unclipped-high-rate-diverges",
        "explanation",
        r"between update (\d+) and (\d+)",
        divergence_steps("no clipping"),
        "range",
    ),
    Figure(
        "clip-threshold-from-logged-norms",
        "explanation",
        r"median threshold \(about ([\d.]+),",
        metric("clip at p50", "clip"),
    ),
    Figure(
        "clip-threshold-from-logged-norms",
        "explanation",
        r"against ([\d.]+) for the 10th",
        metric("clip at p10", "clip"),
    ),
    Figure(
        "clip-threshold-from-logged-norms", "explanation", r"and ([\d.]+) for the 99th", metric("clip at p99", "clip")
    ),
    Figure(
        "clip-threshold-from-logged-norms",
        "explanation",
        r"held-out loss of about ([\d.]+),",
        obs("final_val_loss", "clip at p50"),
    ),
    Figure(
        "clip-threshold-from-logged-norms",
        "explanation",
        r"comfortable rate \(about ([\d.]+)\)",
        obs("final_val_loss", "comfortable rate"),
    ),
    Figure(
        "clip-threshold-from-logged-norms",
        "explanation",
        r"ended worst, between ([\d.]+) and ([\d.]+)",
        obs("final_val_loss", "clip at p99"),
        "range",
    ),
    Figure(
        "clip-tight-threshold-slows",
        "explanation",
        r"about (\d+) times that of the median",
        ratio(obs("first_epoch_val_loss", "clip at p10"), obs("first_epoch_val_loss", "clip at p50")),
        tol=0.15,
    ),
    Figure(
        "clip-tight-threshold-slows", "explanation", r"at about ([\d.]+) against", obs("final_val_loss", "clip at p10")
    ),
    Figure(
        "clip-tight-threshold-slows",
        "explanation",
        r"against about ([\d.]+) for the median",
        obs("final_val_loss", "clip at p50"),
    ),
    Figure(
        "clip-loose-threshold-spikes",
        "explanation",
        r"had between (\d+) and (\d+) loss spikes",
        obs("loss_spikes", "clip at p99"),
        "range",
    ),
    Figure(
        "stability-condition-number-edge",
        "explanation",
        r"edge was about ([\d.]+) in every seed",
        obs("critical_rate_measured"),
        "each",
        0.02,
    ),
    Figure(
        "stability-condition-number-edge",
        "explanation",
        r"2 / lambda_max is now ([\d.]+),",
        obs("critical_rate_theory"),
        "each",
        0.001,
    ),
    Figure(
        "stability-online-sgd-edge",
        "explanation",
        r"in every seed within (\d+) updates",
        divergence_steps("1"),
        "below",
    ),
    Figure(
        "stability-online-sgd-edge",
        "explanation",
        r"put the edge at about ([\d.]+),",
        obs("critical_rate_measured"),
    ),
]
