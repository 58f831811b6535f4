"""What a learner has done so far, per topic, read from the stored sessions."""

from __future__ import annotations

import json
import statistics

from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.store import Store


class TopicProgress(BaseModel):
    topic: str
    questions: int
    seen: int = 0
    average_score: float | None = None
    predictions: int = 0
    predictions_right: int = 0


def topic_progress(store: Store, bank: Bank) -> list[TopicProgress]:
    topics = {topic: TopicProgress(topic=topic, questions=len(qs)) for topic, qs in bank.by_topic().items()}
    seen: dict[str, set[str]] = {topic: set() for topic in topics}
    scores: dict[str, list[float]] = {topic: [] for topic in topics}
    for session in store.sessions():
        for attempt in session.attempts:
            try:
                topic = bank.get(attempt.question_id).topic
            except KeyError:  # a question since removed from the bank
                continue
            seen[topic].add(attempt.question_id)
            if attempt.score is not None:
                scores[topic].append(attempt.score)
            if attempt.verdict:
                correct = json.loads(attempt.verdict).get("correct")
                if correct is not None:
                    topics[topic].predictions += 1
                    topics[topic].predictions_right += bool(correct)
    for topic, entry in topics.items():
        entry.seen = len(seen[topic])
        entry.average_score = statistics.fmean(scores[topic]) if scores[topic] else None
    return sorted(topics.values(), key=lambda t: t.topic)
