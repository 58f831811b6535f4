"""The database's schema, version by version: each step upgrades a file written by the one before.

A file is never downgraded or rewritten: `Store` applies the missing steps in order, each in a
transaction, and refuses a file from a newer version.
"""

from __future__ import annotations

SCHEMA_VERSION = 6
CONFIDENCE_LEVELS = ("guessing", "fairly sure", "certain")
#: How long the learner took to answer: from the question's start until the run locked the answer (NULL before).
ANSWER_SECONDS = "(julianday(answer_locked_at) - julianday(started_at)) * 86400"
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        title TEXT NOT NULL,
        question_ids TEXT NOT NULL
    );
    CREATE TABLE attempts (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        position INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        started_at TEXT NOT NULL,
        prediction TEXT,
        prediction_locked_at TEXT,
        result TEXT,
        run_status TEXT,
        verdict TEXT,
        answer TEXT NOT NULL DEFAULT '',
        answer_saved_at TEXT,
        ticks TEXT,
        score REAL,
        finished_at TEXT,
        UNIQUE (session_id, position)
    );
    """,
    # How sure the learner said they were when locking, for calibration (NULL: not said).
    2: "ALTER TABLE attempts ADD COLUMN confidence TEXT",
    # The answer graded is the one written before the run showed anything; later edits are a revision.
    3: """
    ALTER TABLE attempts ADD COLUMN answer_locked_at TEXT;
    ALTER TABLE attempts ADD COLUMN revised_answer TEXT
    """,
    # Spaced repetition: every review of a question's two cards (explain, predict), with its raw score so the
    # cards can be rebuilt whenever the grade mapping changes. Past sessions count as reviews from the start.
    4: f"""
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        attempt_id INTEGER NOT NULL REFERENCES attempts(id),
        question_id TEXT NOT NULL,
        facet TEXT NOT NULL CHECK (facet IN ('explain', 'predict')),
        reviewed_at TEXT NOT NULL,
        score REAL NOT NULL,
        ticks TEXT,
        duration_s REAL,
        hints INTEGER NOT NULL DEFAULT 0,
        rating INTEGER,
        mapping INTEGER,
        source TEXT NOT NULL,
        content_hash TEXT,
        UNIQUE (attempt_id, facet)
    );
    CREATE INDEX reviews_by_question ON reviews (question_id, facet, reviewed_at);
    INSERT INTO reviews (attempt_id, question_id, facet, reviewed_at, score, source)
        SELECT id, question_id, 'predict', COALESCE(answer_locked_at, prediction_locked_at, started_at),
               CASE WHEN json_extract(verdict, '$.correct') THEN 1.0 ELSE 0.0 END, 'upgrade'
        FROM attempts WHERE json_extract(verdict, '$.correct') IS NOT NULL;
    INSERT INTO reviews (attempt_id, question_id, facet, reviewed_at, score, ticks, duration_s, source)
        SELECT id, question_id, 'explain', COALESCE(finished_at, answer_saved_at, started_at), score, ticks,
               {ANSWER_SECONDS}, 'upgrade'
        FROM attempts WHERE score IS NOT NULL
    """,
    # Mock interviews: a session's kind and length, the hints an attempt took, and the follow-ups asked in it
    # with the learner's answers. Every session so far is a practice session.
    5: """
    ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'practice';
    ALTER TABLE sessions ADD COLUMN minutes INTEGER;
    ALTER TABLE attempts ADD COLUMN hints INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE follow_up_answers (
        id INTEGER PRIMARY KEY,
        attempt_id INTEGER NOT NULL REFERENCES attempts(id),
        position INTEGER NOT NULL,
        asked_at TEXT NOT NULL,
        answer TEXT NOT NULL DEFAULT '',
        answered_at TEXT,
        UNIQUE (attempt_id, position)
    )
    """,
    # The study plan (interview date, new cards a day) and any later preference, as text by key.
    6: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
}
SESSION_KINDS = ("practice", "mock")
