"""`python -m quizapp.tui.bench`: time to the first screen, and from Ctrl+R to the first curve point.

Launch: a fresh process, timed from spawn until the home screen has been painted with its
topics (the sessions are read in a worker, so that is after the read), with an empty database
and with a stored history. Reading that history is timed both ways in this process: whole
records (what the home screen used to read on the UI thread) and overviews (what its worker
reads now).

First point: a fresh process per run, started on the first batch-size question. The learner
locks a prediction and spends `--wait` seconds on the question, then presses Ctrl+R; timed
until the first curve point is painted. Cold runs have the warm-up switched off (torch and
the simulation modules load after Ctrl+R); warm runs keep it, as the app does. Cold and warm
alternate, so both see the same machine. The longest event-loop stall while waiting on the
question is recorded too: it shows what the warm-up costs the UI.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quizapp.bank import Bank, load_bank
from quizapp.store import Store

#: Sessions in the stored history, and how many questions each (a few weeks of practice).
HISTORY_SESSIONS = 40
HISTORY_QUESTIONS = 5

LAUNCH = """
import asyncio, sys
from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.home import HomeScreen

def shown():
    print("ready", "torch" in sys.modules, flush=True)

fill = HomeScreen.on_sessions_read

def fill_then_report(self, message):
    fill(self, message)
    self.call_after_refresh(shown)  # once the topics are painted

HomeScreen.on_sessions_read = fill_then_report

async def main():
    async with QuizApp(load_bank(), Store(sys.argv[1])).run_test(size=(80, 24)):
        await asyncio.sleep(60)

asyncio.run(main())
"""

FIRST_POINT = """
import asyncio, json, os, sys, time
from textual.widgets import Input
from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui import warmup
from quizapp.tui.app import QuizApp
from quizapp.tui.messages import SimProgress

db, mode, wait = sys.argv[1], sys.argv[2], float(sys.argv[3])
if mode == "cold":
    warmup.start_warmup = lambda app: None  # the app as it was: torch loads when the run starts
warmed = {}
original_warm_up = warmup.warm_up

def timed_warm_up():
    started = time.perf_counter()
    steps = original_warm_up()
    warmed["seconds"] = time.perf_counter() - started
    return steps

warmup.warm_up = timed_warm_up

stall = 0.0

async def watch_the_loop():
    # The longest the event loop went without coming back to this task: what the warm-up costs the UI.
    global stall
    last = time.perf_counter()
    while True:
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        stall, last = max(stall, now - last - 0.005), now

async def main():
    app = QuizApp(load_bank(), Store(db), topic="batch-size", count=1)
    async with app.run_test(size=(120, 40)) as pilot:
        watcher = asyncio.create_task(watch_the_loop())
        await pilot.pause()
        screen = app.screen
        screen.query_one("#prediction", Input).value = "100"
        await pilot.press("ctrl+l")
        await asyncio.sleep(wait)  # the learner reads and writes
        watcher.cancel()
        painted = asyncio.get_running_loop().create_future()

        def progress(message):
            if isinstance(message, SimProgress) and message.event.points and not painted.done():
                screen.call_after_refresh(lambda: painted.done() or painted.set_result(time.perf_counter()))

        screen.message_signal.subscribe(screen, progress, immediate=True)
        torch_before = "torch" in sys.modules
        started = time.perf_counter()
        await pilot.press("ctrl+r")
        first = await asyncio.wait_for(painted, 60) - started
        print(json.dumps({"first_point": first, "stall": stall, "torch_before": torch_before, **warmed}), flush=True)
        os._exit(0)  # the run goes on training; nothing more to measure

asyncio.run(main())
"""


def launch_seconds(db: Path, env: dict[str, str] | None = None) -> tuple[float, bool]:
    """Spawn to the home screen painted with its topics; and whether torch was imported by then."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", LAUNCH, str(db)], stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.kill()
    process.wait()
    if not line.startswith("ready"):
        raise RuntimeError("the app did not show its home screen")
    return elapsed, line.split()[-1] == "True"


