"""Figures quoted by the learning-rate, schedules and batch-lr-interaction questions."""

from __future__ import annotations

from tests.quizapp.figures.readers import Figure, divergence_steps, gap, obs, ratio

FIGURES = [
    # batch-lr-interaction
    Figure(
        "scaling-steps-to-target-small-batches",
        "explanation",
        r"batch 1 needed roughly (\d+) to (\d+) updates",
        obs("steps_to_target", "1"),
        "range",
    ),
    Figure(
        "scaling-steps-to-target-small-batches",
        "explanation",
        r"batch 4 roughly (\d+) to (\d+)",
        obs("steps_to_target", "4"),
        "range",
    ),
    Figure(
        "scaling-steps-to-target-small-batches",
        "explanation",
        r"\(from ([\d.]+) to ([\d.]+)\)",
        obs("small_batch_speedup"),
        "range",
    ),
    Figure(
        "scaling-steps-to-target-large-batches",
        "explanation",
        r"batch 64 took about (\d+) updates",
        obs("steps_to_target", "64"),
        tol=0.15,
    ),
    Figure(
        "scaling-steps-to-target-large-batches",
        "explanation",
        r"batch 256 about (\d+)",
        obs("steps_to_target", "256"),
        tol=0.15,
    ),
    # learning rate
    Figure(
        "lr-grid-first-divergence",
        "explanation",
        r"measured edge at about ([\d.]+)",
        obs("critical_rate_measured"),
        tol=0.01,
    ),
    Figure(
        "lr-grid-first-divergence",
        "explanation",
        r"exact 2 / lambda_max = ([\d.]+)",
        obs("critical_rate_theory"),
        tol=0.01,
    ),
    Figure(
        "lr-critical-rate-value",
        "explanation",
        r"narrowed\s+it to about ([\d.]+)",
        obs("critical_rate_measured"),
        tol=0.01,
    ),
    Figure(
        "lr-critical-rate-value", "explanation", r"2 / lambda_max = ([\d.]+)", obs("critical_rate_theory"), tol=0.001
    ),
    Figure(
        "lr-theory-vs-experiment", "explanation", r"Measured ([\d.]+)", obs("critical_rate_measured"), "each", 0.005
    ),
    Figure(
        "lr-theory-vs-experiment", "explanation", r"a ratio of ([\d.]+)", obs("measured_to_theory_ratio"), "each", 0.001
    ),
    Figure(
        "lr-digits-mlp-divergence", "explanation", r"within (\d+) to (\d+) updates", divergence_steps("3.16"), "range"
    ),
    Figure(
        "lr-range-test-overshoot",
        "explanation",
        r"at a rate of about ([\d.]+) to (\d+),",
        obs("blowup_rate"),
        "median_in",
    ),
    Figure(
        "lr-range-test-overshoot",
        "explanation",
        r"which is ([\d.]+) to ([\d.]+) times the exact limit",
        obs("blowup_to_critical_ratio"),
        "median_in",
    ),
    Figure(
        "lr-range-test-overshoot",
        "model_answer",
        r"by a factor of roughly ([\d.]+) to ([\d.]+)\.",
        obs("blowup_to_critical_ratio"),
        "median_in",
    ),
    # schedules
    Figure(
        "schedules-growth-instead-of-decay",
        "explanation",
        r"less than ([\d.]+) apart",
        gap(obs("final_val_loss", "step decay"), obs("final_val_loss", "batch growth")),
        "below",
    ),
    Figure(
        "schedules-growth-instead-of-decay",
        "explanation",
        r"nearly the same loss, about ([\d.]+)",
        obs("final_val_loss", "batch growth"),
    ),
    Figure(
        "schedules-growth-instead-of-decay",
        "explanation",
        r"took (\d+) updates",
        obs("updates", "batch growth"),
        "exact",
    ),
    Figure(
        "schedules-growth-instead-of-decay", "explanation", r"step decay (\d+)\.", obs("updates", "step decay"), "exact"
    ),
    Figure(
        "schedules-growth-update-count",
        "explanation",
        r"counted (\d+) updates",
        obs("updates", "batch growth"),
        "exact",
    ),
    Figure("schedules-decay-too-early", "explanation", r"\(about ([\d.]+), against", obs("final_val_loss", "constant")),
    Figure(
        "schedules-decay-too-early",
        "explanation",
        r"against about ([\d.]+) for step decay",
        obs("final_val_loss", "step decay"),
    ),
    Figure("schedules-decay-too-early", "explanation", r"and ([\d.]+) for cosine", obs("final_val_loss", "cosine")),
    Figure(
        "schedules-update-ratio",
        "explanation",
        r"a ratio of ([\d.]+)",
        obs("update_ratio_decay_to_growth"),
        "each",
        0.005,
    ),
    Figure("schedules-cosine-updates", "explanation", r"took (\d+) updates", obs("updates", "cosine"), "exact"),
    # added with the revision
    Figure(
        "scaling-steps-to-target-small-batches",
        "explanation",
        r"that is about (\d)x fewer",
        obs("small_batch_speedup"),
        tol=0.15,
    ),
    Figure("lr-theory-vs-experiment", "explanation", r"against ([\d.]+):", obs("critical_rate_theory"), "each", 0.001),
    Figure("schedules-update-ratio", "explanation", r"(\d+) for batch growth", obs("updates", "batch growth"), "exact"),
    # rewritten batch-lr-interaction and learning-rate questions
    Figure(
        "scaling-steps-at-batch-one",
        "prompt",
        r"Full batch \(256\) needs about (\d+) updates",
        obs("steps_to_target", "256"),
        tol=0.15,
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "explanation",
        r"batch 1 needed roughly (\d+) to (\d+) updates",
        obs("steps_to_target", "1"),
        "range",
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "explanation",
        r"\(the ratio ranged from ([\d.]+) to ([\d.]+)\)",
        obs("small_batch_speedup"),
        "range",
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "explanation",
        r"and full batch about (\d+)\.",
        obs("steps_to_target", "256"),
        tol=0.15,
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "explanation",
        r"about (\d+) times more\s+at full batch",
        ratio(obs("steps_to_target", "256", scale=256), obs("steps_to_target", "1")),
        tol=0.2,
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "model_answer",
        r"roughly (\d+) times fewer updates than batch 1",
        ratio(obs("steps_to_target", "1"), obs("steps_to_target", "256")),
        tol=0.2,
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "model_answer",
        r"some (\d+) times more examples",
        ratio(obs("steps_to_target", "256", scale=256), obs("steps_to_target", "1")),
        tol=0.2,
    ),
    Figure(
        "lr-too-small-stalls",
        "explanation",
        r"between (\d+) and (\d+) times lower than 0.01",
        ratio(obs("final_loss", "0.01"), obs("final_loss", "0.1")),
        "range",
    ),
    Figure(
        "lr-range-steepest",
        "explanation",
        r"came at ([\d.]+) to ([\d.]+) times the exact limit",
        obs("blowup_to_critical_ratio"),
        "range",
    ),
    Figure("lr-range-steepest", "prompt", r"stability limit is ([\d.]+)\)", obs("critical_rate_theory"), tol=0.005),
]
