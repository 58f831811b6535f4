"""The report over every session: trends by topic, calibration, and what to revisit first."""

from quizapp.bank import load_bank
from quizapp.practice import Practice
from quizapp.report.export import progress_text
from quizapp.store import Store
from tests.quizapp.report.sessions import answer_fully, fast_questions


def test_trends_calibration_and_the_questions_to_revisit(tmp_path):
    bank = load_bank()
    with Store(tmp_path / "s.db") as store:
        questions = fast_questions(bank, 2)
        first = Practice.start(store, bank, "first", questions)
        answer_fully(first, "nothing useful", right=False, confidence="certain")  # wrong and sure: top of the list
        answer_fully(first, "nothing useful", right=True, confidence="guessing")
        second = Practice.start(store, bank, "second", questions[:1])
        every_item = [item.id for item in questions[0].rubric]
        answer_fully(second, questions[0].model_answer, right=True, confidence="certain", ticks=every_item)  # mastered
        markdown = progress_text(store, bank, "md")
        html = progress_text(store, bank, "html")
    assert "# Progress over 2 sessions" in markdown
    batch_size = len(bank.by_topic()["batch-size"])
    assert f"| batch-size | 1 of {batch_size} |" in markdown and "| learning-rate | 1 of" in markdown
    assert "| certain | 2 | 1 | 50% |" in markdown and "| guessing | 1 | 1 | 100% |" in markdown
    revisit = markdown.split("## Revisit first")[1]
    assert questions[1].id in revisit and questions[0].id not in revisit  # mastered on the second try
    assert html.count("<svg") == 2 and "Average rubric score per session" in html
    assert "<script" not in html and "http" not in html


def test_a_confident_wrong_prediction_ranks_above_a_weak_answer(tmp_path):
    bank = load_bank()
    with Store(tmp_path / "s.db") as store:
        questions = fast_questions(bank, 2)
        practice = Practice.start(store, bank, "t", questions)
        answer_fully(practice, "", right=True, confidence=None)  # weak answer, right prediction
        strong = [item.id for item in questions[1].rubric]
        answer_fully(practice, questions[1].model_answer, right=False, confidence="certain", ticks=strong)
        revisit = progress_text(store, bank, "md").split("## Revisit first")[1]
    assert revisit.index(questions[1].id) < revisit.index(questions[0].id)
    assert "prediction wrong (you were certain)" in revisit


def test_no_sessions_yet_renders_an_invitation(tmp_path):
    with Store(tmp_path / "s.db") as store:
        for fmt in ("md", "html"):
            assert "No sessions yet" in progress_text(store, load_bank(), fmt)
