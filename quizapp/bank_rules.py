"""The authoring rules a question must keep beyond its schema: depth, rubric size, tolerances, no repeats.

The schema (`quizapp.models`) says what a question is; these rules say what a good one is,
so that `quizapp questions validate` can point at a thin question the way it points at a
broken one: by file, question id and field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from quizapp.models import Question, RubricItem
from quizapp.rubric_match import Cue

FOLLOW_UPS = (2, 4)
RUBRIC_ITEMS = (3, 5)
#: Prompts sharing this share of their distinct words ask the same thing in other words.
SAME_PROMPT = 0.8
WORD = re.compile(r"[a-z0-9]+")


def question_problems(question: Question) -> Iterable[tuple[str, str]]:
    """(field, message) for each rule one question breaks."""
    low, high = FOLLOW_UPS
    if not low <= len(question.follow_ups) <= high:
        yield "follow_ups", f"has {len(question.follow_ups)} follow-ups; an interviewer asks {low} to {high}"
    low, high = RUBRIC_ITEMS
    if not low <= len(question.rubric) <= high:
        yield "rubric", f"has {len(question.rubric)} items; a rubric has {low} to {high} distinct items"
    criteria = [item.criterion.strip().lower() for item in question.rubric]
    if len(set(criteria)) != len(criteria):
        yield "rubric", "two items share a criterion"
    yield from _silent_cues("rubric", question.rubric)
    for index, follow_up in enumerate(question.follow_ups):
        yield from _silent_cues(f"follow_ups[{index}].rubric", follow_up.rubric)
    prediction = question.prediction
    if prediction.kind == "number" and "tolerance" not in prediction.model_fields_set:
        yield "prediction.tolerance", "a number prediction states its tolerance (0 for an exact count)"


def _silent_cues(field: str, items: Sequence[RubricItem]) -> Iterable[tuple[str, str]]:
    """Cues made only of small words ("where it was", "none of them") can never suggest anything."""
    for item in items:
        for kind, cues in (("cues", item.cues), ("against", item.against)):
            for cue in cues:
                if Cue.parse(cue) is None:
                    yield f"{field}.{item.id}.{kind}", f"cue {cue!r} is only small words and can never match"


def _words(text: str) -> frozenset[str]:
    return frozenset(WORD.findall(text.lower()))


def repeated_prompts(questions: Sequence[Question]) -> Iterable[tuple[Question, Question]]:
    """Pairs of questions whose prompts are the same or nearly (by shared distinct words)."""
    words = [_words(q.prompt) for q in questions]
    for i, first in enumerate(questions):
        for j in range(i + 1, len(questions)):
            a, b = words[i], words[j]
            if a and b and len(a & b) / len(a | b) >= SAME_PROMPT:
                yield first, questions[j]


def rule_problems(located: Sequence[tuple[Path, Question]]) -> list[tuple[Path, str, str, str]]:
    """(file, question id, field, message) for every rule the questions break, repeats included."""
    found = [(file, q.id, field, message) for file, q in located for field, message in question_problems(q)]
    files = {q.id: file for file, q in located}
    for first, second in repeated_prompts([q for _, q in located]):
        found.append((files[second.id], second.id, "prompt", f"asks what {first.id} asks ({files[first.id].name})"))
    return found
