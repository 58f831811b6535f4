"""The first screen is drawn before torch is imported; then torch arrives in the background.

Starting the app never waits for torch: the home screen, its topics table filled, is on screen
with torch still unimported. Only then does the warm-up worker import torch, the simulation
modules and the digits, so that the learner's first run does not pay for them.
"""

import json
import subprocess
import sys

from quizapp.tui import warmup

SCRIPT = """
import asyncio, json, sys
from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui import warmup
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.home import HomeScreen

torch_when_shown = []
jinja_when_shown = []  # reports load their templates when one is first written, not at launch
fill = HomeScreen.watch_topics

def fill_and_look(self, topics):
    fill(self, topics)
    if topics:
        torch_when_shown.append("torch" in sys.modules)
        jinja_when_shown.append("jinja2" in sys.modules)

HomeScreen.watch_topics = fill_and_look

async def main():
    app = QuizApp(load_bank(), Store(sys.argv[1]))
    async with app.run_test(size=(80, 24)) as pilot:
        home = isinstance(app.screen, HomeScreen)
        workers = []  # kept once seen: a finished worker leaves app.workers
        for _ in range(1200):
            workers = workers or [w for w in app.workers if w.group == warmup.GROUP]
            if workers and workers[0].is_finished:
                break
            await pilot.pause(0.05)
        print(json.dumps({
            "home": home,
            "torch_when_shown": torch_when_shown[:1],
            "jinja_when_shown": jinja_when_shown[:1],
            "warmup": workers[0].state.name if workers else None,
            "steps": sorted(workers[0].result or {}) if workers else [],
            "loaded": [m for m in ("torch", "sims.context", "sims.engine", "sklearn.datasets") if m in sys.modules],
        }))

asyncio.run(main())
"""


def test_home_screen_appears_before_torch_which_then_loads_in_the_background(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "s.db")], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["home"] is True
    assert report["torch_when_shown"] == [False]  # the topics were on screen before torch was imported
    assert report["jinja_when_shown"] == [False]
    assert report["warmup"] == "SUCCESS"
    assert report["steps"] == ["device", "digits", "simulation modules", "torch"]
    assert report["loaded"] == ["torch", "sims.context", "sims.engine", "sklearn.datasets"]


class _ClosedApp:
    """An app that closed before its first refresh: no screen left, no longer running."""

    is_running = False
    screen_stack: tuple = ()

    def __init__(self) -> None:
        self.started: list[str] = []

    def call_after_refresh(self, callback) -> None:
        callback()

    def set_timer(self, delay, callback) -> None:
        callback()

    def run_worker(self, *args, **kwargs) -> None:
        self.started.append(kwargs.get("name", "?"))

    @property
    def screen(self):
        raise AssertionError("the warm-up read the screen of an app that has closed")


def test_warm_up_scheduled_as_the_app_closes_does_nothing():
    """A short session (or Ctrl+Q at once) can close before the warm-up's refresh callback runs."""
    app = _ClosedApp()
    warmup.start_warmup(app)  # type: ignore[arg-type]
    assert app.started == []
