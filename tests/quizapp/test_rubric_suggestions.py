"""The rubric suggestions measured on labelled answers: trustworthy ticks, and no regression in coverage."""

from collections import Counter

from quizapp.bank import load_bank
from tests.quizapp.rubric_eval import KINDS, load, score

BANK = load_bank()
ANSWERS = load()
#: The issue's bar for precision. Recall stands at 0.60 on these answers against a target of 0.8: a floor
#: here keeps it from sliding while the cues and the concept table are worked on.
PRECISION, RECALL_FLOOR = 0.9, 0.6


def test_the_labelled_answers_span_enough_questions_and_every_kind():
    per_question = Counter(a.question for a in ANSWERS)
    assert len(per_question) >= 25 and min(per_question.values()) >= 5
    assert {a.kind for a in ANSWERS} == set(KINDS)
    for answer in ANSWERS:
        items = {item.id for item in BANK.get(answer.question).rubric}
        assert answer.covers <= items, f"{answer.question}: {sorted(answer.covers - items)} are not its items"


def test_suggested_ticks_are_right_nine_times_in_ten():
    total, by_kind, _ = score(BANK, ANSWERS)
    assert total.precision >= PRECISION, f"precision {total.precision:.3f}"
    assert total.recall >= RECALL_FLOOR, f"recall {total.recall:.3f}"
    assert by_kind["good"].precision == 1.0 and by_kind["paraphrase"].precision == 1.0


def test_an_echo_of_the_prompt_ticks_almost_nothing():
    _, by_kind, wrong = score(BANK, [a for a in ANSWERS if a.kind == "echo"])
    assert by_kind["echo"].false <= 2, [(a.question, sorted(s)) for a, s in wrong]
