"""Sessions survive anything short of deleting the file, and a bad file is reported, never overwritten."""

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

from quizapp.store import MIGRATIONS, SCHEMA_VERSION, AttemptOverview, Store, StoreError


def test_every_step_is_saved_and_read_back(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        session = store.start_session("batch-size", ["q1", "q2"])
        attempt = store.start_attempt(session, 0, "q1")
        store.lock_prediction(attempt, 100.0)
        store.save_run(attempt, "finished", '{"sim": "x"}', '{"correct": true}')
        store.save_answer(attempt, "one update per batch")
        store.save_ticks(attempt, ["count"], 0.5)
        store.finish_attempt(attempt)
    with Store(path) as store:
        record = store.session(session)
    first = record.attempts[0]
    assert record.title == "batch-size" and record.question_ids == ["q1", "q2"]
    assert first.prediction == 100.0 and first.prediction_locked_at
    assert first.answer == "one update per batch" and first.ticks == ["count"] and first.score == 0.5
    assert first.run_status == "finished" and record.next_position == 1


def test_the_confidence_said_at_locking_is_kept(tmp_path):
    with Store(tmp_path / "s.db") as store:
        session = store.start_session("t", ["q1", "q2"])
        sure = store.start_attempt(session, 0, "q1")
        silent = store.start_attempt(session, 1, "q2")
        store.lock_prediction(sure, "16", "certain")
        store.lock_prediction(silent, "16")
        with pytest.raises(ValueError, match="confidence must be one of"):
            store.lock_prediction(store.start_attempt(store.start_session("u", ["q"]), 0, "q"), "16", "very")
        first, second = store.session(session).attempts
    assert first.confidence == "certain" and second.confidence is None


def test_a_first_version_database_upgrades_in_place_and_keeps_its_sessions(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[1])
    old.execute(
        "INSERT INTO sessions (started_at, title, question_ids) VALUES ('2026-01-01T00:00:00+00:00', 'old', '[\"q\"]')"
    )
    old.execute(
        "INSERT INTO attempts (session_id, position, question_id, started_at, prediction, prediction_locked_at, answer)"
        " VALUES (1, 0, 'q', '2026-01-01T00:00:01+00:00', '\"16\"', '2026-01-01T00:00:02+00:00', 'kept')"
    )
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    with Store(path) as store:
        attempt = store.session(1).attempts[0]
    assert attempt.answer == "kept" and attempt.prediction == "16" and attempt.confidence is None
    version = sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION


def test_a_locked_prediction_cannot_change(tmp_path):
    with Store(tmp_path / "s.db") as store:
        attempt = store.start_attempt(store.start_session("t", ["q"]), 0, "q")
        store.lock_prediction(attempt, "16")
        with pytest.raises(StoreError, match="already locked"):
            store.lock_prediction(attempt, "1024")
        assert store.session(1).attempts[0].prediction == "16"


def test_unfinished_sessions_are_offered_for_resuming(tmp_path):
    with Store(tmp_path / "s.db") as store:
        done = store.start_session("a", ["q"])
        store.finish_session(done)
        open_one = store.start_session("b", ["q", "r"])
        assert [s.id for s in store.unfinished()] == [open_one]


def test_killed_mid_session_loses_nothing_written(tmp_path):
    path = tmp_path / "s.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from quizapp.store import Store
        store = Store({str(path)!r})
        session = store.start_session("killed", ["q1", "q2"])
        attempt = store.start_attempt(session, 0, "q1")
        store.lock_prediction(attempt, "16")
        store.save_answer(attempt, "half-written answer")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -9
    with Store(path) as store:
        [session] = store.unfinished()
        attempt = session.attempts[0]
    assert session.title == "killed" and attempt.prediction == "16" and attempt.answer == "half-written answer"


def test_a_corrupt_file_is_reported_and_left_alone(tmp_path):
    path = tmp_path / "s.db"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(StoreError, match=r"not a readable quizapp database.*left untouched"):
        Store(path)
    assert path.read_bytes() == garbage


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.db"
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StoreError, match="newer quizapp"):
        Store(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only files")
def test_a_read_only_file_is_reported(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    path.chmod(stat.S_IRUSR)
    with pytest.raises(StoreError, match="read-only"):
        Store(path).start_session("t", ["q"])


def test_a_locked_database_is_reported(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked by another program"):
            Store(path, timeout=0.1).start_session("t", ["q"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_the_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_DB", str(tmp_path / "elsewhere.db"))
    with Store() as store:
        assert store.path == tmp_path / "elsewhere.db"


def columns_read(store: Store, read) -> set[tuple[str, str]]:
    """The (table, column) pairs SQLite reads while `read` runs, from its authorizer."""
    seen: set[tuple[str, str]] = set()

    def authorize(action, table, column, *_):
        if action == sqlite3.SQLITE_READ:
            seen.add((table, column))
        return sqlite3.SQLITE_OK

    store._db.set_authorizer(authorize)
    try:
        read()
    finally:
        store._db.set_authorizer(None)
    return seen


def test_overviews_match_the_full_records_without_reading_any_result(tmp_path):
    with Store(tmp_path / "s.db") as store:
        first = store.start_session("batch-size", ["q1", "q2", "q3"])
        right = store.start_attempt(first, 0, "q1")
        store.lock_prediction(right, 100.0, "certain")
        store.save_run(right, "finished", '{"curves": "' + "x" * 200_000 + '"}', '{"correct": true, "seeds": 5}')
        store.save_answer(right, "one update per batch")
        store.save_ticks(right, ["count"], 0.5)
        store.finish_attempt(right)
        wrong = store.start_attempt(first, 1, "q2")
        store.lock_prediction(wrong, "16")
        store.save_run(wrong, "finished", "{}", '{"correct": false}')
        store.finish_session(first)
        second = store.start_session("mixed", ["q3", "q4"])
        store.save_run(store.start_attempt(second, 0, "q3"), "cancelled", None, None)
        store.start_session("empty", ["q5"])
        overviews = store.session_overviews()
        full = store.sessions()
        light_reads = columns_read(store, store.session_overviews)
        full_reads = columns_read(store, store.sessions)
    assert [o.id for o in overviews] == [s.id for s in full] == [3, second, first]  # newest first
    for overview, record in zip(overviews, full, strict=True):
        assert overview.model_dump(exclude={"attempts"}) == record.model_dump(exclude={"attempts"})
        assert overview.next_position == record.next_position
        for light, heavy in zip(overview.attempts, record.attempts, strict=True):
            assert light.model_dump() == {name: getattr(heavy, name) for name in AttemptOverview.model_fields}
    assert [a.correct for a in overviews[2].attempts] == [True, False] and overviews[1].attempts[0].correct is None
    assert ("attempts", "result") in full_reads and ("attempts", "answer") in full_reads  # the check sees reads
    assert ("attempts", "result") not in light_reads and ("attempts", "answer") not in light_reads
    assert ("attempts", "verdict") in light_reads  # only its `correct`, taken out by SQLite
