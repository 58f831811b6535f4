"""The first screen is drawn before torch is imported: starting the app never waits for it."""

import json
import subprocess
import sys

SCRIPT = """
import asyncio, json, sys, time
started = time.perf_counter()
from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.home import HomeScreen

async def main():
    app = QuizApp(load_bank(), Store(sys.argv[1]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        print(json.dumps({"seconds": time.perf_counter() - started, "torch": "torch" in sys.modules}))

asyncio.run(main())
"""


def test_home_screen_appears_without_importing_torch(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "s.db")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["torch"] is False
