"""The learner's study plan: the interview date the schedule works towards, and new cards a day.

Kept in the database beside the reviews, so the app, `quizapp due` and `quizapp mock` all plan
from the same date without being told again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, Field, ValidationError

from quizapp.schedule.deck import NEW_PER_DAY

#: More than this many new cards a day is the whole bank in a week, or a typo.
MOST_NEW_PER_DAY = 100


class PlanError(ValueError):
    """A stored or typed plan value that cannot be used; the message says which and why."""


class StudyPlan(BaseModel):
    interview: date | None = None
    new_per_day: int = Field(NEW_PER_DAY, ge=0, le=MOST_NEW_PER_DAY)

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> StudyPlan:
        """The plan from stored (or typed) settings; a value that cannot be used is reported, not dropped."""
        try:
            return cls.model_validate(
                {key: settings[key] for key in ("interview", "new_per_day") if settings.get(key) not in (None, "")}
            )
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(part) for part in problem["loc"])
            raise PlanError(f"study plan, {field}: {problem['msg']} (got {problem.get('input')!r})") from None

    def settings(self) -> dict[str, str | None]:
        return {
            "interview": self.interview.isoformat() if self.interview else None,
            "new_per_day": str(self.new_per_day),
        }

    def days_left(self, today: date) -> int | None:
        return None if self.interview is None else (self.interview - today).days
