"""Whole screens at the two sizes that matter: 80x24 (the smallest supported) and 120x40.

Regenerate after an intended change with `pytest tests/quizapp/tui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp

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
