"""The question bank's data model: what a question file must contain.

Plain pydantic, no Textual: the bank loader, the grader and the reports all share it.
Unknown keys are refused so a misspelt field is reported instead of silently ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Difficulty = Literal["easy", "medium", "hard"]
PredictionKind = Literal["choice", "number", "bool"]
SLUG = r"^[a-z0-9][a-z0-9-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricItem(Strict):
    id: str = Field(pattern=SLUG)
    criterion: str = Field(min_length=1)
    weight: float = Field(1.0, gt=0, allow_inf_nan=False)
    cues: list[str] = Field(default_factory=list, description="Phrases suggesting an answer covers this item.")
    against: list[str] = Field(
        default_factory=list, description="Phrases that rule the item out wherever they match (a wrong pick, say)."
    )


def _unique_ids(items: list[RubricItem]) -> list[RubricItem]:
    ids = [item.id for item in items]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"rubric item ids repeat: {repeated}")
    return items


class FollowUp(Strict):
    """What an interviewer asks next, with the answer they want and, where it fits, a short rubric."""

    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    rubric: list[RubricItem] = Field(default_factory=list, max_length=4)

    @field_validator("rubric")
    @classmethod
    def _short_rubric(cls, items: list[RubricItem]) -> list[RubricItem]:
        if len(items) == 1:
            raise ValueError("a follow-up's rubric has 2 to 4 items, or none")
        return _unique_ids(items)


class Prediction(Strict):
    """What the learner commits to before the run, and the observable that decides it."""

    prompt: str = Field(min_length=1)
    kind: PredictionKind
    observable: str = Field(min_length=1)
    variant: str | None = None
    choices: list[str] | None = None
    unit: str | None = None
    tolerance: float = Field(
        0.1, ge=0, le=1, description="number: accepted relative error (0.1 = within 10% of the outcome)."
    )

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> Prediction:
        if self.kind == "choice":
            if not self.choices or len(self.choices) < 2:
                raise ValueError("a choice prediction needs at least two choices")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"choices repeat a value: {self.choices}")
        elif self.choices is not None:
            raise ValueError(f"choices only apply to kind 'choice', not {self.kind!r}")
        return self


class SimulationLink(Strict):
    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class Question(Strict):
    id: str = Field(pattern=SLUG, description="Stable: progress is keyed on it, so it never changes.")
    topic: str = Field(pattern=SLUG)
    difficulty: Difficulty
    tags: list[str] = Field(min_length=1)
    prompt: str = Field(min_length=1)
    model_answer: str = Field(min_length=1)
    rubric: list[RubricItem] = Field(min_length=3)
    follow_ups: list[FollowUp] = Field(min_length=1)
    pitfall: str = Field(min_length=1)
    prediction: Prediction
    simulation: SimulationLink
    explanation: str = Field(min_length=1)

    @field_validator("rubric")
    @classmethod
    def _unique_rubric_ids(cls, items: list[RubricItem]) -> list[RubricItem]:
        return _unique_ids(items)

    @property
    def misconception(self) -> str | None:
        """The tag `misconception:...`, naming the wrong belief this question is built to expose."""
        for tag in self.tags:
            if tag.startswith("misconception:"):
                return tag.removeprefix("misconception:")
        return None
