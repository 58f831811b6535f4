"""Every shipped question is decided by a real run, and not by luck."""

import functools
import json

import pytest

from quizapp.bank import load_bank
from sims.registry import get
from sims.result import SimResult
from tests.sims.incidental import DEPENDS, FACTORS, INCIDENTAL, INVALID, Move, moved

BANK = load_bank()
BASES = (0, 100, 200)


def run(sim: str, params_json: str, base: int) -> SimResult:
    """One run per distinct setting: params spelled out at their default values share the defaults' run."""
    simulation = get(sim)
    defaults = simulation.params().model_dump()
    given = simulation.params(json.loads(params_json)).model_dump()
    differing = {name: value for name, value in given.items() if value != defaults[name]}
    return _run(sim, json.dumps(differing, sort_keys=True), base)


@functools.cache
def _run(sim: str, params_json: str, base: int) -> SimResult:
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


def moves(question) -> list[tuple[str, dict[str, object]]]:
    """The question's params with each incidental param it leaves unset moved by x0.7 and x1.4.

    A param the question sets is what it asks about (the batch sizes of an update count), so
    it is not moved; nor is one its observable is declared to depend on.
    """
    link, observable = question.simulation, question.prediction.observable
    changes: list[Move] = [
        change
        for change in INCIDENTAL.get(link.name, ())
        if not set(change.fields) & set(link.params) and (link.name, observable, change.name) not in DEPENDS
    ]
    return [
        (f"{change.name} x{factor}", moved(link.name, change, factor, dict(link.params)))
        for change in changes
        for factor in FACTORS
        if (link.name, change.name, factor) not in INVALID
    ]


def at(question, params: dict[str, object], base: int = 0):
    result = run(question.simulation.name, json.dumps(params, sort_keys=True), base)
    return result.observable(question.prediction.observable, question.prediction.variant)


#: Questions asked at their simulation's defaults are checked there, with every move, by tests/sims/test_robustness.py.
MOVED_DISCRETE = [q for q in DISCRETE if q.simulation.params]
#: Number questions written before this check: the spread of their run across seeds or moves exceeds the
#: tolerance, or the prompt states a param the question does not pin. They are being rewritten (pinned
#: params, tolerances that cover the spread, or choices over ranges); strict, so a fixed one must leave the list.
LOOSE_NUMBERS: set[str] = set()
NUMBERS = [
    pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="being rewritten")) if q.id in LOOSE_NUMBERS else q
    for q in BANK.questions
    if q.prediction.kind == "number"
]


@pytest.mark.parametrize("question", MOVED_DISCRETE, ids=lambda q: q.id)
def test_a_verdict_does_not_depend_on_the_params_the_question_leaves_alone(question):
    expected = outcome(question).value
    answers = {label: at(question, params).value for label, params in moves(question)}
    assert all(answer == expected for answer in answers.values()), f"{question.id}: {expected} at its params; {answers}"


@pytest.mark.parametrize("question", NUMBERS, ids=lambda q: q.id)
def test_a_number_holds_within_its_tolerance_across_seeds_and_moves(question):
    """A learner right at one seed base and setting is right at the others: the tolerance covers the spread."""
    reference = outcome(question).value
    tolerance = question.prediction.tolerance * abs(reference) + 1e-12
    settings = [(f"base {b}", dict(question.simulation.params), b) for b in BASES]
    settings += [(label, params, 0) for label, params in moves(question)]
    outside = {}
    for label, params, base in settings:
        value = at(question, params, base)
        seeds = [v for v in (value.per_seed or [value.value]) if v is not None]
        far = [v for v in seeds if abs(v - reference) > tolerance]
        if far:
            outside[label] = far
    assert not outside, f"{question.id}: {reference:g} within {question.prediction.tolerance:.0%}; outside: {outside}"
