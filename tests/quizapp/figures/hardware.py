"""Figures quoted by the hardware questions (questions/hardware.toml)."""

from __future__ import annotations

from tests.quizapp.figures.readers import MIB, Figure, metric, obs

FIGURES = [
    Figure(
        "hw-memory-grows-with-batch",
        "explanation",
        r"about ([\d.]+) MiB at batch 16",
        obs("peak_memory_bytes", "16", scale=1 / MIB),
        tol=0.05,
    ),
    Figure(
        "hw-memory-grows-with-batch",
        "explanation",
        r"and ([\d.]+) MiB at batch 1024",
        obs("peak_memory_bytes", "1024", scale=1 / MIB),
        tol=0.05,
    ),
    Figure(
        "hw-memory-grows-with-batch",
        "explanation",
        r"About ([\d.]+) MiB of it is live before the first batch",
        metric("16", "live_at_epoch_start_mib"),
        tol=0.05,
    ),
]
