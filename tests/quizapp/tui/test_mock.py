"""A mock interview in the real app, driven with Pilot: the clock, the follow-ups, hints, the debrief."""

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static, TextArea

from quizapp import mock
from quizapp.bank import load_bank
from quizapp.mock import MockPlan
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.debrief import DebriefScreen
from quizapp.tui.screens.grading import GradingScreen
from quizapp.tui.screens.mock import MockScreen

from .test_question_flow import QUESTION, wait_for

FOLLOW_UPS = """
[[questions.follow_ups]]
question = "And with drop_last at batch 300?"
answer = "3: the partial batch is dropped."

[[questions.follow_ups]]
question = "Why count updates rather than epochs?"
answer = "Progress comes from updates."
"""


def two_questions() -> str:
    first = QUESTION.replace("[questions.prediction]", FOLLOW_UPS + "\n[questions.prediction]", 1)
    second = first.replace('id = "tiny-updates"', 'id = "tiny-updates-200"').replace(
        "batch_sizes = [100]", "batch_sizes = [100, 200]"
    )
    return first + second


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(mock, "monotonic", fake)
    return fake


def make_app(tmp_path: Path, minutes: int = 30) -> QuizApp:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "q.toml").write_text(two_questions())
    plan = MockPlan(minutes=minutes, question_ids=["tiny-updates", "tiny-updates-200"])
    return QuizApp(load_bank(folder), Store(tmp_path / "s.db"), mock=plan)


def bar(screen) -> Static:
    return screen.query_one("#mock-bar", Static)


async def test_a_mock_interview_from_first_question_to_debrief(tmp_path, clock):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MockScreen)
        assert "question 1/2" in str(bar(screen).render()) and "30:00 left" in str(bar(screen).render())
        # A hint costs points and says what a good answer covers.
        await pilot.press("ctrl+o")
        assert "a good answer covers: One update per batch." in str(screen.query_one("#mock-hints").render())
        screen.query_one("#mock-answer", TextArea).text = "One update per batch, so 10 updates."
        screen.query_one("#mock-prediction", Input).value = "10"
        clock.t += 60
        await pilot.press("ctrl+s")
        # The follow-up chain starts; nothing about the run is shown.
        assert "Follow-up 1 of 3" in str(screen.query_one("#mock-stage").render())
        assert "batch 300" in screen.query_one("#mock-prompt").source
        assert not screen.query("#verdict")
        screen.query_one("#mock-answer", TextArea).text = "Three with drop_last."
        # The timer turns amber at three quarters of this question's 15 minutes, red past them.
        clock.t += 0.8 * 15 * 60
        screen._tick()
        assert bar(screen).has_class("-amber")
        clock.t += 0.3 * 15 * 60
        screen._tick()
        assert bar(screen).has_class("-red")
        # Over time, the interviewer moves on instead of asking the second follow-up.
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MockScreen) and "question 2/2" in str(bar(screen).render())
        assert bar(screen).has_class("-ok")
        screen.query_one("#mock-prediction", Input).value = "7"
        screen.query_one("#mock-answer", TextArea).text = "Ten at batch 100."
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+g")  # end before the follow-up
        await pilot.pause()
        debrief = app.screen
        assert isinstance(debrief, DebriefScreen)
        table = debrief.query_one("#debrief-questions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2 and "running" not in str(table.get_row_at(1)))
        first, second = table.get_row_at(0), table.get_row_at(1)
        assert first[2] == "10 updates" and first[3].startswith("✓ right") and first[4] == "grade"
        assert first[5] == "1"  # one hint
        assert second[3].startswith("✗ wrong")
        # Grading a question shows what the interview kept back, and the follow-up answer given.
        await pilot.press("enter")
        await pilot.pause()
        grading = app.screen
        assert isinstance(grading, GradingScreen)
        assert "✓ RIGHT" in str(grading.query_one("#mock-verdict").render())
        assert "Three with drop_last." in str(grading.query_one(".follow-up-said").render())
        assert "after 1 hint" in str(grading.query_one("#score").render())
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen is debrief
        await wait_for(pilot, lambda: table.get_row_at(0)[4] != "grade")
        assert table.get_row_at(0)[4].endswith("*")  # after hints
    with Store(tmp_path / "s.db") as store:
        reviews = store.reviews()
        session = store.sessions()[0]
    assert session.kind == "mock" and session.finished_at is not None
    assert {(r.question_id, r.facet) for r in reviews} == {
        ("tiny-updates", "predict"),
        ("tiny-updates", "explain"),
        ("tiny-updates-200", "predict"),
    }
    assert {r.source for r in reviews} == {"mock"}
    explain = next(r for r in reviews if r.facet == "explain")
    assert explain.hints == 1
    assert [f.answer for f in session.attempts[0].follow_ups] == ["Three with drop_last."]


async def test_the_interview_date_is_set_from_home_and_the_schedule_counts_down_to_it(tmp_path):
    from datetime import UTC, datetime, timedelta

    from quizapp.tui.screens.home import HomeScreen

    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "q.toml").write_text(two_questions())
    app = QuizApp(load_bank(folder), Store(tmp_path / "s.db"))
    day = (datetime.now(UTC) + timedelta(days=9)).date()
    async with app.run_test(size=(80, 24)) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        hint = home.query_one("#due-hint", Static)
        await wait_for(pilot, lambda: "Due:" in str(hint.render()))
        await pilot.press("t")
        await pilot.pause()
        app.screen.query_one("#plan-interview", Input).value = "next week"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert type(app.screen).__name__ == "PlanScreen"  # refused, said why, nothing saved
        app.screen.query_one("#plan-interview", Input).value = day.isoformat()
        app.screen.query_one("#plan-new", Input).value = "1"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Interview in 9 days" in str(hint.render()))
        assert "Due: 1 card (1 question)" in str(hint.render())  # one new card a day
    with Store(tmp_path / "s.db") as store:
        assert store.settings() == {"interview": day.isoformat(), "new_per_day": "1"}


