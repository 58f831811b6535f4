"""`quizapp questions list | validate`: the bank as text."""

from __future__ import annotations

import sys
from pathlib import Path

from quizapp.bank import BankError, check_bank, default_path, load_bank


def validate(path: Path | None) -> int:
    root = path or default_path()
    bank, problems = check_bank(path)
    for problem in problems:
        print(problem, file=sys.stderr)
    total = len(bank.questions) + len({p.question for p in problems if p.question})
    if problems:
        print(
            f"{root}: {len(problems)} problem(s); {len(bank.questions)} of {total} questions are valid", file=sys.stderr
        )
        return 1
    print(f"{root}: {len(bank.questions)} questions in {len(bank.files)} file(s), all valid")
    return 0


def listing(path: Path | None) -> int:
    try:
        bank = load_bank(path)
    except BankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for topic, questions in sorted(bank.by_topic().items()):
        print(f"{topic} ({len(questions)})")
        for question in questions:
            first_line = question.prompt.strip().splitlines()[0]
            short = first_line if len(first_line) <= 70 else first_line[:67] + "..."
            print(f"  {question.id:<36} {question.difficulty:<6} {question.prediction.kind:<6} {short}")
    print(f"\n{len(bank.questions)} questions, {len(bank.by_topic())} topics")
    return 0
