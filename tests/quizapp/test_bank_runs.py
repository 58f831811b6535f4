"""Every shipped question is decided by a real run, and not by luck."""

import functools
import json

import pytest

from quizapp.bank import load_bank
from sims.registry import get
from sims.result import SimResult

BANK = load_bank()
BASES = (0, 100, 200)


@functools.cache
def run(sim: str, params_json: str, base: int) -> SimResult:
    return get(sim).run(json.loads(params_json), seeds=[base, base + 1, base + 2], device="cpu")


def outcome(question, base: int = 0):
    result = run(question.simulation.name, json.dumps(question.simulation.params, sort_keys=True), base)
    return result.observable(question.prediction.observable, question.prediction.variant)


@pytest.mark.parametrize("question", BANK.questions, ids=lambda q: q.id)
def test_every_question_is_decided_by_its_simulation(question):
    value = outcome(question)
    assert value.value is not None, f"{question.id}: {question.prediction.observable} was not decided"
    if question.prediction.kind == "choice":
        assert value.value in question.prediction.choices
    if question.prediction.kind == "bool":
        assert isinstance(value.value, bool)


DISCRETE = [q for q in BANK.questions if q.prediction.kind in ("choice", "bool")]


@pytest.mark.parametrize("question", DISCRETE, ids=lambda q: q.id)
def test_a_verdict_does_not_depend_on_the_seeds(question):
    values = [outcome(question, base).value for base in BASES]
    assert len(set(values)) == 1, f"{question.id}: {values} across base seeds {BASES}"
