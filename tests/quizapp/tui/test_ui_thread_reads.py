"""Whole sessions (every run's curves) are never read on the UI thread.

The home screen, the past-sessions list and the command palette's Resume get their data from
workers; here the readers that load whole sessions fail the moment the UI thread calls them.
"""

import threading

import pytest
from textual.command import CommandList
from textual.widgets import DataTable, Static

from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.home import HomeScreen
from quizapp.tui.screens.sessions import SessionsScreen

from .test_question_flow import QUESTION, wait_for

HEAVY_READERS = ("session", "sessions", "unfinished", "reviews")


@pytest.fixture
def ui_thread_reads(monkeypatch) -> list[str]:
    """Names of heavy readers called on the UI (main) thread; each such call also raises."""
    calls: list[str] = []
    for name in HEAVY_READERS:
        original = getattr(Store, name)

        def guarded(self, *args, _name=name, _original=original, **kwargs):
            if threading.current_thread() is threading.main_thread():
                calls.append(_name)
                raise AssertionError(f"Store.{_name}() called on the UI thread")
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Store, name, guarded)
    return calls


def stored_history(path) -> None:
    """One finished session with a large run result, and a newer one left unfinished."""
    with Store(path) as store:
        done = store.start_session("batch-size", ["tiny-updates"])
        attempt = store.start_attempt(done, 0, "tiny-updates")
        store.lock_prediction(attempt, 10.0)
        store.save_run(attempt, "finished", '{"curves": "' + "x" * 500_000 + '"}', '{"correct": true}')
        store.save_ticks(attempt, ["per-batch"], 0.5)
        store.finish_attempt(attempt)
        store.finish_session(done)
        store.start_attempt(store.start_session("left open", ["tiny-updates"]), 0, "tiny-updates")


async def test_home_sessions_and_palette_read_nothing_heavy_on_the_ui_thread(tmp_path, ui_thread_reads):
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "q.toml").write_text(QUESTION)
    stored_history(tmp_path / "s.db")
    app = QuizApp(load_bank(tmp_path / "bank"), Store(tmp_path / "s.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        topics = app.screen.query_one("#topics", DataTable)
        hint = app.screen.query_one("#resume-hint", Static)
        await wait_for(pilot, lambda: topics.row_count == 1 and "left open" in str(hint.render()))
        # due: its two cards, new to the schedule
        assert topics.get_row("batch-size") == ["batch-size", "1", "2", "1", "50%", "1/1", "not yet"]
        readiness = str(app.screen.query_one("#readiness-hint", Static).render())
        assert readiness == "batch-size: not yet; 0 of 2 cards seen; recall 0%."  # reviews: none stored here
        assert not topics.loading and app.screen.focused is topics

        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen))
        listed = app.screen.query_one("#sessions", DataTable)
        await wait_for(pilot, lambda: listed.row_count == 2)
        assert [listed.get_row_at(i)[-1] for i in range(2)] == ["open", "finished"]

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"resume")
        results = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: any("left open" in str(o.prompt) for o in results.options))
        assert any(c.title == "Resume 'left open'" for c in app.get_system_commands(app.screen))
    assert ui_thread_reads == []


async def test_the_guard_catches_a_read_on_the_ui_thread(tmp_path, ui_thread_reads):
    """The fixture itself can fail: a heavy read from the UI thread is recorded and refused."""
    stored_history(tmp_path / "s.db")
    with Store(tmp_path / "s.db") as store, pytest.raises(AssertionError, match="on the UI thread"):
        store.sessions()
    assert ui_thread_reads == ["sessions"]


async def test_the_palette_stops_offering_a_session_once_it_is_finished(tmp_path):
    """The palette's Resume is read ahead, in the home screen's worker; it must not go stale."""
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "q.toml").write_text(QUESTION)
    app = QuizApp(load_bank(tmp_path / "bank"), Store(tmp_path / "s.db"), topic="batch-size", count=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.latest_unfinished is not None)  # the session just started
        with Store(tmp_path / "s.db") as store:
            store.finish_session(app.latest_unfinished.id)  # as finishing its last question does
        app.open_sessions()  # the next screen to come up has the home screen read again
        await wait_for(pilot, lambda: app.latest_unfinished is None)
        assert not any(c.title.startswith("Resume") for c in app.get_system_commands(app.screen))
