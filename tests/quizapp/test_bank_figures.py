"""A figure a question quotes about its run is what that run shows.

Each row below names a question, the text field that quotes a figure, a pattern that finds
the figure in that text (its groups are the numbers as written), and how to read the same
quantity from the question's own run. The numbers come from the text, so editing the text or
the simulation without the other fails here. Runs are shared with test_bank_runs (seeds
0, 1 and 2); only figures whose check covers the spread between seeds are listed.

Checks:
- ``about``: one number; the median over the seeds lies within ``tol`` (relative) of it.
- ``each``: one number; every seed lies within ``tol`` (relative) of it.
- ``range``: two numbers ``lo`` and ``hi``; every seed lies between them, allowing for the
  rounding of the figure as written (half a unit of its last digit).
- ``median_in``: two numbers; the median over the seeds lies between them (same rounding).
- ``below``: one number; every seed lies below it.
- ``exact``: one number; the run's value equals it (counts fixed by the setup).
"""

from __future__ import annotations

import json
import re
import statistics

import pytest

from tests.quizapp.figures import collected
from tests.quizapp.figures.readers import MIB, Figure, divergence_steps, gap, metric, obs, percent_behind, ratio
from tests.quizapp.test_bank_runs import BANK, run

FIGURES = [
    # batch-size
    Figure(
        "bs-updates-at-500", "explanation", r"at batch 500 \(about ([\d.]+)\)", metric("500", "train_loss_after_epoch")
    ),
    Figure(
        "bs-updates-at-500",
        "explanation",
        r"at batch 100 \(about ([\d.]+)\)",
        metric("100", "train_loss_after_epoch"),
        tol=0.05,
    ),
    Figure(
        "bs-drop-last-count",
        "explanation",
        r"counted (\d+) steps per epoch with drop_last",
        obs("updates_per_epoch_drop_last", "64"),
        "exact",
    ),
    Figure(
        "bs-drop-last-count", "explanation", r"drop_last and (\d+) without", obs("updates_per_epoch", "64"), "exact"
    ),
    Figure(
        "bs-drop-last-count",
        "explanation",
        r"leftover batch holds (\d+) examples",
        obs("last_batch_size", "64"),
        "exact",
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "explanation",
        r"Batch 16 made ([\d,]+) updates",
        obs("total_updates", "16"),
        "exact",
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss", "explanation", r"batch 1024 made (\d+)", obs("total_updates", "1024"), "exact"
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "explanation",
        r"at a validation loss of about ([\d.]+)",
        obs("final_val_loss", "16"),
        tol=0.15,
    ),
    Figure(
        "bs-fixed-epochs-best-val-loss",
        "explanation",
        r"and, at about ([\d.]+), is still far",
        obs("final_val_loss", "1024"),
    ),
    Figure(
        "bs-total-updates-20-epochs",
        "explanation",
        r"counted (\d+) updates per epoch",
        obs("updates_per_epoch", "64"),
        "exact",
    ),
    Figure("bs-total-updates-20-epochs", "explanation", r"and (\d+) in total", obs("total_updates", "64"), "exact"),
    Figure(
        "bs-lowest-loss-after-one-epoch",
        "model_answer",
        r"It makes (\d+) updates",
        obs("updates_per_epoch", "32"),
        "exact",
    ),
    Figure(
        "bs-lowest-loss-after-one-epoch",
        "model_answer",
        r"against (\d+) for batch 3000",
        obs("updates_per_epoch", "3000"),
        "exact",
    ),
    Figure(
        "bs-lowest-loss-after-one-epoch",
        "explanation",
        r"\(about ([\d.]+) against",
        metric("100", "train_loss_after_epoch"),
        tol=0.05,
    ),
    Figure(
        "bs-lowest-loss-after-one-epoch",
        "explanation",
        r"against ([\d.]+)\)",
        metric("32", "train_loss_after_epoch"),
        tol=0.05,
    ),
    Figure(
        "bs-lowest-loss-after-one-epoch",
        "explanation",
        r"batch 100 was about (\d+)% behind",
        percent_behind(metric("32", "train_loss_after_epoch"), metric("100", "train_loss_after_epoch")),
        tol=0.5,
    ),
    Figure(
        "bs-digits-updates-batch-16",
        "explanation",
        r"counted (\d+) updates per epoch",
        obs("updates_per_epoch", "16"),
        "exact",
    ),
    # batch-lr-interaction
    Figure(
        "scaling-rule-double-batch", "explanation", r"mean gap below ([\d.]+)", obs("curve_gap", "x2 scaled"), "below"
    ),
    Figure("scaling-rule-double-batch", "explanation", r"\(a gap of about ([\d.]+)\)", obs("curve_gap", "x2 same lr")),
    Figure(
        "scaling-rule-double-batch",
        "explanation",
        r"furthest from it \(about ([\d.]+)\)",
        obs("curve_gap", "x2 scaled+warmup"),
    ),
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
    Figure(
        "scaling-steps-at-batch-one",
        "explanation",
        r"needed roughly (\d+) to (\d+) updates",
        obs("steps_to_target", "1"),
        "range",
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "explanation",
        r"\(full batch\) about (\d+)",
        obs("steps_to_target", "256"),
        tol=0.15,
    ),
    Figure(
        "scaling-steps-at-batch-one",
        "prompt",
        r"Full-batch descent needs about (\d+)",
        obs("steps_to_target", "256"),
        tol=0.15,
    ),
    # data order and optimizers
    Figure(
        "order-sorted-vs-shuffled",
        "explanation",
        r"validation loss of about ([\d.]+)",
        obs("final_val_loss", "shuffled sgd"),
    ),
    Figure(
        "order-sorted-vs-shuffled",
        "explanation",
        r"against about ([\d.]+) for the sorted",
        obs("final_val_loss", "sorted sgd"),
    ),
    Figure(
        "order-sorted-accuracy",
        "explanation",
        r"validation accuracy of about ([\d.]+)",
        obs("final_val_accuracy", "sorted sgd"),
        tol=0.03,
    ),
    Figure(
        "order-sorted-accuracy",
        "explanation",
        r"\(([\d.]+) to ([\d.]+) depending on the seed\)",
        obs("final_val_accuracy", "sorted sgd"),
        "range",
    ),
    Figure(
        "order-sorted-accuracy",
        "explanation",
        r"shuffled run's ([\d.]+)",
        obs("final_val_accuracy", "shuffled sgd"),
        tol=0.03,
    ),
    Figure(
        "order-sorted-accuracy",
        "prompt",
        r"shuffled run reaches about (\d+)%",
        obs("final_val_accuracy", "shuffled sgd"),
        tol=0.03,
        scale=0.01,
    ),
    Figure(
        "opt-small-batch-lowest-loss",
        "explanation",
        r"training loss of about ([\d.]+)",
        obs("final_train_loss", "shuffled momentum"),
        tol=0.2,
    ),
    Figure(
        "opt-small-batch-lowest-loss",
        "explanation",
        r"Adam about ([\d.]+)",
        obs("final_train_loss", "shuffled adam"),
        tol=0.2,
    ),
    Figure(
        "opt-small-batch-lowest-loss",
        "explanation",
        r"plain SGD about ([\d.]+)",
        obs("final_train_loss", "shuffled sgd"),
        tol=0.2,
    ),
    # epochs
    Figure("epochs-val-loss-turns-up", "explanation", r"around epoch (\d+)", obs("best_epoch"), tol=0.2),
    Figure("epochs-val-loss-turns-up", "explanation", r"between epochs (\d+) and (\d+)", obs("best_epoch"), "range"),
    Figure("epochs-best-epoch", "explanation", r"between epochs (\d+) and (\d+)", obs("best_epoch"), "range"),
    Figure(
        "epochs-memorises-wrong-labels",
        "explanation",
        r"training accuracy of ([\d.]+)",
        obs("final_train_accuracy"),
        "each",
        0.0,
    ),
    Figure(
        "epochs-memorises-wrong-labels",
        "explanation",
        r"fell from about ([\d.]+)",
        obs("best_val_accuracy"),
        tol=0.03,
    ),
    Figure(
        "epochs-memorises-wrong-labels",
        "explanation",
        r"fell from about [\d.]+ to ([\d.]+)",
        obs("final_val_accuracy"),
        tol=0.03,
    ),
    Figure("epochs-best-val-accuracy", "explanation", r"was about ([\d.]+)", obs("best_val_accuracy"), tol=0.03),
    Figure(
        "epochs-best-val-accuracy",
        "explanation",
        r"between ([\d.]+) and ([\d.]+) depending",
        obs("best_val_accuracy"),
        "range",
    ),
    Figure("epochs-best-val-accuracy", "model_answer", r"about (\d+)%", obs("best_val_accuracy"), tol=0.03, scale=0.01),
    Figure(
        "epochs-small-dataset-updates",
        "explanation",
        r"counted (\d+) updates per epoch",
        obs("updates_per_epoch", "50"),
        "exact",
    ),
    # gd-regimes
    Figure(
        "regimes-lowest-loss-same-epochs",
        "explanation",
        r"between (\d+) and (\d+) times lower",
        ratio(obs("final_train_loss", "full-batch"), obs("final_train_loss", "stochastic")),
        "range",
    ),
    Figure(
        "regimes-full-batch-final-loss",
        "explanation",
        r"training loss of about ([\d.]+)",
        obs("final_train_loss", "full-batch"),
        tol=0.15,
    ),
    Figure(
        "regimes-full-batch-final-loss",
        "explanation",
        r"between ([\d.]+) and ([\d.]+) depending",
        obs("final_train_loss", "full-batch"),
        "range",
    ),
    Figure(
        "regimes-full-batch-final-loss",
        "prompt",
        r"training loss of about ([\d.]+) to ([\d.]+)\.",
        obs("final_train_loss", "stochastic"),
        "range",
    ),
    Figure(
        "regimes-minibatch-updates",
        "explanation",
        r"took (\d+) updates per epoch",
        obs("updates_per_epoch", "mini-batch"),
        "exact",
    ),
    Figure(
        "regimes-stochastic-updates-per-epoch",
        "explanation",
        r"took (\d+) updates per epoch",
        obs("updates_per_epoch", "stochastic"),
        "exact",
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
    Figure(
        "lr-range-steepest",
        "explanation",
        r"between about ([\d.]+) and (\d+) depending on the seed",
        obs("steepest_rate"),
        "range",
    ),
    Figure(
        "lr-range-steepest",
        "explanation",
        r"most often around ([\d.]+) to ([\d.]+)\.",
        obs("steepest_rate"),
        "median_in",
    ),
    Figure("lr-range-steepest", "model_answer", r"around ([\d.]+)-([\d.]+)\.", obs("steepest_rate"), "median_in"),
    Figure("lr-too-small-stalls", "explanation", r"200 steps was about ([\d.]+)", obs("final_loss", "0.01"), tol=0.2),
    Figure(
        "lr-too-small-stalls",
        "explanation",
        r"\(([\d.]+) to ([\d.]+) depending on the seed\)",
        obs("final_loss", "0.01"),
        "range",
    ),
    Figure("lr-too-small-stalls", "explanation", r"against about ([\d.]+) at rate 1", obs("final_loss", "1"), tol=0.05),
    Figure("lr-too-small-stalls", "model_answer", r"optimum: about ([\d.]+),", obs("final_loss", "0.01"), tol=0.2),
    Figure(
        "lr-too-small-stalls", "prompt", r"best achievable loss\s+is about ([\d.]+)", obs("final_loss", "1"), tol=0.05
    ),
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
        "drift-static-accuracy-drop",
        "prompt",
        r"is (\d+)% accurate",
        obs("accuracy_before_drift", "static"),
        tol=0.03,
        scale=0.01,
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
        "prompt",
        r"about (\d+)% accurate",
        obs("accuracy_before_drift", "static"),
        tol=0.03,
        scale=0.01,
    ),
    Figure(
        "drift-online-before-change",
        "model_answer",
        r"about (\d+)-(\d+)%",
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
        r"its (\d+)-(\d+)% before",
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
]

FIGURES += collected()  # each topic's own module
QUESTIONS = {q.id: q for q in BANK.questions}


def text_of(question, field: str) -> str:
    if field == "prompt":
        text = question.prompt
    elif field == "prediction.prompt":
        text = question.prediction.prompt
    else:
        text = getattr(question, field)
    return " ".join(text.split())


def as_number(written: str, scale: float) -> tuple[float, float]:
    """The number as written, and half a unit of its last digit (both scaled).

    A pattern's group may catch the full stop after a number at the end of a sentence.
    """
    written = written.replace(",", "").rstrip(".")
    decimals = len(written.partition(".")[2])
    return float(written) * scale, 0.5 * 10.0**-decimals * scale


def figure_id(figure: Figure) -> str:
    return f"{figure.question}:{figure.field}:{figure.pattern[:24]}"


@pytest.mark.parametrize("figure", FIGURES, ids=figure_id)
def test_a_quoted_figure_is_what_the_run_shows(figure):
    question = QUESTIONS[figure.question]
    text = text_of(question, figure.field)
    found = re.search(figure.pattern, text)
    assert found, f"{figure.question}.{figure.field}: no figure matching {figure.pattern!r} in: {text}"
    numbers = [as_number(group, figure.scale) for group in found.groups()]
    link = question.simulation
    values = figure.read(run(link.name, json.dumps(link.params, sort_keys=True), 0))
    assert values, f"{figure.question}: the run has no value for {figure.pattern!r}"
    median = statistics.median(values)
    where = f"{figure.question}.{figure.field} quotes {found.group(0)!r}; the run shows {values}"
    if figure.check == "about":
        ((quoted, _),) = numbers
        assert abs(quoted - median) <= figure.tol * abs(median), where
    elif figure.check == "each":
        ((quoted, _),) = numbers
        assert all(abs(quoted - v) <= figure.tol * abs(v) for v in values), where
    elif figure.check == "range":
        (lo, lo_slack), (hi, hi_slack) = numbers
        assert all(lo - lo_slack <= v <= hi + hi_slack for v in values), where
    elif figure.check == "median_in":
        (lo, lo_slack), (hi, hi_slack) = numbers
        assert lo - lo_slack <= median <= hi + hi_slack, where
    elif figure.check == "below":
        ((limit, _),) = numbers
        assert all(v < limit for v in values), where
    elif figure.check == "exact":
        ((quoted, _),) = numbers
        assert all(v == quoted for v in values), where
    else:
        raise AssertionError(f"unknown check {figure.check!r}")


def test_every_row_names_a_shipped_question_and_a_text_field():
    fields = {"prompt", "prediction.prompt", "model_answer", "pitfall", "explanation"}
    assert all(f.question in QUESTIONS and f.field in fields for f in FIGURES)
