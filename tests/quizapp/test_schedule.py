"""Spaced repetition: grades to FSRS ratings, cards replayed by `fsrs` itself, the interview date, the
daily limit on new cards, and past sessions counted as reviews when the database is upgraded."""

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from quizapp.bank import Bank, load_bank
from quizapp.practice import Practice
from quizapp.schedule.deck import Deck, Key
from quizapp.schedule.grades import explain_rating, predict_rating, rating_for, required_items
from quizapp.schedule.readiness import topic_readiness
from quizapp.store import ReviewRecord, Store
from tests.quizapp.report.sessions import answer_fully, fast_questions

BANK = load_bank()
QUESTION = BANK.questions[0]
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


def review(facet: str, at: datetime, score: float, question=QUESTION, ticks=None) -> ReviewRecord:
    every = [item.id for item in question.rubric]
    return ReviewRecord(
        question_id=question.id,
        facet=facet,
        reviewed_at=at.isoformat(),
        score=score,
        ticks=every if ticks is None and facet == "explain" else ticks,
    )


@pytest.mark.parametrize(
    ("score", "missed", "seconds", "expected"),
    [
        (0.4, False, None, Rating.Again),
        (0.9, True, None, Rating.Again),  # a required item missed is a lapse, whatever the rest
        (0.5, False, None, Rating.Hard),
        (0.79, False, None, Rating.Hard),
        (0.8, False, None, Rating.Good),
        (1.0, False, 600.0, Rating.Good),  # full marks, slowly
        (1.0, False, 60.0, Rating.Easy),  # full marks, quickly, no hints
    ],
)
def test_rubric_scores_map_to_ratings_and_hard_is_never_a_lapse(score, missed, seconds, expected):
    assert explain_rating(score, required_missed=missed, seconds=seconds) == expected
    assert explain_rating(1.0, required_missed=False, seconds=60.0, hints=1) == Rating.Good  # a hint costs Easy


def test_a_prediction_is_again_when_wrong_and_good_when_right():
    assert predict_rating(False) == Rating.Again and predict_rating(True) == Rating.Good


def test_the_required_items_are_the_heaviest_and_missing_one_is_a_lapse():
    required = required_items(QUESTION.rubric)
    heaviest = max(item.weight for item in QUESTION.rubric)
    assert required == {item.id for item in QUESTION.rubric if item.weight == heaviest}
    others = [item.id for item in QUESTION.rubric if item.id not in required]
    assert rating_for("explain", 0.85, ticked=others, rubric=QUESTION.rubric) == Rating.Again


def test_a_card_is_what_fsrs_itself_makes_of_the_same_history():
    """A scripted fortnight of reviews: the deck's due dates are the ones `fsrs` gives for the same ratings."""
    history = [(0, 1.0), (0.01, 0.0), (1, 1.0), (4, 1.0), (12, 1.0)]  # (day, prediction right)
    reviews = [review("predict", START + timedelta(days=d), s) for d, s in history]
    deck = Deck(BANK, reviews)
    scheduler, card = Scheduler(enable_fuzzing=False), None
    for day, score in history:
        at = START + timedelta(days=day)
        card, _ = scheduler.review_card(
            card or Card(due=at), Rating.Good if score else Rating.Again, review_datetime=at
        )
    ours = deck.cards[Key(QUESTION.id, "predict")]
    assert ours is not None and ours.due == card.due and ours.stability == pytest.approx(card.stability)
    assert deck.cards[Key(QUESTION.id, "explain")] is None  # never reviewed: a new card


def test_due_cards_come_most_overdue_first_then_the_new_ones_of_the_day():
    second = BANK.questions[1]
    reviews = [review("predict", START, 0.0), review("predict", START - timedelta(days=3), 0.0, question=second)]
    deck = Deck(BANK, reviews, new_per_day=3)
    due = deck.due(START + timedelta(days=1))
    assert due[:2] == [Key(second.id, "predict"), Key(QUESTION.id, "predict")]
    assert len(due) == 2 + 3 and all(deck.cards[key] is None for key in due[2:])


