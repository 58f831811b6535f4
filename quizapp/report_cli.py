"""`quizapp sessions list`, `quizapp export`, `quizapp report --all`: stored sessions as text and files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from quizapp.bank import Bank, BankError, load_bank
from quizapp.formatting import percent
from quizapp.store import Store, StoreError

STDOUT = Path("-")


def _open(bank_path: Path | None, db_path: Path | None, job: Callable[[Store, Bank], int]) -> int:
    """Run a job on the bank and the store; every error the learner can fix is one line on stderr."""
    from quizapp.report import ExportError

    try:
        bank = load_bank(bank_path)
        with Store(db_path) as store:
            return job(store, bank)
    except (BankError, StoreError, ExportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def list_sessions(bank_path: Path | None, db_path: Path | None) -> int:
    from quizapp.progress import session_summary

    def job(store: Store, bank: Bank) -> int:
        records = store.sessions()
        if not records:
            print(f"no sessions yet in {store.path}")
            return 0
        print(f"{'id':>4}  {'started (UTC)':<16}  {'answered':>8}  {'score':>5}  {'right':>5}  state       title")
        for record in records:
            s = session_summary(record, bank)
            score = percent(s.average_score)
            state = "finished" if s.finished else "unfinished"
            started = s.started.strftime("%Y-%m-%d %H:%M")
            print(
                f"{s.session_id:>4}  {started:<16}  {s.answered:>3} / {s.questions:<2}  {score:>5}  "
                f"{s.predictions_right:>2}/{s.predictions:<2}  {state:<10}  {s.title}"
            )
        return 0

    return _open(bank_path, db_path, job)


def _deliver(text: str, output: Path, default_name: str, what: str, fmt: str) -> int:
    from quizapp.report.export import write

    if output == STDOUT:
        sys.stdout.write(text)
        return 0
    if output.is_dir():
        output = output / default_name
    path = write(text, output)
    print(f"{what} exported as {fmt.upper()} to {path} ({len(text.encode()) / 1024:.0f} KB)")
    return 0


def export(bank_path: Path | None, db_path: Path | None, session_id: int, fmt: str, output: Path | None) -> int:
    from quizapp.report.export import session_filename, session_text

    def job(store: Store, bank: Bank) -> int:
        name = session_filename(session_id, fmt)  # type: ignore[arg-type]
        try:
            text = session_text(store, bank, session_id, fmt)  # type: ignore[arg-type]
        except StoreError as exc:
            raise StoreError(f"{exc} (`quizapp sessions list` shows the ids)") from None
        return _deliver(text, output or Path(name), name, f"session {session_id}", fmt)

    return _open(bank_path, db_path, job)


def report_all(bank_path: Path | None, db_path: Path | None, fmt: str, output: Path | None) -> int:
    from quizapp.report.export import progress_filename, progress_text

    def job(store: Store, bank: Bank) -> int:
        name = progress_filename(fmt)  # type: ignore[arg-type]
        text = progress_text(store, bank, fmt)  # type: ignore[arg-type]
        return _deliver(text, output or Path(name), name, "progress report", fmt)

    return _open(bank_path, db_path, job)
