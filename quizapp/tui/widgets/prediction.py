"""The prediction field of a question, as the practice and mock screens both ask for it."""

from __future__ import annotations

from textual.widget import Widget
from textual.widgets import Input, RadioSet

from quizapp.models import Prediction
from quizapp.tui.widgets.toggles import ChoiceButton


def prediction_field(prediction: Prediction, widget_id: str) -> Input | RadioSet:
    """Choices (or yes/no) as radio buttons, a number as a typed field naming its unit."""
    if prediction.kind == "choice":
        assert prediction.choices is not None
        return RadioSet(*[ChoiceButton(c) for c in prediction.choices], id=widget_id, compact=True)
    if prediction.kind == "bool":
        return RadioSet(ChoiceButton("yes"), ChoiceButton("no"), id=widget_id, compact=True)
    unit = f" ({prediction.unit})" if prediction.unit else ""
    return Input(placeholder=f"a number{unit}", id=widget_id, compact=True)


def typed(field: Widget) -> str:
    """What the learner entered in a `prediction_field`, as text for `parse_prediction` ("" when nothing is)."""
    if isinstance(field, RadioSet):
        pressed = field.pressed_button
        return "" if pressed is None else str(pressed.label)
    return str(field.value) if isinstance(field, Input) else ""
