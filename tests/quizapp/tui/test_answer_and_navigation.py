"""The graded answer is the one written before the run; leaving a session never loses it."""

from textual.widgets import Input, Static, TextArea

from quizapp.report import export_session
from quizapp.store import Store
from quizapp.tui.screens.grading import GradingScreen
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.question import QuestionScreen

from .test_question_flow import make_app, wait_for


def told(app) -> list[str]:
    """Record what the app tells the learner in notifications from now on."""
    said: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        said.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording
    return said


async def test_edits_after_the_run_are_kept_as_a_revision_and_not_graded(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_REPORTS", str(tmp_path / "reports"))
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        answer = screen.query_one("#answer", TextArea)
        answer.text = "An epoch is one update."  # wrong, and written before the run
        screen.query_one("#prediction", Input).value = "10"
        await pilot.press("ctrl+l", "ctrl+r")
        assert "kept as a revision" in str(screen.query_one("#answer-label", Static).render())
        await wait_for(pilot, lambda: screen.result is not None)
        answer.text = "One update per batch, so 10 updates."  # what the run taught
        await pilot.press("ctrl+g")
        await pilot.pause()
        grading = app.screen
        assert isinstance(grading, GradingScreen)
        # Suggestions come from the graded answer only: the revision names both cues, the graded text neither.
        assert grading.ticked() == []
        assert "An epoch is one update." in str(grading.query_one("#your-answer", Static).render())
        assert "One update per batch" in str(grading.query_one("#revised-answer", Static).render())
    with Store(tmp_path / "s.db") as store:
        attempt = store.sessions()[0].attempts[0]
        assert attempt.answer == "An epoch is one update." and attempt.answer_locked_at is not None
        assert attempt.revised_answer == "One update per batch, so 10 updates."
        report = export_session(store, app.bank, attempt.session_id, "md").read_text()
    assert "Revised after the run (not graded)" in report and "> One update per batch" in report


async def test_escape_goes_home_and_r_resumes_where_the_learner_was(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#answer", TextArea).text = "typed, then left at once"
        said = told(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert any("r on the home screen resumes" in text for text in said)
        await wait_for(pilot, lambda: app.latest_unfinished is not None)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        assert app.screen.query_one("#answer", TextArea).text == "typed, then left at once"


async def test_the_palette_does_not_drop_the_open_session_silently(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.screen.practice.record.id
        app.screen.query_one("#answer", TextArea).text = "half an answer"
        said = told(app)
        app.start_practice(None, 1)  # what the palette's "Mixed set" does
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen) and app.screen.practice.record.id != first
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["HomeScreen", "QuestionScreen"]
        assert any("'batch-size' is kept" in text for text in said)
    with Store(tmp_path / "s.db") as store:
        kept = store.session(first)
    assert kept.finished_at is None and kept.attempts[0].answer == "half an answer"


async def test_running_with_no_answer_or_no_prediction_says_why_first(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        said = told(app)
        await pilot.press("ctrl+r")  # nothing locked yet
        assert said == ["Lock a prediction first: that is the point."]
        screen.query_one("#prediction", Input).value = "10"
        await pilot.press("ctrl+l", "ctrl+r")  # locked, but the answer box is empty
        assert "yours is empty" in said[-1] and not screen.running
        await pilot.press("ctrl+r")  # the learner chose to run anyway
        assert screen.running or screen.result is not None  # a run this small may be over already
        await wait_for(pilot, lambda: screen.result is not None)


async def test_back_home_the_cursor_is_still_on_the_topic_just_practised(tmp_path):
    from quizapp.bank import load_bank
    from quizapp.tui.app import QuizApp

    bank = load_bank()
    app = QuizApp(bank, Store(tmp_path / "s.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#topics")
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press("down", "down", "down")
        topic = sorted(bank.by_topic())[3]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
        assert app.screen.practice.question.topic == topic
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.pause()
        assert app.screen.query_one("#topics").cursor_row == 3


async def test_home_shows_what_is_due_and_d_reviews_it(tmp_path):
    """Questions practised yesterday come back: their topic shows them due, and d opens a review of them."""
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from quizapp.bank import load_bank
    from quizapp.practice import Practice
    from quizapp.tui.app import QuizApp
    from tests.quizapp.report.sessions import answer_fully, fast_questions

    bank = load_bank()
    db = tmp_path / "s.db"
    question = fast_questions(bank, 1)[0]
    with Store(db) as store:
        answer_fully(Practice.start(store, bank, "yesterday", [question]), "", right=False, confidence=None)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE reviews SET reviewed_at = ?", (yesterday,))
    app = QuizApp(bank, Store(db))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one("#topics")
        await wait_for(pilot, lambda: table.row_count > 0 and app.screen.deck is not None)
        row = table.get_row(question.topic)
        assert row[2] != "0"  # the due column counts the question's cards
        assert "Due:" in str(app.screen.query_one("#due-hint").render())
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, QuestionScreen))
        assert app.screen.practice.question.id == question.id
        assert app.screen.practice.record.title == "review"
