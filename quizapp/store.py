"""Sessions in SQLite, every step committed the moment it happens.

One file (WAL mode) in the user's data directory, or wherever `--db` / $QUIZAPP_DB point.
The schema carries a version (`PRAGMA user_version`) and upgrades itself. A database that
is locked, read-only, corrupt or from a newer version raises `StoreError` with a message
that says so; the file is never rewritten to "fix" it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from quizapp.records import (
    AttemptOverview,
    AttemptRecord,
    FollowUpAnswer,
    ReviewRecord,
    SessionOverview,
    SessionRecord,
)
from quizapp.schema import ANSWER_SECONDS, CONFIDENCE_LEVELS, MIGRATIONS, SCHEMA_VERSION, SESSION_KINDS

__all__ = [
    "CONFIDENCE_LEVELS",
    "AttemptOverview",
    "AttemptRecord",
    "ReviewRecord",
    "SessionOverview",
    "SessionRecord",
    "Store",
    "StoreError",
]

ENV_VAR = "QUIZAPP_DB"


class StoreError(Exception):
    """A problem with the database file the learner can act on."""


def default_path() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("quizapp")) / "sessions.db"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store:
    def __init__(self, path: Path | str | None = None, *, timeout: float = 2.0) -> None:
        self.path = Path(path).expanduser() if path else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for {self.path}: {exc.strerror}") from None
        with self._translate("open"):
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- errors ---------------------------------------------------------------------------------
    @contextmanager
    def _translate(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise StoreError(f"{self.path} is locked by another program; close it and try again") from None
            if "readonly" in text or "read-only" in text:
                raise StoreError(
                    f"{self.path} is read-only; nothing was saved. Use --db to choose another file"
                ) from None
            if "unable to open" in text:
                raise StoreError(f"cannot open {self.path}: check the folder exists and is writable") from None
            raise StoreError(f"{self.path}: could not {action}: {text}") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path} is not a readable quizapp database ({exc}); it was left untouched. "
                "Move it aside or use --db to choose another file"
            ) from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer quizapp (schema {version}, this one knows {SCHEMA_VERSION}); "
                "it was left untouched"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, MIGRATIONS[target].split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _insert(self, sql: str, args: tuple[object, ...], action: str) -> int:
        """Run one INSERT (committed at once, autocommit mode); returns the new row's id."""
        with self._translate(action):
            cursor = self._db.execute(sql, args)
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def _update(self, sql: str, args: tuple[object, ...], action: str) -> int:
        """Run one UPDATE (committed at once); returns how many rows changed."""
        with self._translate(action):
            return self._db.execute(sql, args).rowcount

    # -- writing, one committed statement per event ----------------------------------------------
    def start_session(
        self, title: str, question_ids: list[str], *, kind: str = "practice", minutes: int | None = None
    ) -> int:
        if kind not in SESSION_KINDS:
            raise ValueError(f"session kind must be one of {SESSION_KINDS}, not {kind!r}")
        return self._insert(
            "INSERT INTO sessions (started_at, title, question_ids, kind, minutes) VALUES (?, ?, ?, ?, ?)",
            (now(), title, json.dumps(question_ids), kind, minutes),
            "start a session",
        )

    def start_attempt(self, session_id: int, position: int, question_id: str) -> int:
        existing = self._db.execute(
            "SELECT id FROM attempts WHERE session_id = ? AND position = ?", (session_id, position)
        ).fetchone()
        if existing:
            return int(existing["id"])
        return self._insert(
            "INSERT INTO attempts (session_id, position, question_id, started_at) VALUES (?, ?, ?, ?)",
            (session_id, position, question_id, now()),
            "start a question",
        )

    def lock_prediction(self, attempt_id: int, value: str | float | bool, confidence: str | None = None) -> None:
        if confidence is not None and confidence not in CONFIDENCE_LEVELS:
            raise ValueError(f"confidence must be one of {CONFIDENCE_LEVELS}, not {confidence!r}")
        changed = self._update(
            "UPDATE attempts SET prediction = ?, prediction_locked_at = ?, confidence = ? "
            "WHERE id = ? AND prediction_locked_at IS NULL",
            (json.dumps(value), now(), confidence, attempt_id),
            "lock the prediction",
        )
        if changed == 0:
            raise StoreError("this prediction is already locked; it cannot be changed after committing")

    def save_run(self, attempt_id: int, status: str, result_json: str | None, verdict_json: str | None) -> None:
        self._update(
            "UPDATE attempts SET run_status = ?, result = ?, verdict = ? WHERE id = ?",
            (status, result_json, verdict_json, attempt_id),
            "save the simulation result",
        )

    def save_answer(self, attempt_id: int, text: str) -> None:
        """The graded answer while it is open; once locked, the text is kept as the revision instead."""
        self._update(
            "UPDATE attempts SET answer = CASE WHEN answer_locked_at IS NULL THEN ? ELSE answer END, "
            "revised_answer = CASE WHEN answer_locked_at IS NULL THEN revised_answer ELSE ? END, "
            "answer_saved_at = ? WHERE id = ?",
            (text, text, now(), attempt_id),
            "save the answer",
        )

    def lock_answer(self, attempt_id: int) -> None:
        """Freeze the graded answer: called as the first run starts, before any curve is drawn."""
        self._update(
            "UPDATE attempts SET answer_locked_at = ? WHERE id = ? AND answer_locked_at IS NULL",
            (now(), attempt_id),
            "lock the answer",
        )

    def save_ticks(self, attempt_id: int, ticks: list[str], score: float) -> None:
        self._update(
            "UPDATE attempts SET ticks = ?, score = ? WHERE id = ?",
            (json.dumps(sorted(ticks)), score, attempt_id),
            "save the rubric",
        )

    def save_review(
        self,
        attempt_id: int,
        facet: str,
        score: float,
        *,
        rating: int,
        mapping: int,
        ticks: list[str] | None = None,
        duration_s: float | None = None,
        hints: int = 0,
        source: str = "practice",
        content_hash: str | None = None,
    ) -> None:
        """Record (or, graded again, replace) the review one attempt gives one of its question's cards."""
        with self._translate("save the review"):
            self._db.execute(
                "INSERT INTO reviews (attempt_id, question_id, facet, reviewed_at, score, ticks, duration_s, hints, "
                "rating, mapping, source, content_hash) SELECT id, question_id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                "FROM attempts WHERE id = ? "
                "ON CONFLICT (attempt_id, facet) DO UPDATE SET reviewed_at = excluded.reviewed_at, "
                "score = excluded.score, ticks = excluded.ticks, duration_s = excluded.duration_s, "
                "hints = excluded.hints, rating = excluded.rating, mapping = excluded.mapping, "
                "content_hash = excluded.content_hash",
                (
                    facet,
                    now(),
                    score,
                    json.dumps(sorted(ticks)) if ticks is not None else None,
                    duration_s,
                    hints,
                    rating,
                    mapping,
                    source,
                    content_hash,
                    attempt_id,
                ),
            )

    def take_hint(self, attempt_id: int) -> int:
        """Count one more hint against the attempt; returns how many it has taken."""
        self._update("UPDATE attempts SET hints = hints + 1 WHERE id = ?", (attempt_id,), "save the hint")
        return self.hints(attempt_id)

    def hints(self, attempt_id: int) -> int:
        """Hints the attempt has taken: one column, without reading the session and its run results."""
        with self._translate("read the hints"):
            row = self._db.execute("SELECT hints FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        return int(row["hints"]) if row else 0

    def ask_follow_up(self, attempt_id: int, position: int) -> None:
        """The interviewer asked the question's follow-up `position` (asking it again changes nothing)."""
        self._update(
            "INSERT INTO follow_up_answers (attempt_id, position, asked_at) VALUES (?, ?, ?) "
            "ON CONFLICT (attempt_id, position) DO NOTHING",
            (attempt_id, position, now()),
            "save the follow-up",
        )

    def save_follow_up_answer(self, attempt_id: int, position: int, text: str) -> None:
        changed = self._update(
            "UPDATE follow_up_answers SET answer = ?, answered_at = ? WHERE attempt_id = ? AND position = ?",
            (text, now(), attempt_id, position),
            "save the follow-up answer",
        )
        if changed == 0:
            raise StoreError(f"follow-up {position} was never asked in attempt {attempt_id}")

    def settings(self) -> dict[str, str]:
        with self._translate("read the settings"):
            return {row["key"]: row["value"] for row in self._db.execute("SELECT key, value FROM settings")}

    def save_settings(self, values: dict[str, str | None]) -> None:
        """Set each key (None removes it), all at once."""
        with self._translate("save the settings"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for key, value in values.items():
                    if value is None:
                        self._db.execute("DELETE FROM settings WHERE key = ?", (key,))
                    else:
                        self._db.execute(
                            "INSERT INTO settings (key, value) VALUES (?, ?) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                            (key, value),
                        )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def answer_seconds(self, attempt_id: int) -> float | None:
        """Seconds from the question's start until its answer was locked (None while it is open)."""
        with self._translate("read the answer time"):
            row = self._db.execute(f"SELECT {ANSWER_SECONDS} FROM attempts WHERE id = ?", (attempt_id,)).fetchone()
        return None if row is None else row[0]

    def reviews(self) -> list[ReviewRecord]:
        """Every review, oldest first."""
        with self._translate("read the reviews"):
            rows = self._db.execute(
                "SELECT question_id, facet, reviewed_at, score, ticks, duration_s, hints, rating, mapping, source, "
                "content_hash "
                "FROM reviews ORDER BY reviewed_at, id"
            ).fetchall()
        return [
            ReviewRecord(**{**dict(row), "ticks": json.loads(row["ticks"]) if row["ticks"] is not None else None})
            for row in rows
        ]

    def finish_attempt(self, attempt_id: int, at: str | None = None) -> None:
        """Finished now, or at `at` (an interview closed mid-question ends where the learner stopped)."""
        self._update(
            "UPDATE attempts SET finished_at = ? WHERE id = ?", (at or now(), attempt_id), "finish the question"
        )

    def finish_session(self, session_id: int) -> None:
        self._update("UPDATE sessions SET finished_at = ? WHERE id = ?", (now(), session_id), "finish the session")

    # -- reading ------------------------------------------------------------------------------------
    def session(self, session_id: int) -> SessionRecord:
        with self._translate("read a session"):
            row = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            if row is None:
                raise StoreError(f"no session {session_id} in {self.path}")
            attempts = self._db.execute(
                "SELECT * FROM attempts WHERE session_id = ? ORDER BY position", (session_id,)
            ).fetchall()
            follow_ups: dict[int, list[FollowUpAnswer]] = {}
            for f in self._db.execute(
                "SELECT f.* FROM follow_up_answers f JOIN attempts a ON a.id = f.attempt_id "
                "WHERE a.session_id = ? ORDER BY f.attempt_id, f.position",
                (session_id,),
            ):
                follow_ups.setdefault(f["attempt_id"], []).append(
                    FollowUpAnswer(
                        position=f["position"], asked_at=f["asked_at"], answer=f["answer"], answered_at=f["answered_at"]
                    )
                )
        return SessionRecord(
            id=row["id"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            title=row["title"],
            question_ids=json.loads(row["question_ids"]),
            kind=row["kind"],
            minutes=row["minutes"],
            attempts=[_attempt(a, follow_ups.get(a["id"], [])) for a in attempts],
        )

    def sessions(self) -> list[SessionRecord]:
        with self._translate("list sessions"):
            ids = [r["id"] for r in self._db.execute("SELECT id FROM sessions ORDER BY id DESC")]
        return [self.session(i) for i in ids]

    def unfinished(self) -> list[SessionRecord]:
        return [s for s in self.sessions() if s.finished_at is None]

    # -- reading without the run results (for lists and progress tables) ---------------------------
    def session_overviews(self) -> list[SessionOverview]:
        """Every session, newest first, with its attempts' scores and verdicts but not their run results.

        Two queries, whatever the number of sessions; the `result` column (a run's curves, often
        hundreds of kilobytes) is never read, and only the verdict's `correct` field is taken from
        its JSON, by SQLite. This is what the home screen and the session list show.
        """
        with self._translate("list sessions"):
            sessions = self._db.execute(
                "SELECT id, started_at, finished_at, title, question_ids, kind, minutes FROM sessions ORDER BY id DESC"
            ).fetchall()
            attempts = self._db.execute(
                "SELECT id, session_id, position, question_id, started_at, prediction_locked_at, confidence, "
                "run_status, json_extract(verdict, '$.correct') AS correct, score, answer_saved_at, finished_at, hints "
                "FROM attempts ORDER BY session_id, position"
            ).fetchall()
        by_session: dict[int, list[AttemptOverview]] = {}
        for row in attempts:
            by_session.setdefault(row["session_id"], []).append(AttemptOverview(**dict(row)))
        return [
            SessionOverview(
                id=row["id"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                title=row["title"],
                question_ids=json.loads(row["question_ids"]),
                attempts=by_session.get(row["id"], []),
                kind=row["kind"],
                minutes=row["minutes"],
            )
            for row in sessions
        ]


def _attempt(row: sqlite3.Row, follow_ups: list[FollowUpAnswer]) -> AttemptRecord:
    return AttemptRecord(
        id=row["id"],
        session_id=row["session_id"],
        position=row["position"],
        question_id=row["question_id"],
        started_at=row["started_at"],
        prediction=json.loads(row["prediction"]) if row["prediction"] is not None else None,
        prediction_locked_at=row["prediction_locked_at"],
        confidence=row["confidence"],
        result=row["result"],
        run_status=row["run_status"],
        verdict=row["verdict"],
        answer=row["answer"],
        answer_saved_at=row["answer_saved_at"],
        answer_locked_at=row["answer_locked_at"],
        revised_answer=row["revised_answer"],
        ticks=json.loads(row["ticks"]) if row["ticks"] is not None else None,
        score=row["score"],
        finished_at=row["finished_at"],
        hints=row["hints"],
        follow_ups=follow_ups,
    )
