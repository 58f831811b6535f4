"""Values and bank text read the same in the app and in reports."""

from quizapp.formatting import percent, reflow, shown


def test_a_hard_wrapped_line_that_starts_with_a_number_still_joins_its_paragraph():
    text = "updates per epoch: 1, 13 and\n400. After 15 epochs the loss is lower.\n\n- a list\n- stays"
    joined = "updates per epoch: 1, 13 and 400. After 15 epochs the loss is lower.\n\n- a list\n- stays"
    assert reflow(text) == joined


def test_values_read_as_a_learner_expects():
    assert [shown(True), shown(False), shown(None), shown(0.000123456), shown(100.0, "updates")] == [
        "yes",
        "no",
        "-",
        "0.0001235",
        "100 updates",
    ]
    assert percent(None) == "-" and percent(0.755) == "76%"
