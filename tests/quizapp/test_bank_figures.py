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
from tests.quizapp.figures.readers import Figure, obs
from tests.quizapp.test_bank_runs import BANK, run

FIGURES = [
    # data order and optimizers
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
