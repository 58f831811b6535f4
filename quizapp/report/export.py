"""Writing reports to files: where they go by default and what they are called."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path

from quizapp.bank import Bank
from quizapp.report.progress_content import progress_report
from quizapp.report.render import Format, render_progress, render_session
from quizapp.report.session_content import session_report
from quizapp.store import Store

ENV_VAR = "QUIZAPP_REPORTS"


class ExportError(Exception):
    """The report could not be written; says which file and why."""


def reports_dir() -> Path:
    """Where the app saves reports: $QUIZAPP_REPORTS, else a `quizapp-reports` folder in the documents folder."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "quizapp-reports"


def session_filename(session_id: int, fmt: Format) -> str:
    return f"quizapp-session-{session_id}.{fmt}"


def progress_filename(fmt: Format) -> str:
    return f"quizapp-progress.{fmt}"


def session_text(store: Store, bank: Bank, session_id: int, fmt: Format) -> str:
    return render_session(session_report(store.session(session_id), bank), fmt)


def progress_text(store: Store, bank: Bank, fmt: Format, now: datetime | None = None) -> str:
    return render_progress(progress_report(store, bank, now), fmt)


def write(text: str, path: Path) -> Path:
    """Write atomically (temp file, then rename) so a failed export never leaves half a report."""
    path = path.expanduser().resolve()
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def export_session(store: Store, bank: Bank, session_id: int, fmt: Format, path: Path | None = None) -> Path:
    """Render one session and write it; returns the file's absolute path."""
    text = session_text(store, bank, session_id, fmt)
    return write(text, path or reports_dir() / session_filename(session_id, fmt))


def export_progress(store: Store, bank: Bank, fmt: Format, path: Path | None = None) -> Path:
    text = progress_text(store, bank, fmt)
    return write(text, path or reports_dir() / progress_filename(fmt))
