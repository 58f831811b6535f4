"""The authoring rules: follow-up depth, rubric size, stated tolerances, no question asked twice."""

from pathlib import Path

from quizapp.bank_rules import question_problems, rule_problems
from quizapp.models import Question


def question(qid: str = "q", prompt: str = "Why does a larger batch need a larger rate?", **changes) -> Question:
    data = {
        "id": qid,
        "topic": "batch-size",
        "difficulty": "easy",
        "tags": ["t"],
        "prompt": prompt,
        "model_answer": "m",
        "pitfall": "p",
        "explanation": "e",
        "rubric": [{"id": i, "criterion": f"criterion {i}"} for i in "abc"],
        "follow_ups": [{"question": f"f{i}?", "answer": "a"} for i in range(2)],
        "prediction": {"prompt": "?", "kind": "number", "observable": "o", "tolerance": 0.1},
        "simulation": {"name": "updates_per_epoch"},
    }
    data.update(changes)
    return Question.model_validate(data)


def fields(q: Question) -> list[str]:
    return [field for field, _ in question_problems(q)]


def test_a_question_that_keeps_the_rules_has_no_problem():
    assert fields(question()) == []


def test_one_follow_up_is_too_few_and_five_too_many():
    assert fields(question(follow_ups=[{"question": "f?", "answer": "a"}])) == ["follow_ups"]
    five = [{"question": f"f{i}?", "answer": "a"} for i in range(5)]
    assert fields(question(follow_ups=five)) == ["follow_ups"]


def test_a_rubric_has_three_to_five_distinct_items():
    six = [{"id": f"i{i}", "criterion": f"c{i}"} for i in range(6)]
    assert fields(question(rubric=six)) == ["rubric"]
    same = [{"id": f"i{i}", "criterion": "Says why."} for i in range(3)]
    assert fields(question(rubric=same)) == ["rubric"]


def test_a_number_prediction_states_its_tolerance():
    unstated = {"prompt": "?", "kind": "number", "observable": "o"}
    assert fields(question(prediction=unstated)) == ["prediction.tolerance"]
    choice = {"prompt": "?", "kind": "choice", "observable": "o", "choices": ["a", "b"]}
    assert fields(question(prediction=choice)) == []


def test_the_same_question_in_other_words_order_is_reported_once_where_it_repeats():
    first = question("first", "You double the batch size. What do you do with the learning rate, and why?")
    again = question("again", "What do you do with the learning rate, and why, when you double the batch size?")
    other = question("other", "Why does BatchNorm fail at batch size 2?")
    found = rule_problems([(Path("a.toml"), first), (Path("b.toml"), again), (Path("b.toml"), other)])
    assert found == [(Path("b.toml"), "again", "prompt", "asks what first asks (a.toml)")]


def test_a_cue_of_only_small_words_is_reported_where_it_is():
    rubric = [{"id": "a", "criterion": "a", "cues": ["where it was", "same weights"]}] + [
        {"id": i, "criterion": f"criterion {i}"} for i in "bc"
    ]
    follow_ups = [
        {
            "question": "f?",
            "answer": "a",
            "rubric": [{"id": "x", "criterion": "x", "against": ["none of them"]}, {"id": "y", "criterion": "y"}],
        },
        {"question": "g?", "answer": "a"},
    ]
    problems = dict(question_problems(question(rubric=rubric, follow_ups=follow_ups)))
    assert set(problems) == {"rubric.a.cues", "follow_ups[0].rubric.x.against"}
    assert "'where it was'" in problems["rubric.a.cues"]
