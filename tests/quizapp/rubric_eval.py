"""How far the rubric suggestions can be trusted, measured on labelled example answers.

`tests/quizapp/data/` holds answers a learner might write to shipped questions, each labelled
with the rubric items a fair grader would tick (`covers`) and with its kind: good, partial,
wrong, negated (says the opposite), echo (restates the prompt) or paraphrase (right, without
the obvious words). Two sets, on different questions: `tuned`, which the cues and the concept
table were worked on, and `held-out`, written from the criteria alone by a writer who never saw
the cues and never looked at while cues were written: its figures are the honest ones. A
suggestion is a true positive when the item is in `covers`, a false positive when not; an item
in `covers` not suggested is a miss.

    python -m tests.quizapp.rubric_eval            # precision and recall per set and kind, time per answer
    python -m tests.quizapp.rubric_eval --misses   # and every answer whose suggestions differ from its labels
"""

from __future__ import annotations

import sys
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from quizapp.bank import Bank, load_bank
from quizapp.grading import suggested_for

DATA = Path(__file__).parent / "data"
SETS = {"tuned": DATA / "rubric_answers.toml", "held-out": DATA / "rubric_answers_heldout.toml"}
KINDS = ("good", "partial", "wrong", "negated", "echo", "paraphrase")


@dataclass(frozen=True)
class Labelled:
    question: str
    kind: str
    text: str
    covers: frozenset[str]


@dataclass
class Tally:
    true: int = 0
    false: int = 0
    missed: int = 0

    @property
    def precision(self) -> float:
        return self.true / (self.true + self.false) if self.true + self.false else 1.0

    @property
    def recall(self) -> float:
        return self.true / (self.true + self.missed) if self.true + self.missed else 1.0


def load(path: Path = SETS["tuned"]) -> list[Labelled]:
    rows = tomllib.loads(path.read_text(encoding="utf-8"))["answers"]
    return [Labelled(r["question"], r["kind"], r["text"], frozenset(r.get("covers", []))) for r in rows]


def score(bank: Bank, answers: list[Labelled]) -> tuple[Tally, dict[str, Tally], list[tuple[Labelled, set[str]]]]:
    """The overall tally, one per kind, and the answers whose suggestions differ from their labels."""
    total, by_kind, wrong = Tally(), defaultdict(Tally), []
    for answer in answers:
        suggested = suggested_for(bank.get(answer.question), answer.text)
        for tally in (total, by_kind[answer.kind]):
            tally.true += len(suggested & answer.covers)
            tally.false += len(suggested - answer.covers)
            tally.missed += len(answer.covers - suggested)
        if suggested != answer.covers:
            wrong.append((answer, suggested))
    return total, dict(by_kind), wrong


def report(name: str, bank: Bank, answers: list[Labelled], misses: bool) -> None:
    started = time.perf_counter()
    total, by_kind, wrong = score(bank, answers)
    per_answer_ms = (time.perf_counter() - started) / len(answers) * 1000
    questions = len({a.question for a in answers})
    print(f"{name}: {len(answers)} labelled answers to {questions} questions; {per_answer_ms:.2f} ms per answer")
    print(f"  {'kind':12s} {'answers':>7s} {'precision':>9s} {'recall':>7s}")
    for kind in KINDS:
        if kind in by_kind:
            t = by_kind[kind]
            n = sum(a.kind == kind for a in answers)
            print(f"  {kind:12s} {n:7d} {t.precision:9.3f} {t.recall:7.3f}")
    print(f"  {'all':12s} {len(answers):7d} {total.precision:9.3f} {total.recall:7.3f}")
    for answer, suggested in wrong if misses else []:
        extra, missing = sorted(suggested - answer.covers), sorted(answer.covers - suggested)
        print(f"    {answer.question} [{answer.kind}] extra {extra} missing {missing}: {answer.text[:70]!r}")


def main() -> None:
    bank = load_bank()
    misses = "--misses" in sys.argv[1:]
    for name, path in SETS.items():
        if path.exists():
            report(name, bank, load(path), misses)


if __name__ == "__main__":
    main()
