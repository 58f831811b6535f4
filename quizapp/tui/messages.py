"""Messages workers post to their screen (messages up, reactives down)."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from quizapp.debrief import Debrief
from quizapp.schedule.trend import DayReadiness
from quizapp.store import ReviewRecord, SessionOverview
from sims.result import ProgressEvent, SimResult


class SimMessage(Message):
    """From one run's worker; `run` numbers the run, so a cancelled run's late messages are ignored."""

    def __init__(self, run: int) -> None:
        super().__init__()
        self.run = run


class SimStarted(SimMessage):
    """The worker has chosen its device (torch is loaded by now)."""

    def __init__(self, run: int, device: str) -> None:
        super().__init__(run)
        self.device = device


class SimProgress(SimMessage):
    def __init__(self, run: int, event: ProgressEvent) -> None:
        super().__init__(run)
        self.event = event


class SimFinished(SimMessage):
    def __init__(self, run: int, result: SimResult) -> None:
        super().__init__(run)
        self.result = result


class SimStopped(SimMessage):
    """The run ended without a result: failed with a message (a cancel is shown at once, not here)."""

    def __init__(self, run: int, status: str, detail: str) -> None:
        super().__init__(run)
        self.status = status
        self.detail = detail


class ReportExported(Message):
    """A report file was written (or could not be: `error` says why); session None: the progress report."""

    def __init__(self, session_id: int | None, path: Path | None, error: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.path = path
        self.error = error


class SessionsRead(Message):
    """A screen's reader has the stored sessions without their run results (`error`: why it could not)."""

    def __init__(
        self,
        sessions: list[SessionOverview],
        error: str | None = None,
        reviews: list[ReviewRecord] | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.sessions = sessions
        self.error = error
        self.reviews = reviews or []  # every card review, for the schedule
        self.settings = settings or {}  # the study plan, among others
        self.trend: list[DayReadiness] = []  # readiness at the end of recent days with reviews, if asked for


class MockRunSaved(Message):
    """A mock interview's run finished in the background and is saved (the debrief reads it again)."""

    def __init__(self, attempt_id: int) -> None:
        super().__init__()
        self.attempt_id = attempt_id


class DebriefRead(Message):
    """A mock interview's debrief, read in a worker (`error`: why it could not be)."""

    def __init__(self, debrief: Debrief | None, error: str | None = None) -> None:
        super().__init__()
        self.debrief = debrief
        self.error = error
