"""`quizapp due`, `quizapp stats` and `quizapp plan`: the schedule, readiness and the study plan, in the shell."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

from quizapp.bank import BankError, load_bank
from quizapp.formatting import count
from quizapp.schedule.deck import Deck
from quizapp.schedule.plan import PlanError, StudyPlan
from quizapp.schedule.readiness import topic_readiness
from quizapp.store import Store, StoreError


def _deck(bank_path: Path | None, db: Path | None, interview: date | None, new_per_day: int | None) -> Deck:
    """The schedule under the stored study plan, with what the command line says taking its place."""
    bank = load_bank(bank_path) if bank_path else load_bank()
    with Store(db) as store:
        reviews = store.reviews()
        plan = StudyPlan.from_settings(store.settings())
    return Deck(
        bank,
        reviews,
        interview=interview or plan.interview,
        new_per_day=plan.new_per_day if new_per_day is None else new_per_day,
    )


def due(
    bank_path: Path | None,
    db: Path | None,
    interview: date | None = None,
    new_per_day: int | None = None,
    now: datetime | None = None,
) -> int:
    try:
        deck = _deck(bank_path, db, interview, new_per_day)
    except (BankError, StoreError, PlanError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    moment = now or datetime.now(UTC)
    cards = deck.due(moment)
    new = sum(deck.cards[key] is None for key in cards)
    questions = len({key.question_id for key in cards})
    print(
        f"Due now: {count(len(cards), 'card')} in {count(questions, 'question')} "
        f"({count(len(cards) - new, 'review')}, {new} new; new cards {deck.new_per_day} a day)"
    )
    if deck.interview is not None:
        left = (deck.interview - moment.date()).days
        print(
            f"Interview on {deck.interview.isoformat()} (in {count(left, 'day')}): reviews that would fall on it "
            "or after come the day before."
        )
    by_topic = deck.due_by_topic(moment)
    if by_topic:
        width = max(len(t) for t in by_topic)
        print()
        print(f"{'topic':{width}s}  due")
        for topic in deck.bank.by_topic():
            if topic in by_topic:
                print(f"{topic:{width}s}  {by_topic[topic]:3d}")
    print()
    week = deck.forecast(moment)
    print("Next 7 days: " + "  ".join(f"{'today' if i == 0 else f'{day:%a}'} {n}" for i, (day, n) in enumerate(week)))
    changed = deck.changed()
    if changed:
        print(f"Changed since you last reviewed them (progress kept): {', '.join(changed)}")
    return 0


def stats(bank_path: Path | None, db: Path | None, now: datetime | None = None) -> int:
    try:
        deck = _deck(bank_path, db, None, None)
    except (BankError, StoreError, PlanError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines = topic_readiness(deck, now or datetime.now(UTC))
    width = max(len(line.topic) for line in lines)
    print(f"{'topic':{width}s}  {'seen':>7s}  recall  predictions  rubric  readiness")
    for line in lines:
        predictions = "-" if line.predictions is None else f"{line.predictions:.0%}"
        rubric = "-" if line.rubric is None else f"{line.rubric:.0%}"
        seen = f"{line.seen}/{line.cards}"
        print(
            f"{line.topic:{width}s}  {seen:>7s}  {line.recall:6.0%}  {predictions:>11s}  {rubric:>6s}  {line.statement}"
        )
    print()
    for line in lines:  # the reasons on lines of their own: the table stays within 80 columns
        print(f"{line.topic}: {line.statement}; {line.reason}.")
    return 0


def plan(db: Path | None, interview: str | None, new_per_day: int | None) -> int:
    """Show the study plan, changing what is given first (`--interview none` clears the date)."""
    try:
        with Store(db) as store:
            current = StudyPlan.from_settings(store.settings())
            if interview is not None or new_per_day is not None:
                changes: dict[str, object] = {}
                if interview is not None:
                    changes["interview"] = None if interview == "none" else interview
                if new_per_day is not None:
                    changes["new_per_day"] = new_per_day
                current = StudyPlan.from_settings({**current.model_dump(mode="json"), **changes})
                store.save_settings(current.settings())
    except (StoreError, PlanError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    when = "none set" if current.interview is None else current.interview.isoformat()
    print(f"Interview: {when}\nNew cards a day: {current.new_per_day}")
    return 0
