"""Readiness over the days, and the review heatmap: what a learner would notice from a few days of study."""

from datetime import UTC, date, datetime, timedelta

import pytest

from quizapp.bank import load_bank
from quizapp.schedule.deck import Deck
from quizapp.schedule.readiness import topic_readiness
from quizapp.schedule.trend import is_lapse, readiness_by_day, review_heatmap
from quizapp.store import ReviewRecord, Store
from tests.quizapp.report.reviews import Clock, study

BANK = load_bank()
START = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday
TOPICS = BANK.by_topic()
A, B, C = "batch-size", "learning-rate", "optimizers"


@pytest.fixture
def history(tmp_path, monkeypatch):
    """Day 0: a question of topic A and one of B, right. Day 4, a mock interview: the same question of B, right, and a
    first one of C, its prediction wrong. Day 8: A's question again."""
    clock = Clock(START).install(monkeypatch)
    a, b, c = TOPICS[A][0], TOPICS[B][0], TOPICS[C][0]
    with Store(tmp_path / "s.db") as store:
        clock.day(0)
        study(store, [a, b])
        clock.day(4)
        study(store, [b, c], right=[True, False], source="mock")
        clock.day(8)
        study(store, [a])
        yield store.reviews()


def test_recall_falls_between_reviews_and_rises_after_one(history):
    days = readiness_by_day(BANK, history)
    assert [d.day for d in days] == [date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 24)]
    a = [d.topic(A).recall for d in days]
    b = [d.topic(B).recall for d in days]
    assert a[1] < a[0] and a[2] > a[1]  # A fades over the four days without it, comes back when reviewed
    assert b[2] < b[1]  # B, reviewed on day 4, fades by day 8
    day_4_end = datetime(2026, 11, 21, tzinfo=UTC)
    untouched = topic_readiness(Deck(BANK, [r for r in history if r.reviewed_at < "2026-11-17"]), day_4_end)
    assert b[1] > next(t for t in untouched if t.topic == B).recall  # above where it would be without day 4
    assert days[0].topic(C).seen == 0 and days[0].topic(C).recall == 0.0 and days[1].topic(C).seen == 2
    assert days[1].topic(C).predictions == 0.0 and days[1].topic(C).rubric == 1.0


def test_a_mock_day_is_marked_and_each_day_counts_its_reviews(history):
    days = readiness_by_day(BANK, history)
    assert [d.had_mock for d in days] == [False, True, False]
    assert [d.reviews for d in days] == [4, 4, 2]  # two cards per question


def test_each_day_is_what_a_deck_of_the_reviews_so_far_says_at_its_end(history):
    days = readiness_by_day(BANK, history)
    for day in days:
        end = datetime.combine(day.day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        so_far = [r for r in history if datetime.fromisoformat(r.reviewed_at) < end]
        assert day.topics == topic_readiness(Deck(BANK, so_far), end)
    assert readiness_by_day(BANK, history, days=2) == days[1:]  # earlier days still count for the cards
    assert readiness_by_day(BANK, []) == []


def test_the_heatmap_counts_reviews_and_lapses_per_day_in_week_columns(history):
    today = date(2026, 11, 26)  # a Thursday
    heat = review_heatmap(history, today, weeks=3)
    assert [w.start for w in heat.weeks] == [date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    assert all(w.start.weekday() == 0 for w in heat.weeks)
    assert [len(w.days) for w in heat.weeks] == [7, 7, 4]  # the current week stops at today
    by_day = {d.day: d for d in heat.days}
    assert (by_day[date(2026, 11, 16)].reviews, by_day[date(2026, 11, 16)].lapses) == (4, 0)
    mock = by_day[date(2026, 11, 20)]
    assert (mock.reviews, mock.lapses, mock.mock) == (4, 1, True)  # the wrong prediction is a lapse
    assert mock.label == "2026-11-20: 4 reviews, 1 lapse, mock interview"
    assert by_day[date(2026, 11, 17)].label == "2026-11-17: 0 reviews, 0 lapses"
    assert heat.busiest == 4 and mock.level == 4 and by_day[date(2026, 11, 24)].level == 2
    assert by_day[date(2026, 11, 17)].level == 0
    assert sum(d.reviews for d in review_heatmap(history, today, weeks=1).days) == 2  # only this week's day 8


def test_a_review_without_a_rating_is_a_lapse_by_its_score():
    def old(facet: str, score: float, rating: int | None = None) -> ReviewRecord:
        return ReviewRecord(question_id="q", facet=facet, reviewed_at=START.isoformat(), score=score, rating=rating)

    assert is_lapse(old("explain", 0.4)) and not is_lapse(old("explain", 0.5))
    assert is_lapse(old("predict", 0.0)) and not is_lapse(old("predict", 1.0))
    assert is_lapse(old("explain", 0.9, rating=1)) and not is_lapse(old("predict", 0.0, rating=3))  # the rating rules


def test_an_empty_history_makes_an_empty_heatmap():
    heat = review_heatmap([], date(2026, 11, 26))
    assert len(heat.weeks) == 12 and heat.busiest == 0 and {d.level for d in heat.days} == {0}