def first_point(db: Path, mode: str, wait: float) -> dict[str, float]:
    command = [sys.executable, "-c", FIRST_POINT, str(db), mode, str(wait)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_history(db: Path, bank: Bank) -> int:
    """Sessions of real runs: one question per simulation, each run once, its result stored with every attempt."""
    from quizapp.practice import Practice
    from quizapp.report.bench import prediction_for
    from sims.registry import get

    questions = list({q.simulation.name: q for q in reversed(bank.questions)}.values())
    results = {q.id: get(q.simulation.name).run(q.simulation.params) for q in questions}
    with Store(db) as store:
        for number in range(HISTORY_SESSIONS):
            picked = [questions[(number * HISTORY_QUESTIONS + i) % len(questions)] for i in range(HISTORY_QUESTIONS)]
            practice = Practice.start(store, bank, f"history {number}", picked)
            for index, question in enumerate(picked):
                result = results[question.id]
                outcome = result.observable(question.prediction.observable, question.prediction.variant).value
                given = prediction_for(question, outcome, right=(number + index) % 2 == 0)
                practice.lock(given, "fairly sure")
                practice.record_run("finished", result, given)
                practice.save_answer("An answer of a few sentences, as said in an interview. " * 5)
                practice.grade([question.rubric[0].id])
                practice.next()
    return HISTORY_SESSIONS * HISTORY_QUESTIONS


def median_read_seconds(db: Path, method: str, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        with Store(db) as store:
            started = time.perf_counter()
            getattr(store, method)()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def cached_bytecode_env(folder: Path) -> dict[str, str]:
    """The environment with compiled bytecode kept (in `folder`), as an installed package has it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quizapp.tui.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=5, help="fresh processes per launch figure")
    parser.add_argument("--runs", type=int, default=5, help="cold and warm first-point runs each")
    parser.add_argument("--wait", type=float, default=3.0, help="seconds spent on the question before Ctrl+R")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        empty, history = Path(folder) / "empty.db", Path(folder) / "history.db"
        Store(empty).close()
        runs = build_history(history, load_bank())
        size_mb = history.stat().st_size / 1e6

        launches = [launch_seconds(empty) for _ in range(args.launches)]
        with_history = [launch_seconds(history) for _ in range(args.launches)]
        cached_env = cached_bytecode_env(Path(folder) / "pycache")
        launch_seconds(empty, cached_env)  # compiles once
        cached = [launch_seconds(empty, cached_env) for _ in range(args.launches)]
        whole = median_read_seconds(history, "sessions")
        light = median_read_seconds(history, "session_overviews")

        points: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
        for _ in range(args.runs):
            for mode in ("cold", "warm"):
                points[mode].append(first_point(empty, mode, args.wait))

    def row(label: str, values: list[float], digits: int = 2) -> tuple[str, str, str]:
        spread = f"{min(values):.{digits}f}-{max(values):.{digits}f}" if len(values) > 1 else ""
        return label, f"{statistics.median(values):.{digits}f}", spread

    n, r, w = args.launches, args.runs, f"{args.wait:g} s on the question"
    warm_ups = [p["seconds"] for p in points["warm"] if "seconds" in p]  # absent: not finished by Ctrl+R
    rows = [
        row(f"launch to home screen with its topics (median of {n})", [t for t, _ in launches]),
        row(f"  same, bytecode cached as installed (median of {n})", [t for t, _ in cached]),
        row(f"  same, {HISTORY_SESSIONS} sessions stored: {runs} runs, {size_mb:.0f} MB", [t for t, _ in with_history]),
        ("torch imported before the home screen", str(any(t for _, t in launches + with_history + cached)), ""),
        row(f"read {HISTORY_SESSIONS} sessions: whole records (median of 5)", [whole], 3),
        row(f"read {HISTORY_SESSIONS} sessions: overviews, no results (median of 5)", [light], 3),
        row(f"Ctrl+R to first curve point, cold, {w} (median of {r})", [p["first_point"] for p in points["cold"]]),
        row(f"Ctrl+R to first curve point, warm, {w} (median of {r})", [p["first_point"] for p in points["warm"]]),
        row(f"warm-up in the background, finished in {len(warm_ups)} of {r}", warm_ups or [float("nan")]),
        row("longest UI stall before Ctrl+R, cold", [p["stall"] for p in points["cold"]]),
        row("longest UI stall before Ctrl+R, warm", [p["stall"] for p in points["warm"]]),
    ]
    width = max(len(label) for label, _, _ in rows)
    print(f"{'measure':<{width}} {'seconds':>8} {'range':>11}")
    print("-" * (width + 21))
    for label, value, spread in rows:
        print(f"{label:<{width}} {value:>8} {spread:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
