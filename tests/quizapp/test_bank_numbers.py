"""An explanation quotes no number its own run does not back.

Every number in a question's explanation is either given (in the prompt, the prediction, the
choices, or the simulation's params, defaults included) or read by a figure row
(`tests/quizapp/figures/`, `tests/quizapp/test_bank_figures.py`) that compares it with the
run. A number nobody checks drifts away from the run the first time either changes.
"""

from __future__ import annotations

import json
import re

import pytest

from sims.registry import get
from tests.quizapp.test_bank_figures import FIGURES, QUESTIONS, text_of

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?!\w)")

#: Written before this check; their unbacked figures get rows or go as the bank is rewritten.
#: Strict: a question that passes must leave the list.
UNCHECKED = {
    "scaling-rule-breaks",
    "bs-lowest-loss-after-one-epoch",
    "epochs-val-loss-turns-up",
    "epochs-best-epoch",
    "regimes-lowest-loss-same-epochs",
    "lr-grid-first-divergence",
    "lr-critical-rate-value",
    "lr-too-small-stalls",
    "lr-theory-vs-experiment",
    "ooc-same-loss-less-memory",
    "schedules-growth-instead-of-decay",
    "schedules-update-ratio",
}


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in NUMBER.findall(text)}


def given(question) -> set[str]:
    """Numbers the question states or sets: its texts before the run, and every param of its run."""
    params = get(question.simulation.name).params(question.simulation.params).model_dump()
    prediction = question.prediction
    stated = [question.prompt, prediction.prompt, " ".join(prediction.choices or []), prediction.variant or ""]
    found = numbers(" ".join(stated) + " " + json.dumps(params))
    return found | {f"{float(n):g}" for n in found}


def unbacked(question) -> list[str]:
    text = text_of(question, "explanation")
    read: list[tuple[int, int]] = []
    for figure in FIGURES:
        if figure.question == question.id and figure.field == "explanation":
            found = re.search(figure.pattern, text)
            if found:
                read += [found.span(g) for g in range(1, (found.lastindex or 0) + 1)]
    known = given(question)
    return [
        match.group(0)
        for match in NUMBER.finditer(text)
        if not any(a <= match.start() < b for a, b in read)
        and match.group(0).replace(",", "") not in known
        and f"{float(match.group(0).replace(',', '')):g}" not in known
    ]


@pytest.mark.parametrize(
    "question",
    [
        pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="being rewritten")) if q.id in UNCHECKED else q
        for q in QUESTIONS.values()
    ],
    ids=lambda q: q.id,
)
def test_every_number_in_an_explanation_is_given_or_checked_against_the_run(question):
    loose = unbacked(question)
    assert not loose, f"{question.id}: {loose} in the explanation; add a figure row for each, or state no number"
