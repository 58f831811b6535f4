"""`quizapp questions list | validate`: the bank as text."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

from quizapp.bank import Bank, BankError, check_bank, default_path, load_bank


def validate(path: Path | None) -> int:
    root = path or default_path()
    bank, problems = check_bank(path, rules=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    flagged = {p.question for p in problems if p.question}
    total = len({q.id for q in bank.questions} | flagged)
    if problems:
        print(
            f"{root}: {len(problems)} problem(s); {total - len(flagged)} of {total} questions are clean",
            file=sys.stderr,
        )
        return 1
    print(f"{root}: {len(bank.questions)} questions in {len(bank.files)} file(s), all valid")
    return 0


#: The listing is laid out for this many columns at most (fewer when the terminal is narrower).
LIST_WIDTH = 80


def listing(path: Path | None) -> int:
    try:
        bank = load_bank(path)
    except BankError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max(40, min(LIST_WIDTH, shutil.get_terminal_size((LIST_WIDTH, 24)).columns))
    try:
        print("\n".join(listing_lines(bank, width)))
    except BrokenPipeError:  # piped into `head`, which closed early
        sys.stderr.close()
    return 0


def listing_lines(bank: Bank, width: int = LIST_WIDTH) -> list[str]:
    """Each topic, then per question a line of id, difficulty and kind, and the prompt's start below it.

    Two lines per question so that long ids and the prompt both fit `width` columns.
    """
    id_width = min(max((len(q.id) for q in bank.questions), default=0), width - 20)
    lines = []
    for topic, questions in sorted(bank.by_topic().items()):
        lines.append(f"{topic} ({len(questions)} question{'s' if len(questions) != 1 else ''})")
        for question in questions:
            lines.append(f"  {question.id:<{id_width}}  {question.difficulty:<6}  {question.prediction.kind}")
            first_line = question.prompt.strip().splitlines()[0]
            lines.append("    " + textwrap.shorten(first_line, width - 4, placeholder=" ..."))
    lines.append(f"\n{len(bank.questions)} questions, {len(bank.by_topic())} topics")
    return lines
