"""Progress reads only scores, verdicts and times, so the light overviews give the same numbers as full records."""

from quizapp.bank import load_bank
from quizapp.progress import calibration, session_summary, topic_progress
from quizapp.store import Store


def test_progress_from_overviews_equals_progress_from_full_records(tmp_path):
    bank = load_bank()
    by_topic = bank.by_topic()
    one, other = sorted(by_topic)[:2]
    ids = [by_topic[one][0].id, by_topic[one][1].id, by_topic[other][0].id]
    with Store(tmp_path / "s.db") as store:
        done = store.start_session(one, ids)
        for position, (question, verdict, score) in enumerate(
            zip(ids, ['{"correct": true}', '{"correct": false}', None], [1.0, 0.25, None], strict=True)
        ):
            attempt = store.start_attempt(done, position, question)
            store.lock_prediction(attempt, "16", ("certain", None, "guessing")[position])
            store.save_run(attempt, "finished" if verdict else "failed", '{"series": []}' if verdict else None, verdict)
            if score is not None:
                store.save_ticks(attempt, ["a"], score)
            store.finish_attempt(attempt)
        store.finish_session(done)
        left = store.start_session("mixed", [ids[2], "removed-from-the-bank"])
        store.save_ticks(store.start_attempt(left, 0, ids[2]), [], 0.5)
        store.start_attempt(left, 1, "removed-from-the-bank")
        overviews, full = store.session_overviews(), store.sessions()
    assert topic_progress(overviews, bank) == topic_progress(full, bank)
    seen = {t.topic: (t.seen, t.predictions_right, t.predictions) for t in topic_progress(overviews, bank)}
    assert seen[one] == (2, 1, 2) and seen[other] == (1, 0, 0)
    finished = [session_summary(s, bank) for s in (overviews[1], full[1])]
    assert finished[0] == finished[1] and finished[0].average_score == 0.625
    unfinished = [session_summary(s, bank).model_dump(exclude={"minutes"}) for s in (overviews[0], full[0])]
    assert unfinished[0] == unfinished[1]  # minutes run on until now for an unfinished session
    attempts = [a for s in overviews for a in s.attempts]
    assert calibration(attempts) == calibration([a for s in full for a in s.attempts])
