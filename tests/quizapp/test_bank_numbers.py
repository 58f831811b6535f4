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

NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?=x?\b)")  # "3x" is the number 3


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in NUMBER.findall(text)}


#: Constants of formulas (2 / lambda, 1 / (1 - m), one epoch), not figures of a run.
FORMULA = {"1", "2"}


def given(question) -> set[str]:
    """Numbers the question states or sets: its texts before the run, every param of its run, and the
    constants its simulation declares in its observables' descriptions (a blow-up at 100x the start)."""
    simulation = get(question.simulation.name)
    params = simulation.params(question.simulation.params)
    declared = " ".join(spec.description for spec in simulation.observables(params))
    prediction = question.prediction
    stated = [question.prompt, prediction.prompt, " ".join(prediction.choices or []), prediction.variant or ""]
    found = numbers(" ".join(stated) + " " + json.dumps(params.model_dump()) + " " + declared) | FORMULA
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


@pytest.mark.parametrize("question", QUESTIONS.values(), ids=lambda q: q.id)
def test_every_number_in_an_explanation_is_given_or_checked_against_the_run(question):
    loose = unbacked(question)
    assert not loose, f"{question.id}: {loose} in the explanation; add a figure row for each, or state no number"
