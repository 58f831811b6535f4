"""Session reports rendered from real stored sessions: what a learner reads afterwards."""

import re

from quizapp.bank import Bank, load_bank
from quizapp.models import FollowUp, RubricItem
from quizapp.practice import Practice
from quizapp.report.export import session_text
from quizapp.store import Store
from tests.quizapp.report.sessions import FAST, answer_fully, fast_questions, run_once, wrong_value


def test_markdown_has_every_part_of_every_question(stored):
    store, bank, session_id = stored
    text = session_text(store, bank, session_id, "md")
    record = store.session(session_id)
    assert f"# mixed: session {session_id}" in text and "(finished)" in text and "**Device:** cpu" in text
    assert "| learning-rate | 2 |" in text  # by topic: two learning-rate questions answered
    assert "**Predictions right:** 2 of 4" in text
    for attempt in record.attempts:
        question = bank.get(attempt.question_id)
        assert f"## {attempt.position + 1}. {question.id}" in text
        assert attempt.answer in text
        assert question.follow_ups[0].question in text
        assert question.pitfall in text
    assert text.count("| verdict | Right. |") == 2 and text.count("| verdict | Wrong. |") == 2
    assert "| seeds agreeing | 3 of 3 |" in text
    assert re.search(r"^- \[x\] ", text, re.MULTILINE) and re.search(r"^- \[ \] ", text, re.MULTILINE)
    assert "```text" in text and "▁" in text  # curves as sparklines, readable as plain text


def test_calibration_groups_predictions_by_the_confidence_said(stored):
    store, bank, session_id = stored
    text = session_text(store, bank, session_id, "md")
    # mixed_session: right, wrong, right, wrong at no confidence, guessing, fairly sure, certain
    assert "| guessing | 1 | 0 | 0% |" in text and "| fairly sure | 1 | 1 | 100% |" in text
    assert "| certain | 1 | 0 | 0% |" in text and "| not said | 1 | 1 | 100% |" in text


def test_diverged_runs_are_named_as_results(stored):
    store, bank, session_id = stored
    text = session_text(store, bank, session_id, "md")
    section = text.split("lr-grid-first-divergence")[1].split("### Your answer")[0]
    assert "Runs that diverged" in section and "(diverged)" in section and "exceeded" in section


def test_html_is_self_contained_with_one_svg_chart_per_run(stored):
    store, bank, session_id = stored
    html = session_text(store, bank, session_id, "html")
    assert html.startswith("<!doctype html>") and "<style>" in html and "@media print" in html
    assert html.count("<svg") == len(FAST) and '<figure class="chart">' in html
    assert not re.search(r"https?://|<script|<link|<img|@import|url\(", html)  # nothing fetched, nothing run
    assert 'name="viewport"' in html  # readable on a phone


def test_learner_text_is_escaped_in_html_and_shown_as_typed_in_markdown(tmp_path):
    bank = load_bank()
    with Store(tmp_path / "s.db") as store:
        practice = Practice.start(store, bank, "<b>title</b>", fast_questions(bank, 1))
        answer = "<script>alert('x')</script> & <img src=x onerror=alert(1)> | pipes"
        answer_fully(practice, answer, right=True, confidence=None)
        html = session_text(store, bank, practice.record.id, "html")
        markdown = session_text(store, bank, practice.record.id, "md")
    assert "<script" not in html and "<img" not in html and "<b>title" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;title&lt;/b&gt;" in html
    assert "> &lt;script>alert('x')&lt;/script> & &lt;img src=x onerror=alert(1)> | pipes" in markdown


def test_an_empty_session_still_renders_and_says_so(tmp_path):
    bank = load_bank()
    with Store(tmp_path / "s.db") as store:
        untouched = Practice.start(store, bank, "batch-size", fast_questions(bank, 2)).record.id
        no_questions = store.start_session("nothing", [])
        for fmt in ("md", "html"):
            text = session_text(store, bank, untouched, fmt)
            assert "nothing to summarise yet" in text and text.count("Not reached in this session.") == 2
            assert "no simulation was run" in text and "not graded" in text
            assert "This session has no questions." in session_text(store, bank, no_questions, fmt)


