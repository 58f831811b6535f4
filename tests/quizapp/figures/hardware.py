"""Figures quoted by the hardware questions (questions/hardware.toml)."""

from __future__ import annotations

from sims.result import SimResult
from tests.quizapp.figures.readers import MIB, Figure, Reader, metric, obs, percent_behind, ratio

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


def peak_ratio(variant: str) -> Reader:
    """Peak memory at the largest batch over that at the smallest, per seed."""

    def read(result: SimResult) -> list[float]:
        return [s.y[-1] / s.y[0] for s in result.curves("peak_mib", variant)]

    return read


FIGURES += [
    # hw-state-vs-activations (memory_scaling at defaults; every seed measures the same bytes)
    Figure("hw-state-vs-activations", "prompt", r"about (\d) times as large", peak_ratio("adam"), tol=0.05),
    Figure(
        "hw-state-vs-activations",
        "explanation",
        r"at every batch size: about ([\d.]+) MiB",
        metric("adam", "resident_mib"),
        tol=0.01,
    ),
    Figure(
        "hw-state-vs-activations",
        "explanation",
        r"([\d.]+) times the",
        ratio(metric("adam", "resident_mib"), metric("adam", "weights_mib")),
        "each",
        0.01,
    ),
    Figure(
        "hw-state-vs-activations",
        "explanation",
        r"the ([\d.]+) MiB of weights",
        metric("adam", "weights_mib"),
        tol=0.01,
    ),
    Figure(
        "hw-state-vs-activations",
        "explanation",
        r"about ([\d.]+) MiB at batch 512",
        metric("adam", "peak_mib_at_512"),
        tol=0.01,
    ),
    Figure(
        "hw-state-vs-activations", "explanation", r"line of about ([\d.]+) MiB", obs("intercept_mib", "adam"), tol=0.01
    ),
    Figure(
        "hw-state-vs-activations",
        "explanation",
        r"plus ([\d.]+) KiB per sample",
        obs("slope_kib_per_sample", "adam"),
        tol=0.01,
    ),
    # hw-adam-state-ratio
    Figure(
        "hw-adam-state-ratio",
        "explanation",
        r"by ([\d.]+) times the weights",
        obs("adam_extra_state_ratio"),
        "each",
        0.001,
    ),
    Figure(
        "hw-adam-state-ratio",
        "explanation",
        r"about ([\d.]+) KiB per sample",
        obs("slope_kib_per_sample", "sgd"),
        tol=0.01,
    ),
    Figure(
        "hw-adam-state-ratio",
        "explanation",
        r"about ([\d.]+) KiB per sample",
        obs("slope_kib_per_sample", "adam"),
        tol=0.01,
    ),
    # hw-checkpointing-cuts-slope
    Figure(
        "hw-checkpointing-cuts-slope",
        "explanation",
        r"from about ([\d.]+) to",
        obs("slope_kib_per_sample", "adam"),
        tol=0.01,
    ),
    Figure(
        "hw-checkpointing-cuts-slope",
        "explanation",
        r"to ([\d.]+) KiB per sample",
        obs("slope_kib_per_sample", "adam + checkpointing"),
        tol=0.01,
    ),
    Figure(
        "hw-checkpointing-cuts-slope",
        "explanation",
        r"by under (\d+)%",
        percent_behind(obs("intercept_mib", "adam"), obs("intercept_mib", "adam + checkpointing")),
        "below",
    ),
    Figure(
        "hw-checkpointing-cuts-slope",
        "explanation",
        r"about ([\d.]+) MiB before",
        obs("intercept_mib", "adam"),
        tol=0.01,
    ),
    Figure(
        "hw-checkpointing-cuts-slope",
        "explanation",
        r"([\d.]+) MiB after",
        obs("intercept_mib", "adam + checkpointing"),
        tol=0.01,
    ),
]
