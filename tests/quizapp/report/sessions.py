"""Real stored sessions for report tests: questions answered through `Practice`, simulations really run."""

from __future__ import annotations

from pathlib import Path

from quizapp.bank import Bank, load_bank
from quizapp.grading import PredictionValue, suggested_for
from quizapp.models import Question
from quizapp.practice import Practice
from quizapp.report.bench import prediction_for
from quizapp.store import Store
from sims.registry import get
from sims.result import SimResult

#: Bank questions with cheap simulations (under a second each on a laptop CPU), four different sims;
#: the learning-rate sweep has a rate that diverges.
FAST = ("bs-updates-per-epoch-10k", "lr-grid-first-divergence", "epochs-val-loss-turns-up", "lr-range-test-overshoot")
_RESULTS: dict[str, SimResult] = {}


def fast_questions(bank: Bank, count: int) -> list[Question]:
    return [bank.get(FAST[i % len(FAST)]) for i in range(count)]


def run_once(question: Question) -> SimResult:
    """Each question's real run, cached so many sessions do not retrain the same model."""
    if question.id not in _RESULTS:
        sim = get(question.simulation.name)
        _RESULTS[question.id] = sim.run(question.simulation.params, seeds=(0, 1, 2))
    return _RESULTS[question.id]


def wrong_value(question: Question, result: SimResult) -> PredictionValue:
    observed = result.observable(question.prediction.observable, question.prediction.variant).value
    return prediction_for(question, observed, right=False)


def answer_fully(
    practice: Practice, answer: str, *, right: bool, confidence: str | None, ticks: list[str] | None = None
) -> None:
    """Lock a prediction, run the real simulation, write an answer, tick the given rubric items (by default
    the suggested ones)."""
    question = practice.question
    result = run_once(question)
    observed = result.observable(question.prediction.observable, question.prediction.variant).value
    value = prediction_for(question, observed, right=right)
    practice.lock(value, confidence)
    practice.record_run("finished", result, value)
    practice.save_answer(answer)
    practice.grade(ticks if ticks is not None else sorted(suggested_for(question, answer)) or [question.rubric[0].id])
    practice.next()


def mixed_session(db: Path, count: int = 4) -> tuple[Store, Bank, int]:
    """A finished session: right and wrong predictions, sure and unsure, with written answers."""
    bank = load_bank()
    store = Store(db)
    practice = Practice.start(store, bank, "mixed", fast_questions(bank, count))
    levels = [None, "guessing", "fairly sure", "certain"]
    for index in range(count):
        cue = " ".join(practice.question.rubric[0].cues[:1])
        answer_fully(practice, f"Answer {index}: {cue}", right=index % 2 == 0, confidence=levels[index % 4])
    return store, bank, practice.record.id