def test_cancelled_failed_unrun_and_removed_questions_each_say_what_happened(tmp_path):
    bank = load_bank()
    with Store(tmp_path / "s.db") as store:
        questions = fast_questions(bank, 4)
        practice = Practice.start(store, bank, "partial", questions)
        practice.lock(wrong_value(questions[0], run_once(questions[0])), "certain")
        practice.record_run("cancelled", None, None)
        practice.next()
        practice.lock(wrong_value(questions[1], run_once(questions[1])))
        practice.record_run("failed", None, None)
        practice.next()
        practice.lock(wrong_value(questions[2], run_once(questions[2])))
        practice.save_answer("half an answer")
        practice.next()
        practice.save_answer("")  # reached, nothing committed
        session_id = practice.record.id
        removed = store.start_session("old", ["a-question-since-deleted"])
        store.start_attempt(removed, 0, "a-question-since-deleted")
        for fmt in ("md", "html"):
            text = session_text(store, bank, session_id, fmt)
            assert "The run was cancelled before it finished" in text and "(certain)" in text
            assert "The simulation failed" in text
            assert "The simulation was not run." in text and "half an answer" in text
            assert "No prediction was committed." in text and "not finished" in text
            assert "No prediction was checked against a finished run" in text or "No prediction has been" in text
            gone = session_text(store, bank, removed, fmt)
            assert "no longer in the question bank" in gone and "(removed)" in gone


def test_a_follow_ups_own_rubric_is_in_both_formats(tmp_path):
    """What a good answer to the interviewer's next question covers, under that question's answer."""
    shipped = fast_questions(load_bank(), 1)[0]
    follow_up = FollowUp(
        question="And on 64 GPUs?",
        answer="The global batch is 64 times the per-GPU batch.",
        rubric=[
            RubricItem(id="global", criterion="Multiplies the per-GPU batch by the GPU count."),
            RubricItem(id="rate", criterion="Says the rate must be retuned for the global batch."),
        ],
    )
    question = shipped.model_copy(update={"follow_ups": [*shipped.follow_ups, follow_up]})
    bank = Bank([question])
    with Store(tmp_path / "s.db") as store:
        practice = Practice.start(store, bank, "deeper", [question])
        answer_fully(practice, "an answer", right=True, confidence=None)
        markdown = session_text(store, bank, practice.record.id, "md")
        html = session_text(store, bank, practice.record.id, "html")
    assert "A good answer covers:\n   - Multiplies the per-GPU batch by the GPU count." in markdown
    assert "<li>Says the rate must be retuned for the global batch.</li>" in html


def test_a_mock_interviews_hints_and_follow_up_answers_are_in_both_formats(tmp_path):
    bank = load_bank()
    question = fast_questions(bank, 1)[0]
    with Store(tmp_path / "s.db") as store:
        practice = Practice.start(store, bank, "mock interview, 30 min", [question], kind="mock", minutes=30)
        practice.take_hint()
        practice.lock_answer("Fewer updates per epoch at the larger batch.")
        practice.ask_follow_up(0)
        practice.save_follow_up_answer(0, "It would take <b>four</b> times as many.")
        practice.grade([item.id for item in question.rubric])
        practice.end()
        markdown = session_text(store, bank, practice.record.id, "md")
        html = session_text(store, bank, practice.record.id, "html")
    assert "### Rubric: 90% (after 1 hint, 10% each)" in markdown
    assert "   You said:\n\n   > It would take &lt;b>four&lt;/b> times as many." in markdown  # as typed on a code host
    assert "after 1 hint, 10% each" in html
    assert "You said:</span> It would take &lt;b&gt;four&lt;/b&gt; times as many." in html  # escaped
    assert markdown.count("You said") == 1  # only the follow-up that was asked
