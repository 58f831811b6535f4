"""Loading the question bank and checking everything each question refers to.

A bank is a folder of TOML files, one per topic, each an array of `[[questions]]`. Loading
checks the fields (pydantic), then the links: the simulation exists, its params are
valid, the observable exists and fits the prediction, the choices are outcomes the
observable can produce, and ids are unique across files. Every problem is collected, so
one run of `quizapp questions validate` lists them all.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from quizapp.bank_rules import rule_problems
from quizapp.models import Question
from sims.registry import SIMULATIONS
from sims.spec import ParamError

OBSERVABLE_KINDS = {"choice": {"choice"}, "number": {"number"}, "bool": {"bool"}}


@dataclass(frozen=True)
class Problem:
    file: Path
    question: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"question {self.question!r}, " if self.question else ""
        return f"{self.file}: {where}{self.field}: {self.message}"


class BankError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the question bank:\n{lines}")


@dataclass
class Bank:
    questions: list[Question]
    files: list[Path] = field(default_factory=list)

    def by_topic(self) -> dict[str, list[Question]]:
        topics: dict[str, list[Question]] = {}
        for question in self.questions:
            topics.setdefault(question.topic, []).append(question)
        return topics

    def questions_by_id(self) -> dict[str, Question]:
        return {question.id: question for question in self.questions}

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"no question with id {question_id!r}")


def default_path() -> Path:
    """The bank shipped with the package."""
    return Path(str(resources.files("questions")))


def load_bank(path: Path | None = None) -> Bank:
    """The bank at `path` (a folder or one file); raises BankError listing every problem."""
    bank, problems = check_bank(path)
    if problems:
        raise BankError(problems)
    return bank


def check_bank(path: Path | None = None, *, rules: bool = False) -> tuple[Bank, list[Problem]]:
    """The questions that passed every check, and the problems found in the rest.

    With `rules`, also what breaks the authoring rules (`quizapp.bank_rules`: too few follow-ups,
    a rubric too long, a tolerance not stated, a question asked twice). Those are reported but
    do not keep a question out: the app still practises a thin question.
    """
    root = path or default_path()
    if not root.exists():
        return Bank([]), [Problem(root, None, "path", "no such file or folder")]
    files = sorted(root.glob("*.toml")) if root.is_dir() else [root]
    if not files:
        return Bank([], []), [Problem(root, None, "path", "no .toml question files here")]
    problems: list[Problem] = []
    questions: list[tuple[Path, Question]] = []
    for file in files:
        parsed, file_problems = _parse_file(file)
        problems += file_problems
        questions += [(file, q) for q in parsed]
    seen: dict[str, Path] = {}
    good = []
    for file, question in questions:
        if question.id in seen:
            problems.append(Problem(file, question.id, "id", f"duplicate id, also used in {seen[question.id]}"))
            continue
        seen[question.id] = file
        link_problems = list(_check_links(file, question))
        problems += link_problems
        if not link_problems:
            good.append(question)
    if rules:
        located = [(file, q) for file, q in questions if seen.get(q.id) == file]
        problems += [Problem(*found) for found in rule_problems(located)]
    return Bank(good, files), problems


def _parse_file(file: Path) -> tuple[list[Question], list[Problem]]:
    try:
        document = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return [], [Problem(file, None, "toml", f"not valid TOML: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(file, None, "file", f"cannot be read: {exc}")]
    entries = document.get("questions")
    if not isinstance(entries, list) or not entries:
        return [], [Problem(file, None, "questions", "expected an array of [[questions]] tables")]
    unknown = sorted(set(document) - {"questions"})
    problems = [Problem(file, None, key, "unknown top-level key") for key in unknown]
    parsed = []
    for index, entry in enumerate(entries):
        name = entry.get("id") if isinstance(entry, dict) else None
        label = name if isinstance(name, str) else f"#{index + 1} (no id)"
        try:
            parsed.append(Question.model_validate(entry))
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(part) for part in error["loc"]) or "question"
                message = error["msg"].removeprefix("Value error, ")
                if error["type"] == "missing":
                    message = "required field is missing"
                elif error["type"] == "extra_forbidden":
                    message = "unknown field"
                problems.append(Problem(file, label, where, message))
    return parsed, problems


def _check_links(file: Path, question: Question) -> Iterable[Problem]:
    """Everything the question points at must exist and fit."""

    def problem(field_name: str, message: str) -> Problem:
        return Problem(file, question.id, field_name, message)

    sim = SIMULATIONS.get(question.simulation.name)
    if sim is None:
        yield problem(
            "simulation.name", f"unknown simulation {question.simulation.name!r}; known: {', '.join(SIMULATIONS)}"
        )
        return
    try:
        params = sim.params(question.simulation.params)
    except ParamError as exc:
        for line in str(exc).splitlines():
            yield problem("simulation.params", line)
        return
    prediction = question.prediction
    specs = {spec.name: spec for spec in sim.observables(params)}
    spec = specs.get(prediction.observable)
    if spec is None:
        yield problem(
            "prediction.observable",
            f"{sim.name} has no observable {prediction.observable!r}; known: {', '.join(specs)}",
        )
        return
    if spec.kind not in OBSERVABLE_KINDS[prediction.kind]:
        yield problem(
            "prediction.kind", f"{prediction.kind!r} does not fit observable {spec.name!r}, which is a {spec.kind}"
        )
    if spec.variants is not None and prediction.variant not in spec.variants:
        wanted = "needs a variant" if prediction.variant is None else f"has no variant {prediction.variant!r}"
        yield problem("prediction.variant", f"{spec.name} {wanted}; one of: {', '.join(spec.variants)}")
    if spec.variants is None and prediction.variant is not None:
        yield problem("prediction.variant", f"{spec.name} is not asked per variant; remove the variant")
    if prediction.kind == "choice" and spec.choices is not None:
        impossible = [c for c in prediction.choices or [] if c not in spec.choices]
        if impossible:
            yield problem(
                "prediction.choices",
                f"{impossible} can never be the outcome of {spec.name}; possible: {', '.join(spec.choices)}",
            )
