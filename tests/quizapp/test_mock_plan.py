"""A mock interview's plan, clock, hints and debrief, without the terminal."""

from datetime import UTC, datetime, timedelta

import pytest

from quizapp import cli, mock
from quizapp.bank import Bank, load_bank
from quizapp.debrief import debrief
from quizapp.mock import MockClock, MockPlan, clock_text, hint, pace, plan_mock, priority
from quizapp.practice import Practice
from quizapp.progress import session_summary
from quizapp.schedule.deck import Deck, Key
from quizapp.schedule.grades import HINT_COST, after_hints, explain_rating
from quizapp.store import ReviewRecord, Store

BANK = load_bank()
NOW = datetime(2026, 12, 10, 9, tzinfo=UTC)


def reviewed(question_id: str, score: float, days_ago: float) -> list[ReviewRecord]:
    at = (NOW - timedelta(days=days_ago)).isoformat()
    question = BANK.get(question_id)
    ticks = [item.id for item in question.rubric] if score >= 1 else []
    return [
        ReviewRecord(question_id=question_id, facet="explain", reviewed_at=at, score=score, ticks=ticks),
        ReviewRecord(question_id=question_id, facet="predict", reviewed_at=at, score=1.0 if score >= 1 else 0.0),
    ]


def test_a_first_mock_spans_as_many_topics_as_it_has_questions():
    for minutes, count in ((30, 5), (45, 7)):
        plan = plan_mock(Deck(BANK, []), NOW, minutes, seed=1)
        topics = [BANK.get(q).topic for q in plan.question_ids]
        assert len(plan.question_ids) == count and len(set(topics)) == count
        assert plan.seconds_per_question == pytest.approx(minutes * 60 / count)
    # ties break at random: two first mocks are different interviews
    assert plan_mock(Deck(BANK, []), NOW, 30, seed=1) != plan_mock(Deck(BANK, []), NOW, 30, seed=2)


def test_due_and_weak_questions_come_first():
    by_topic = BANK.by_topic()
    topic = next(t for t, qs in by_topic.items() if len(qs) >= 3)
    strong, weak, fresh = by_topic[topic][:3]
    overdue = next(q for t, qs in by_topic.items() if t != topic for q in qs)
    history = reviewed(strong.id, 1.0, 1) + reviewed(weak.id, 0.0, 1) + reviewed(overdue.id, 0.0, 5)
    deck = Deck(BANK, history)
    # all three are due (FSRS's first steps are minutes); the weak one outranks the strong one
    assert priority(deck, weak, NOW) > priority(deck, strong, NOW) > priority(deck, fresh, NOW)
    plan = plan_mock(deck, NOW, 30, seed=0)
    assert plan.question_ids[0] == overdue.id  # lapsed five days ago: the most overdue, and weak
    assert weak.id in plan.question_ids and strong.id not in plan.question_ids  # one per topic: the weaker


def test_a_question_answered_within_hours_is_left_out_unless_nothing_else_remains():
    just_done = BANK.questions[0]
    deck = Deck(BANK, reviewed(just_done.id, 0.0, 0.1))  # lapsed 2.4 hours ago: due again, and weak
    assert priority(deck, just_done, NOW) > priority(deck, BANK.questions[1], NOW)
    assert just_done.id not in plan_mock(deck, NOW, 45, seed=0).question_ids
    one_topic = BANK.by_topic()[just_done.topic]
    small = Bank(questions=one_topic[:5])
    assert just_done.id in plan_mock(Deck(small, deck.reviews[Key(just_done.id, "explain")]), NOW, 30).question_ids


def test_the_timer_turns_amber_then_red_and_follow_ups_stop_with_the_time():
    t = [0.0]
    clock = MockClock(MockPlan(minutes=30, question_ids=["a", "b", "c", "d", "e"]), now=lambda: t[0])
    assert clock.budget == 360 and clock.pace() == "ok" and clock.go_deeper(0, 2)
    t[0] = 0.75 * 360
    assert clock.pace() == "amber" and clock.go_deeper(1, 2) and not clock.go_deeper(2, 2)
    t[0] = 360
    assert clock.pace() == "red" and not clock.go_deeper(0, 2)
    clock.next_question()
    assert clock.pace() == "ok" and clock_text(clock.left()) == "24:00"
    t[0] = 31 * 60
    assert clock.pace() == "red" and clock_text(clock.left()) == "-1:00" and not clock.go_deeper(0, 2)
    assert pace(10, 100) == "ok" and pace(80, 100) == "amber" and pace(100, 100) == "red"


