"""Figures quoted by the online-drift questions (SEA concepts stream) and the out-of-core questions
(a table streamed from disk in chunks)."""

from __future__ import annotations

from tests.quizapp.figures.readers import MIB, Figure, obs

FIGURES = [
    # online drift
    Figure(
        "drift-static-vs-online",
        "explanation",
        r"fell from\s+about ([\d.]+)",
        obs("accuracy_before_drift", "static"),
        tol=0.03,
    ),
    Figure(
        "drift-static-vs-online",
        "explanation",
        r"to about ([\d.]+) after the change",
        obs("accuracy_after_drift", "static"),
        tol=0.05,
    ),
    Figure(
        "drift-static-vs-online",
        "explanation",
        r"stayed near ([\d.]+)",
        obs("accuracy_after_drift", "online"),
        tol=0.03,
    ),
    Figure(
        "drift-static-accuracy-drop",
        "explanation",
        r"accuracy fell from about ([\d.]+)",
        obs("accuracy_before_drift", "static"),
        tol=0.03,
    ),
    Figure(
        "drift-static-accuracy-drop",
        "explanation",
        r"to about ([\d.]+) after the change",
        obs("accuracy_after_drift", "static"),
        tol=0.05,
    ),
    Figure(
        "drift-static-accuracy-drop", "explanation", r"a drop of about ([\d.]+)", obs("static_accuracy_drop"), tol=0.15
    ),
    Figure(
        "drift-static-accuracy-drop",
        "explanation",
        r"between ([\d.]+) and ([\d.]+) depending",
        obs("static_accuracy_drop"),
        "range",
    ),
    Figure(
        "drift-online-before-change",
        "explanation",
        r"online model was about ([\d.]+)",
        obs("accuracy_before_drift", "online"),
        tol=0.03,
    ),
    Figure(
        "drift-online-before-change",
        "explanation",
        r"against about ([\d.]+) for the frozen",
        obs("accuracy_before_drift", "static"),
        tol=0.03,
    ),
    Figure(
        "drift-online-before-change",
        "model_answer",
        r"[Aa]bout (\d+)-(\d+)%",
        obs("accuracy_before_drift", "online"),
        "median_in",
        scale=0.01,
    ),
    Figure(
        "drift-online-after-change",
        "explanation",
        r"was about ([\d.]+) in every seed",
        obs("accuracy_after_drift", "online"),
        "each",
        0.03,
    ),
    Figure(
        "drift-online-after-change",
        "prompt",
        r"scores (\d+)-(\d+)% before",
        obs("accuracy_before_drift", "online"),
        "median_in",
        scale=0.01,
    ),
    # out of core
    Figure(
        "ooc-memory-saving",
        "explanation",
        r"about ([\d.]+) MiB loading whole",
        obs("peak_memory_bytes", "in memory", scale=1 / MIB),
        tol=0.05,
    ),
    Figure(
        "ooc-memory-saving",
        "explanation",
        r"about ([\d.]+) MiB streaming",
        obs("peak_memory_bytes", "out of core", scale=1 / MIB),
        tol=0.05,
    ),
    Figure("ooc-memory-saving", "explanation", r"([\d.]+)x less", obs("memory_ratio"), "each", 0.02),
    Figure("ooc-chunk-count", "explanation", r"read (\d+) chunks", obs("chunks_read"), "exact"),
]
