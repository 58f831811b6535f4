"""A mock interview's simulations, run one after another in the background while the interview goes on.

Nothing is shown while they run: the learner sees the outcomes in the debrief. Each result is
saved by the worker through a database connection of its own (sqlite3 connections belong to
one thread), then the screen in front hears of it (`MockRunSaved`). The queue belongs to the
app, so runs go on from one question's screen to the next and into the debrief; quitting
cancels the run in progress, and the debrief queues whatever was left unrun again.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

from textual.app import App

from quizapp.grading import PredictionValue
from quizapp.models import Question
from quizapp.practice import save_run
from quizapp.store import Store, StoreError
from quizapp.tui.messages import MockRunSaved
from sims.registry import get
from sims.spec import Cancelled


@dataclass(frozen=True)
class PendingRun:
    attempt_id: int
    question: Question
    given: PredictionValue


class MockRuns:
    def __init__(self, app: App[None], db_path: Path) -> None:
        self.app = app
        self.db_path = db_path
        self.cancel_event = threading.Event()
        self._queue: queue.Queue[PendingRun] = queue.Queue()
        self._queued: set[int] = set()
        self._lock = threading.Lock()
        self._working = False

    def add(self, attempt_id: int, question: Question, given: PredictionValue) -> None:
        """Queue a run (once per attempt); the worker starts if it is not already going."""
        with self._lock:
            if attempt_id in self._queued:
                return
            self._queued.add(attempt_id)
            self._queue.put(PendingRun(attempt_id, question, given))
            if not self._working:
                self._working = True
                self.app.run_worker(self._work, thread=True, group="mock-runs", exit_on_error=False)

    def cancel(self) -> None:
        self.cancel_event.set()

    def _work(self) -> None:
        try:
            with Store(self.db_path) as store:
                while not self.cancel_event.is_set():
                    with self._lock:
                        if self._queue.empty():
                            self._working = False
                            return
                        job = self._queue.get()
                    self._run(store, job)
        except StoreError:
            pass  # the debrief reads the store itself and says what it cannot
        finally:
            with self._lock:
                self._working = False

    def _run(self, store: Store, job: PendingRun) -> None:
        link = job.question.simulation
        try:
            result = get(link.name).run(link.params, cancel=self.cancel_event)
        except Cancelled:
            with self._lock:
                self._queued.discard(job.attempt_id)  # unrun: the debrief queues it again
            return
        except Exception:  # a failed run is a row in the debrief, never a traceback
            save_run(store, job.attempt_id, job.question, "failed", None, None, source="mock")
        else:
            save_run(store, job.attempt_id, job.question, "finished", result, job.given, source="mock")
        with contextlib.suppress(RuntimeError):  # the app has closed; the result is saved all the same
            self.app.call_from_thread(lambda: self.app.screen.post_message(MockRunSaved(job.attempt_id)))