def test_hints_never_give_the_prediction_away_and_cost_points():
    for question in BANK.questions:
        given = mock.hints(question)
        assert len(given) <= mock.MAX_HINTS and hint(question, len(given)) is None
        said = " ".join(given).lower()
        if question.prediction.kind == "number":
            assert not any(ch.isdigit() for ch in said), question.id
        for choice in question.prediction.choices or []:
            assert f" {choice.lower()} " not in f" {said} ", (question.id, choice)
    with_hints = sum(bool(mock.hints(q)) for q in BANK.questions)
    assert with_hints >= 0.9 * len(BANK.questions)  # nearly every question still has one
    question = BANK.get("epochs-double-descent-one-speed")  # its heaviest item says the answer: no
    assert hint(question, 0) == max(question.rubric[1:], key=lambda item: item.weight).criterion
    assert after_hints(0.9, 2) == pytest.approx(0.9 - 2 * HINT_COST) and after_hints(0.1, 2) == 0
    # the full marks that would be Easy are not, with a hint; and 85% less one hint is Hard
    assert explain_rating(1.0, required_missed=False, seconds=60, hints=1).name == "Good"
    assert explain_rating(0.85, required_missed=False, hints=1).name == "Hard"


def test_a_mock_ended_later_counts_only_the_time_spent(tmp_path, monkeypatch):
    """Closed mid-question and reopened an hour later: the hour away is not time used."""
    import quizapp.store

    moments = iter(f"2026-12-10T09:{m:02d}:00.000+00:00" for m in (0, 0, 2, 3, 3, 3))
    monkeypatch.setattr(quizapp.store, "now", lambda: next(moments, "2026-12-10T10:30:00.000+00:00"))
    question = BANK.questions[0]
    with Store(tmp_path / "s.db") as store:
        practice = Practice.start(store, BANK, "mock", [question], kind="mock", minutes=30)  # 09:00
        practice.attempt_id  # noqa: B018 - shown at 09:00
        practice.save_answer("An answer.")  # 09:02
        practice.lock(True if question.prediction.kind == "bool" else question.prediction.choices[0])  # 09:03
        practice.lock_answer("An answer.")  # 09:03
        practice.end()  # 10:30, on reopening
        report = debrief(store.session(practice.record.id), BANK)
    assert report.rows[0].seconds == 180 and report.seconds_used == 180


def test_the_command_line_offers_the_lengths_the_mock_knows():
    assert cli.LENGTHS == mock.LENGTHS


def test_the_debrief_tells_skipped_from_not_reached_and_scores_topics_once_graded(tmp_path):
    questions = BANK.questions[:3]
    with Store(tmp_path / "s.db") as store:
        practice = Practice.start(store, BANK, "mock", questions, kind="mock", minutes=30)
        practice.save_answer("Fewer updates per epoch.")
        practice.take_hint()
        practice.lock(questions[0].prediction.choices[0] if questions[0].prediction.choices else 1.0)
        practice.lock_answer("Fewer updates per epoch.")
        practice.ask_follow_up(0)
        practice.save_follow_up_answer(0, "Because of the noise.")
        practice.finish_question()
        practice.attempt_id  # noqa: B018 - the second question is shown, then passed over
        practice.finish_question()
        practice.end()
        report = debrief(store.session(practice.record.id), BANK)
        assert [r.outcome for r in report.rows] == ["running", "skipped", "not reached"]
        first = report.rows[0]
        assert (first.hints, first.follow_ups_asked, first.follow_ups_answered) == (1, 1, 1)
        assert report.ungraded == 1 and report.running == 1
        assert report.topics[0].score is None  # not graded yet
        practice.seek(0)
        score = practice.grade([item.id for item in questions[0].rubric])
        report = debrief(store.session(practice.record.id), BANK)
        assert score == 1.0 and report.rows[0].score == pytest.approx(1.0 - HINT_COST)
        assert report.ungraded == 0 and report.topics[0].rubric == pytest.approx(1.0 - HINT_COST)
        # passed over: shown as skipped and left out of every average, as the sessions list and reports do
        assert report.rows[1].score is None and (report.answered, report.skipped) == (1, 1)
        assert report.rubric == pytest.approx(1.0 - HINT_COST) and report.topics[0].questions == 1
        summary = session_summary(store.session(practice.record.id), BANK)
        assert (summary.answered, summary.average_score) == (1, report.rubric)
        explain = [r for r in store.reviews() if r.facet == "explain"]
        assert [(r.source, r.hints) for r in explain] == [("mock", 1)]
