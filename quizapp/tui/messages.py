"""Messages workers post to their screen (messages up, reactives down)."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from sims.result import ProgressEvent, SimResult


class SimStarted(Message):
    """The worker has chosen its device (torch is loaded by now)."""

    def __init__(self, device: str) -> None:
        super().__init__()
        self.device = device


class SimProgress(Message):
    def __init__(self, event: ProgressEvent) -> None:
        super().__init__()
        self.event = event


class SimFinished(Message):
    def __init__(self, result: SimResult) -> None:
        super().__init__()
        self.result = result


class SimStopped(Message):
    """The run ended without a result: cancelled, or failed with a message."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__()
        self.status = status
        self.detail = detail


class ReportExported(Message):
    """A report file was written (or could not be: `error` says why); session None: the progress report."""

    def __init__(self, session_id: int | None, path: Path | None, error: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self.path = path
        self.error = error
