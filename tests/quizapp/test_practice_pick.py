"""Which questions a new session serves: a topic is worked through, not its first five again and again."""

from quizapp.bank import load_bank
from quizapp.practice import Practice, last_practised, pick_questions
from quizapp.store import Store

BANK = load_bank()


def test_unpractised_questions_come_first_then_the_oldest(tmp_path):
    topic = "batch-size"
    everything = [q.id for q in BANK.by_topic()[topic]]
    with Store(tmp_path / "s.db") as store:
        served: list[str] = []
        for _ in range(3):
            practised = last_practised(store.session_overviews())
            questions = pick_questions(BANK, topic, 5, practised=practised)
            practice = Practice.start(store, BANK, topic, questions)
            while True:
                practice.save_answer("x")
                if not practice.next():
                    break
            served += [q.id for q in questions]
    # Every question once before any comes back, then the ones practised longest ago.
    assert 5 < len(everything) < 15, "the check needs a topic that three sessions of five go round"
    assert served[: len(everything)] == everything
    again = served[len(everything) :]
    assert set(again) <= set(everything) and len(set(served[10:])) == 5  # no question twice in one session
    assert served[len(everything)] in everything[:5]  # the first to come back was practised in the first session


def test_a_mixed_set_prefers_what_was_never_practised():
    practised = {q.id: "2026-01-01" for q in BANK.questions[:-3]}
    picked = pick_questions(BANK, None, 5, seed=1, practised=practised)
    assert {q.id for q in picked[:3]} == {q.id for q in BANK.questions[-3:]}