def test_a_new_learners_first_cards_go_round_the_topics():
    new = Deck(BANK, []).new_today(START)
    topics = [BANK.get(key.question_id).topic for key in new[::2]]
    assert len(new) == 10 and new[0].question_id == new[1].question_id  # a question's two cards together
    assert len(set(topics)) == 5  # five questions, five topics


def test_the_daily_limit_counts_the_cards_started_today():
    today = [review("explain", START, 0.9, question=q) for q in BANK.questions[:4]]
    deck = Deck(BANK, today, new_per_day=6)
    assert len(deck.new_today(START + timedelta(hours=2))) == 2
    assert len(deck.new_today(START + timedelta(days=1))) == 6


def test_nothing_due_after_the_interview_is_left_unreviewed_before_it():
    reviews = [review("explain", START + timedelta(days=d), 1.0) for d in (0, 1, 3)]
    free = Deck(BANK, reviews)
    key = Key(QUESTION.id, "explain")
    interview = (free.due_at(key) - timedelta(days=2)).date()
    capped = Deck(BANK, reviews, interview=interview)
    assert free.due_at(key).date() > interview
    assert capped.due_at(key) == datetime.combine(interview - timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def test_the_forecast_counts_the_week_ahead():
    reviews = [review("predict", START, 1.0), review("explain", START, 1.0)]
    week = Deck(BANK, reviews).forecast(START + timedelta(hours=1))
    assert [day for day, _ in week] == [date(2026, 12, 1) + timedelta(days=i) for i in range(7)]
    assert sum(count for _, count in week) == 2  # both cards fall due within the week


#: Schemas 5 and 6 taken off again: what a database written by the previous version holds.
DOWN_TO_4 = """
DROP TABLE settings;
DROP TABLE follow_up_answers;
ALTER TABLE sessions DROP COLUMN kind;
ALTER TABLE sessions DROP COLUMN minutes;
ALTER TABLE attempts DROP COLUMN hints;
PRAGMA user_version = 4;
"""


def test_an_upgrade_from_the_previous_version_keeps_sessions_and_reviews(tmp_path):
    """A database of the version before mock interviews, with real sessions and their reviews."""
    db = tmp_path / "s.db"
    with Store(db) as store:
        practice = Practice.start(store, BANK, "before", fast_questions(BANK, 2))
        answer_fully(practice, "fewer updates per epoch", right=True, confidence="certain")
        answer_fully(practice, "", right=False, confidence=None)
        before_sessions = [s.model_dump() for s in store.sessions()]
        before_reviews = store.reviews()
    with sqlite3.connect(db) as raw:
        raw.executescript(DOWN_TO_4)
    with Store(db) as store:
        assert [s.model_dump() for s in store.sessions()] == before_sessions  # kind practice, no hints
        assert store.reviews() == before_reviews
        after, before = Deck(BANK, store.reviews()), Deck(BANK, before_reviews)
    assert {k: (c.due, c.stability) for k, c in after.cards.items() if c} == {
        k: (c.due, c.stability) for k, c in before.cards.items() if c
    }


def test_an_upgrade_counts_past_sessions_as_reviews(tmp_path):
    """A real session saved before scheduling existed: the upgrade turns its attempts into reviews."""
    db = tmp_path / "s.db"
    with Store(db) as store:
        practice = Practice.start(store, BANK, "before", fast_questions(BANK, 2))
        answer_fully(practice, "fewer updates per epoch", right=True, confidence="certain")
        answer_fully(practice, "", right=False, confidence=None)
        recorded = [(r.question_id, r.facet, r.score) for r in store.reviews()]
    with sqlite3.connect(db) as raw:  # back to the schema before scheduling, sessions untouched
        raw.executescript(DOWN_TO_4 + "DROP TABLE reviews; PRAGMA user_version = 3;")
    with Store(db) as store:
        upgraded = store.reviews()
        assert len(store.sessions()) == 1 and len(store.sessions()[0].attempts) == 2
    assert sorted((r.question_id, r.facet, r.score) for r in upgraded) == sorted(recorded)
    assert {r.source for r in upgraded} == {"upgrade"} and len(upgraded) == 4
    deck = Deck(BANK, upgraded)
    first = fast_questions(BANK, 1)[0]
    assert deck.cards[Key(first.id, "predict")] is not None


def test_readiness_names_the_weakest_measure_of_a_topic():
    topic = BANK.by_topic()["warmup"][:2]
    bank = Bank(questions=topic)
    good = [review(f, START, 1.0, question=q) for q in topic for f in ("explain", "predict")]
    ready = topic_readiness(Deck(bank, good), START + timedelta(hours=1))[0]
    assert ready.statement == "ready" and ready.seen == ready.cards == 4
    weak = [*good[:-1], review("predict", START, 0.0, question=topic[1])]
    line = topic_readiness(Deck(bank, weak), START + timedelta(hours=1))[0]
    assert line.statement == "not yet" and line.reason.startswith("predictions right 50%")
    fresh = topic_readiness(Deck(bank, []), START)[0]
    assert fresh.statement == "not yet" and fresh.reason.startswith("0 of 4 cards seen")


def test_a_simulated_week_brings_each_question_back_when_fsrs_says(tmp_path, monkeypatch):
    """Day 0: two questions, both right. Day 1 they are due (FSRS's learning step passed) and are right
    again, which graduates them: nothing is due the rest of the week, unless an interview comes first."""
    import quizapp.store

    clock = {"now": START}
    monkeypatch.setattr(quizapp.store, "now", lambda: clock["now"].isoformat(timespec="milliseconds"))
    questions = fast_questions(BANK, 2)
    db = tmp_path / "s.db"

    def study(day: int) -> None:
        clock["now"] = START + timedelta(days=day)
        with Store(db) as store:
            practice = Practice.start(store, BANK, f"day {day}", questions)
            for question in questions:
                every = [item.id for item in question.rubric]
                answer_fully(practice, question.model_answer, right=True, confidence="certain", ticks=every)

    def deck() -> Deck:
        with Store(db) as store:
            return Deck(BANK, store.reviews(), new_per_day=0)

    study(0)
    assert deck().due(START + timedelta(hours=1)) != []  # the learning step: back within the hour
    assert {key.question_id for key in deck().due(START + timedelta(days=1))} == {q.id for q in questions}
    study(1)
    after = deck()
    keys = [Key(q.id, facet) for q in questions for facet in ("explain", "predict")]
    graduated = min(after.due_at(key) for key in keys)
    assert graduated > START + timedelta(days=7)  # reviewed twice, right: more than a week away, not minutes
    assert after.due(START + timedelta(days=6)) == []
    assert [count for _, count in after.forecast(START + timedelta(days=1, hours=1))] == [0] * 7
    reviews = [r for rs in after.reviews.values() for r in rs]
    capped = Deck(BANK, reviews, interview=date(2026, 12, 4))  # the interview comes first: review the day before
    assert all(capped.due_at(key) <= datetime(2026, 12, 3, tzinfo=UTC) for key in keys)


def test_a_question_whose_text_changed_keeps_its_progress_and_is_pointed_out(tmp_path):
    question = fast_questions(BANK, 1)[0]
    with Store(tmp_path / "s.db") as store:
        answer_fully(Practice.start(store, BANK, "t", [question]), "", right=True, confidence=None)
        reviews = store.reviews()
    assert Deck(BANK, reviews).changed() == []
    edited = question.model_copy(update={"prompt": question.prompt + " (reworded)"})
    bank = Bank(questions=[edited if q.id == question.id else q for q in BANK.questions])
    deck = Deck(bank, reviews)
    assert deck.changed() == [question.id]
    assert deck.cards[Key(question.id, "predict")] is not None  # progress kept, not reset
