"""`python -m quizapp.schedule.bench`: what the study loop costs each time the home screen reads.

A learner's history is simulated through the real `Store` (clock moved, no simulation run): every
day, the due cards are reviewed (right about four times in five) plus the day's new ones, for one
week and for two months. Then each read the app makes is timed, medians of several repeats: the
reviews from SQLite, the deck rebuilt from them (one FSRS step per review), what is due, readiness
by topic, and readiness over the last 14 days with reviews (the home sparkline).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import quizapp.store
from quizapp.bank import Bank, load_bank
from quizapp.schedule.deck import Deck
from quizapp.schedule.grades import MAPPING_VERSION, rating_for
from quizapp.schedule.readiness import topic_readiness
from quizapp.schedule.trend import readiness_by_day
from quizapp.store import Store

REPEATS = 7
HISTORIES = (("1 week", 7), ("2 months", 60))


def simulate(store: Store, bank: Bank, days: int, start: datetime) -> int:
    """Review what is due each day, as a steady learner would; returns the number of reviews stored."""
    rng = random.Random(0)
    stored = 0
    for day in range(days):
        moment = start + timedelta(days=day, hours=9)
        with mock.patch.object(quizapp.store, "now", lambda m=moment: m.isoformat(timespec="milliseconds")):
            deck = Deck(bank, store.reviews())
            questions = deck.due_questions(moment)
            session = store.start_session(f"day {day}", questions)
            for position, question_id in enumerate(questions):
                question = bank.get(question_id)
                attempt = store.start_attempt(session, position, question_id)
                right = rng.random() < 0.8
                ticks = [item.id for item in question.rubric] if right else []
                score = 1.0 if right else 0.3
                explain = rating_for("explain", score, ticked=ticks, rubric=question.rubric)
                store.save_review(attempt, "explain", score, rating=int(explain), mapping=MAPPING_VERSION, ticks=ticks)
                predict = rating_for("predict", 1.0 if right else 0.0)
                store.save_review(attempt, "predict", float(right), rating=int(predict), mapping=MAPPING_VERSION)
                stored += 2
    return stored


def median_ms(job: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


COLUMNS = (("read", 6), ("deck", 6), ("due", 6), ("ready", 6), ("14 days", 7))


def measure(bank: Bank, days: int) -> tuple[int, list[float]]:
    """Reviews stored over `days` days, and each read's median time on them."""
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "s.db") as store:
        start = datetime(2026, 1, 5, tzinfo=UTC)
        count = simulate(store, bank, days, start)
        reviews = store.reviews()
        now = start + timedelta(days=days, hours=9)
        deck = Deck(bank, reviews)
        return count, [
            median_ms(store.reviews),
            median_ms(lambda: Deck(bank, reviews)),
            median_ms(lambda: deck.due(now)),
            median_ms(lambda: topic_readiness(deck, now)),
            median_ms(lambda: readiness_by_day(bank, reviews, days=14)),
        ]


def main() -> None:
    bank = load_bank()
    print(f"{'history':<10} {'reviews':>7}  " + "  ".join(f"{name:>{width}}" for name, width in COLUMNS))
    for name, days in HISTORIES:
        count, row = measure(bank, days)
        cells = "  ".join(f"{ms:>{width}.1f}" for ms, (_, width) in zip(row, COLUMNS, strict=True))
        print(f"{name:<10} {count:>7}  {cells}")
    print(f"milliseconds, median of {REPEATS}")


if __name__ == "__main__":
    main()
