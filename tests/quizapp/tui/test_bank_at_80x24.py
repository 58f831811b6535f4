"""Every question of the shipped bank reads in full at 80x24: nothing that matters is cut off.

The question screen must show the whole prediction prompt, every choice (or the tolerance of a
number) and the lock key without scrolling; the grading screen must wrap every rubric criterion,
follow-up and the pitfall inside the screen's width instead of ending them in an ellipsis.
"""

from __future__ import annotations

import re

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Collapsible

from quizapp.bank import load_bank
from quizapp.practice import Practice
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.grading import GradingScreen
from quizapp.tui.screens.question import QuestionScreen
from quizapp.tui.widgets.toggles import RubricBox

BANK = load_bank()
SIZE = (80, 24)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def region_text(app: QuizApp, region: Region) -> str:
    """What the terminal shows inside a region of the screen, lines joined by spaces."""
    strips = app.screen._compositor.render_strips()
    rows = strips[region.y : region.bottom]
    return squeeze(" ".join(strip.text[region.x : region.right] for strip in rows))


def widget_text(widget: Widget) -> str:
    """A widget's own rendering at its laid-out size, wrapped lines joined by spaces."""
    lines = widget.render_lines(Region(0, 0, *widget.outer_size))
    return squeeze(" ".join(line.text for line in lines))


async def settled_footer(app: QuizApp, pilot) -> str:
    """The footer line once it has drawn the new screen's keys (it refreshes a moment after the screen)."""
    footer = ""
    for _ in range(50):
        footer = region_text(app, Region(0, SIZE[1] - 1, SIZE[0], 1))
        if footer:
            break
        await pilot.pause(0.05)
    return footer


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store(tmp_path_factory.mktemp("db") / "s.db") as store:
        yield store


@pytest.mark.parametrize("topic", sorted(BANK.by_topic()))
async def test_the_prediction_and_every_choice_are_on_screen(store, topic):
    questions = BANK.by_topic()[topic]
    app = QuizApp(BANK, store)
    async with app.run_test(size=SIZE) as pilot:
        for question in questions:
            practice = Practice.start(store, BANK, topic, [question])
            await app.push_screen(QuestionScreen(practice))
            await pilot.pause()
            pane = app.screen.query_one("#predict-pane")
            shown = region_text(app, pane.region)
            assert squeeze(f"Predict: {question.prediction.prompt}") in shown, question.id
            for choice in question.prediction.choices or []:
                assert f"( ) {squeeze(choice)}" in shown, f"{question.id}: choice {choice!r} not on screen"
            if question.prediction.kind == "number":
                assert "run's value" in shown or "exact" in shown, question.id
            assert "Lock prediction (Ctrl+L)" in shown, question.id
            footer = await settled_footer(app, pilot)
            assert "Lock" in footer and "Home" in footer, footer
            await app.pop_screen()


@pytest.mark.parametrize("topic", sorted(BANK.by_topic()))
async def test_rubric_follow_ups_and_pitfall_wrap_within_80_columns(store, topic):
    app = QuizApp(BANK, store)
    async with app.run_test(size=SIZE) as pilot:
        for question in BANK.by_topic()[topic]:
            practice = Practice.start(store, BANK, topic, [question])
            await app.push_screen(GradingScreen(practice))
            await pilot.pause()
            screen = app.screen
            boxes = list(screen.query(RubricBox))
            assert len(boxes) == len(question.rubric)
            for box, item in zip(boxes, question.rubric, strict=True):
                assert box.region.right <= SIZE[0]
                assert squeeze(item.criterion) in widget_text(box), f"{question.id}: {item.id} cut off"
            follow_ups = list(screen.query(".follow-up"))
            for widget, follow_up in zip(follow_ups, question.follow_ups, strict=True):
                assert squeeze(follow_up.question) in widget_text(widget), question.id
            for collapsible in screen.query(Collapsible):
                collapsible.collapsed = False
            await pilot.pause()
            with_rubric = [f for f in question.follow_ups if f.rubric]
            covers = list(screen.query(".follow-up-rubric"))
            for widget, follow_up in zip(covers, with_rubric, strict=True):
                assert widget.region.right <= SIZE[0], question.id
                for item in follow_up.rubric:
                    assert squeeze(item.criterion) in widget_text(widget), f"{question.id}: {item.id} cut off"
            assert squeeze(question.pitfall) in widget_text(screen.query_one("#pitfall")), question.id
            await app.pop_screen()