async def test_home_shows_a_topics_readiness_and_its_recall_day_by_day(tmp_path, monkeypatch):
    """Three days of study a week apart, stored with the clock moved: recall falls between them."""
    from datetime import UTC, datetime, timedelta

    from tests.quizapp.report.reviews import Clock, study

    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "q.toml").write_text(two_questions())
    bank = load_bank(folder)
    clock = Clock(datetime.now(UTC) - timedelta(days=14)).install(monkeypatch)
    with Store(tmp_path / "s.db") as store:
        for day in (0, 7, 14):
            clock.day(day)
            study(store, bank.questions, rubric=1.0)
    monkeypatch.undo()
    app = QuizApp(bank, Store(tmp_path / "s.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        line = app.screen.query_one("#readiness-hint", Static)
        await wait_for(pilot, lambda: "Recall by day:" in str(line.render()))
        text = str(line.render())
    assert text.startswith("batch-size: ")
    sparks = text.split("Recall by day: ")[1].strip()
    assert len(sparks) == 3 and sparks[-1] == "█"  # three days with reviews, fully recalled the day of the last


async def test_a_run_that_fails_in_the_background_is_a_row_in_the_debrief_not_a_crash(tmp_path, clock, monkeypatch):
    import quizapp.tui.mock_runs

    class Broken:
        def run(self, params, **kwargs):
            raise RuntimeError("out of memory")

    monkeypatch.setattr(quizapp.tui.mock_runs, "get", lambda name: Broken())
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.screen.query_one("#mock-prediction", Input).value = "10"
        app.screen.query_one("#mock-answer", TextArea).text = "Ten."
        await pilot.press("ctrl+s", "ctrl+g")
        await pilot.pause()
        table = app.screen.query_one("#debrief-questions", DataTable)
        await wait_for(pilot, lambda: table.row_count == 2 and table.get_row_at(0)[3] == "failed")
    with Store(tmp_path / "s.db") as store:
        attempt = store.sessions()[0].attempts[0]
        assert attempt.run_status == "failed" and not [r for r in store.reviews() if r.facet == "predict"]
