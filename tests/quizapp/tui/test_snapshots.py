"""Whole screens at the two sizes that matter: 80x24 (the smallest supported) and 120x40.

Regenerate after an intended change with `pytest tests/quizapp/tui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

import functools
from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.messages import SimFinished, SimProgress, SimStarted
from sims.result import CurvePoints, ProgressEvent, SimResult

from .test_question_flow import QUESTION

SIZES = [(80, 24), (120, 40)]


async def topics_shown(pilot) -> None:
    """The home screen reads the sessions in a worker: the picture is taken once the table is filled."""
    table = pilot.app.screen.query_one("#topics")
    for _ in range(500):
        if table.row_count and not table.loading:
            return
        await pilot.pause(0.01)
    raise AssertionError("the topics table never filled")


def app_for(tmp_path: Path, topic: str | None) -> QuizApp:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "q.toml").write_text(QUESTION)
    return QuizApp(load_bank(folder), Store(tmp_path / "s.db"), topic=topic, count=1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home_screen(snap_compare, tmp_path, size):
    assert snap_compare(app_for(tmp_path, None), terminal_size=size, run_before=topics_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_question_screen(snap_compare, tmp_path, size):
    assert snap_compare(app_for(tmp_path, "batch-size"), terminal_size=size)


# -- the question screen through the moment: locked, during a run, after it, cancelled, grading -------------


async def lock_ten(pilot) -> None:
    screen = pilot.app.screen
    screen.query_one("#answer").text = "One update per batch, so 10 updates."
    screen.query_one("#prediction").value = "10"
    screen.query_one("#confidence").value = "fairly sure"
    await pilot.press("ctrl+l")


@functools.cache
def finished_run() -> SimResult:
    """The question's real run; only its wall time is fixed, so the status line reads the same every time."""
    from sims.registry import get

    result = get("updates_per_epoch").run({"n_samples": 1000, "batch_sizes": [100]}, device="cpu")
    return result.model_copy(update={"wall_seconds": 1.0})


async def mid_run(pilot) -> None:
    """The screen as it is 40% into a run: real curve points, delivered as the worker's messages are."""
    await lock_ten(pilot)
    screen = pilot.app.screen
    result = finished_run()
    screen.action_run()
    screen.workers.cancel_group(screen, "sim")  # the screen's own worker would race the fixed messages below
    screen.cancel_event.set()
    screen.post_message(SimStarted(screen.run_number, "cpu"))
    points = [CurvePoints(metric=s.metric, variant=s.variant, seed=s.seed, x=s.x[:4], y=s.y[:4]) for s in result.series]
    screen.post_message(SimProgress(screen.run_number, ProgressEvent(fraction=0.4, stage="train", points=points)))
    await pilot.pause()


async def after_run(pilot) -> None:
    await lock_ten(pilot)
    screen = pilot.app.screen
    screen.action_run()
    screen.workers.cancel_group(screen, "sim")
    screen.cancel_event.set()
    screen.post_message(SimFinished(screen.run_number, finished_run()))
    await pilot.pause()


async def cancelled(pilot) -> None:
    await mid_run(pilot)
    await pilot.press("escape")


async def grading(pilot) -> None:
    await after_run(pilot)
    await pilot.press("ctrl+g")
    await pilot.pause()


STAGES = {"locked": lock_ten, "running": mid_run, "finished": after_run, "cancelled": cancelled, "grading": grading}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_question_moment(snap_compare, tmp_path, size, stage):
    assert snap_compare(app_for(tmp_path, "batch-size"), terminal_size=size, run_before=STAGES[stage])


# -- the mock interview: a question with a hint, a follow-up at amber, the debrief, the setup ---------------


@pytest.fixture
def frozen(monkeypatch):
    """Timers and stored times held still, so the pictures do not depend on how fast the machine is."""
    import quizapp.store
    from quizapp import mock

    clock = [1000.0]
    monkeypatch.setattr(mock, "monotonic", lambda: clock[0])
    monkeypatch.setattr(quizapp.store, "now", lambda: "2026-12-03T10:00:00.000+00:00")
    return clock


def mock_app(tmp_path: Path) -> QuizApp:
    from .test_mock import make_app

    return make_app(tmp_path)


async def mock_hint(pilot) -> None:
    await pilot.pause()
    pilot.app.screen.query_one("#mock-answer").text = "One update per batch."
    await pilot.press("ctrl+o")
    await pilot.pause()


def mock_follow_up(clock):
    async def stage(pilot) -> None:
        await mock_hint(pilot)
        pilot.app.screen.query_one("#mock-prediction").value = "10"
        await pilot.press("ctrl+s")
        clock[0] += 0.8 * 15 * 60  # three quarters of the question's share: amber
        pilot.app.screen._tick()
        await pilot.pause()

    return stage


def mock_debrief(clock):
    async def stage(pilot) -> None:
        from textual.widgets import DataTable

        await mock_follow_up(clock)(pilot)
        pilot.app.screen.query_one("#mock-answer").text = "Four, or three with drop_last."
        await pilot.press("ctrl+g")
        table = pilot.app.screen.query_one("#debrief-questions", DataTable)
        for _ in range(600):
            if table.row_count and "running" not in str(table.get_row_at(0)):
                break
            await pilot.pause(0.05)
        await pilot.pause()

    return stage


def mock_grading(clock):
    async def stage(pilot) -> None:
        await mock_debrief(clock)(pilot)
        await pilot.press("enter")
        await pilot.pause()

    return stage


@pytest.mark.parametrize("stage", ["hint", "follow-up", "debrief", "grading"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_mock_interview(snap_compare, tmp_path, size, stage, frozen):
    stages = {"hint": mock_hint, "follow-up": mock_follow_up, "debrief": mock_debrief, "grading": mock_grading}
    before = stages[stage] if stage == "hint" else stages[stage](frozen)
    assert snap_compare(mock_app(tmp_path), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_mock_setup(snap_compare, tmp_path, size, frozen):
    async def open_setup(pilot) -> None:
        await topics_shown(pilot)
        await pilot.press("i")
        await pilot.pause()

    assert snap_compare(app_for(tmp_path, None), terminal_size=size, run_before=open_setup)
