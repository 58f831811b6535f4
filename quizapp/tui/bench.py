"""`python -m quizapp.tui.bench`: how long until the first screen, and until the first curve point.

Launch: a fresh process, timed from spawn to the home screen being mounted (headless).
First point: in one process, from pressing Ctrl+R on the first batch-size question to the
first curve point on screen; the first run pays for importing torch, later ones do not.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import asyncio, sys
from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp

async def main():
    app = QuizApp(load_bank(), Store(sys.argv[1]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print("ready", "torch" in sys.modules, flush=True)

asyncio.run(main())
"""


def launch_seconds(db: Path) -> tuple[float, bool]:
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait()
    return elapsed, line.split()[-1] == "True"


async def first_point_seconds(db: Path, runs: int) -> list[float]:
    from textual.widgets import Input

    from quizapp.bank import load_bank
    from quizapp.store import Store
    from quizapp.tui.app import QuizApp
    from quizapp.tui.widgets.live_curve import LiveCurve

    times = []
    for _ in range(runs):
        app = QuizApp(load_bank(), Store(db), topic="batch-size", count=1)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            app.screen.query_one("#prediction", Input).value = "100"
            await pilot.press("ctrl+l")
            curve = app.screen.query_one("#curve", LiveCurve)
            started = time.perf_counter()
            await pilot.press("ctrl+r")
            while not curve.curves:
                await pilot.pause(0.005)
            times.append(time.perf_counter() - started)
            app.screen.action_cancel_run()
            await pilot.pause(0.2)
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        launches = [launch_seconds(db) for _ in range(5)]
        points = asyncio.run(first_point_seconds(db, 4))
    print(f"{'measure':<44} {'seconds':>8}")
    print("-" * 53)
    print(f"{'launch to first screen (median of 5)':<44} {statistics.median(t for t, _ in launches):>8.2f}")
    print(f"{'torch imported before the first screen':<44} {any(t for _, t in launches)!s:>8}")
    print(f"{'Ctrl+R to first curve point, first run':<44} {points[0]:>8.2f}")
    print(f"{'Ctrl+R to first curve point, later (median)':<44} {statistics.median(points[1:]):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
