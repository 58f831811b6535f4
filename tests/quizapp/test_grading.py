"""Predictions are graded by the run's outcome; rubric suggestions come from cue phrases."""

import pytest

from quizapp.bank import load_bank
from quizapp.grading import (
    check_prediction,
    parse_prediction,
    rubric_score,
    seeds_line,
    suggested_items,
    tolerance_hint,
)
from quizapp.models import Prediction, RubricItem
from sims.result import consensus

NUMBER = Prediction(prompt="?", kind="number", observable="x", tolerance=0.1, unit="updates")
EXACT = Prediction(prompt="?", kind="number", observable="x", tolerance=0.0)
CHOICE = Prediction(prompt="?", kind="choice", observable="x", choices=["16", "1024"])
YES_NO = Prediction(prompt="?", kind="bool", observable="x")
FRACTION = Prediction(prompt="?", kind="number", observable="x", tolerance=0.05, unit="fraction")
RATE = Prediction(prompt="?", kind="number", observable="x", tolerance=0.3, unit="learning rate")
EPOCH = Prediction(prompt="?", kind="number", observable="x", tolerance=0.2, unit="epoch")


def test_numbers_within_tolerance_are_right():
    outcome = consensus("x", "number", [100.0, 100.0, 100.0])
    assert check_prediction(NUMBER, 109.0, outcome, 3).correct is True
    assert check_prediction(NUMBER, 111.0, outcome, 3).correct is False
    assert check_prediction(EXACT, 100.0, outcome, 3).correct is True
    assert check_prediction(EXACT, 101.0, outcome, 3).correct is False


def test_choices_and_yes_no():
    picked = consensus("x", "choice", ["16", "16", "1024"])
    verdict = check_prediction(CHOICE, "16", picked, 3)
    assert verdict.correct is True and verdict.agreeing == 2 and verdict.seeds == 3
    assert check_prediction(YES_NO, False, consensus("x", "bool", [True, True, True]), 3).correct is False


def test_an_undecided_outcome_is_neither_right_nor_wrong():
    undecided = consensus("x", "number", [None, None, None])
    assert check_prediction(NUMBER, 5.0, undecided, 3).correct is None


@pytest.mark.parametrize(
    ("prediction", "raw", "expected"),
    [
        (NUMBER, " 1,000 ", 1000.0),
        (NUMBER, "12,500.5", 12500.5),
        (NUMBER, "100 updates", 100.0),
        (EPOCH, "12 epochs", 12.0),
        (FRACTION, "88%", 0.88),
        (FRACTION, "0.88", 0.88),
        (RATE, "1e-3", 0.001),
        (RATE, "3.16", 3.16),
        (CHOICE, "1024", "1024"),
        (YES_NO, "Yes", True),
        (YES_NO, "n", False),
    ],
)
def test_parsing_what_the_learner_typed(prediction, raw, expected):
    assert parse_prediction(prediction, raw) == expected


@pytest.mark.parametrize(
    ("prediction", "raw", "message"),
    [
        (NUMBER, "lots", "enter a number in updates"),
        (NUMBER, "88%", "is a percentage; this answer is in updates"),
        (NUMBER, "1,5", "use a dot for decimals"),
        (FRACTION, "88", "a fraction lies between 0 and 1: type 0.88 or 88%"),
        (CHOICE, "64", "choose one of: 16, 1024"),
        (YES_NO, "maybe", "yes or no"),
    ],
)
def test_unparseable_predictions_say_what_is_expected(prediction, raw, message):
    with pytest.raises(ValueError, match=message):
        parse_prediction(prediction, raw)


def test_the_tolerance_is_said_before_locking():
    assert tolerance_hint(FRACTION) == "A number (fraction); right if within 5% of the run's value."
    assert "exact" in tolerance_hint(EXACT)
    assert tolerance_hint(CHOICE) == ""


def test_the_seeds_backing_a_number_are_counted_by_its_tolerance():
    # Graded within 50%: four of five seeds' own values would make 9 right, though only two sit within 5% of 9.
    tolerant = Prediction(prompt="?", kind="number", observable="x", tolerance=0.5, unit="epoch")
    outcome = consensus("x", "number", [9.0, 11.0, 11.0, 6.0, 9.0])
    assert seeds_line(tolerant, 9.0, outcome, 5) == ", 5/5 seeds in range"
    assert seeds_line(EXACT, 9.0, outcome, 5) == ", 2/5 seeds in range"
    assert seeds_line(CHOICE, "16", consensus("x", "choice", ["16", "16", "1024"]), 3) == ", 2/3 seeds agree"


RUBRIC = [
    RubricItem(id="count", criterion="c", weight=2, cues=["100 updates", "per batch"]),
    RubricItem(id="partial", criterion="p", weight=1, cues=["ceil"]),
    RubricItem(id="why", criterion="w", weight=1),
]


def test_cues_suggest_items_but_only_those_mentioned():
    answer = "Each   batch gives one update PER BATCH, so 100 updates."
    assert suggested_items(answer, RUBRIC) == {"count"}
    assert suggested_items("", RUBRIC) == set()


def test_weighted_score():
    assert rubric_score(RUBRIC, []) == 0
    assert rubric_score(RUBRIC, ["count"]) == 0.5
    assert rubric_score(RUBRIC, ["count", "partial", "why"]) == 1
    with pytest.raises(ValueError, match="unknown rubric items"):
        rubric_score(RUBRIC, ["nope"])


def test_model_answers_earn_their_own_suggestions():
    """A question's model answer should trigger most of its rubric's cues: the cues are realistic."""
    bank = load_bank()
    covered = [len(suggested_items(q.model_answer, q.rubric)) / len(q.rubric) for q in bank.questions]
    assert sum(covered) / len(covered) > 0.6
