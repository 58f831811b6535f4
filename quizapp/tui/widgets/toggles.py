"""Choice and rubric boxes that read without colour and wrap instead of cutting their label.

Textual's own toggles draw on and off as the same glyph in two colours, and keep their
label on one line; at 80 columns, in a monochrome terminal, a learner could neither read
a long choice nor tell which one is picked. These draw `(•)`/`( )` and `[x]`/`[ ]` and
wrap the label under itself (a hanging indent), growing as tall as it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Checkbox, RadioButton
from textual.widgets._toggle_button import ToggleButton


class _Wrapping(ToggleButton if TYPE_CHECKING else object):
    """Mixin for a toggle whose label wraps; ON and OFF set the glyphs.

    Not a widget itself, so CSS and queries still see the Textual class it is mixed into
    (`query(RadioButton)` finds a ChoiceButton): Textual follows only the first widget base.
    """

    ON = "[x]"
    OFF = "[ ]"

    @property
    def _button(self) -> Content:
        return Content.styled(self.ON if self.value else self.OFF, self.get_visual_style("toggle--button"))

    def _pointed(self) -> bool:
        """Whether the keyboard is on this toggle (drawn as ›, so it shows without colour too)."""
        return self.has_focus

    def _lines(self, width: int) -> list[Content]:
        glyph = Content.assemble("› " if self._pointed() else "  ", self._button)
        indent = glyph.cell_length + 1
        label = self._label.stylize_before(self.get_visual_style("toggle--label"))
        wrapped = label.wrap(max(8, width - indent)) or [Content("")]
        first, *rest = wrapped
        return [Content.assemble(glyph, " ", first), *(Content.assemble(" " * indent, line) for line in rest)]

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.size.width or 40))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))


class ChoiceButton(_Wrapping, RadioButton):
    """One choice of a prediction: `(•)` when picked, `( )` when not."""

    ON = "(•)"
    OFF = "( )"

    def _pointed(self) -> bool:
        # The radio set holds the focus; its highlighted button is the one Enter would pick.
        return self.has_class("-selected") and self.parent is not None and self.parent.has_focus

    DEFAULT_CSS = """
    ChoiceButton {
        width: 1fr;
        height: auto;
        text-wrap: wrap;
        border: none;
        padding: 0;
        background: transparent;
        & > .toggle--button { background: transparent; color: $text; }
        &.-on > .toggle--button { color: $text-success; text-style: bold; }
    }
    """


class RubricBox(_Wrapping, Checkbox, inherit_bindings=False):
    """One rubric item the learner ticks: `[x]` covered, `[ ]` not. Space ticks; Enter does not,
    so a learner tabbing round the screen and pressing Enter cannot untick an item unseen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Tick", show=False)]

    DEFAULT_CSS = """
    RubricBox {
        width: 1fr;
        height: auto;
        text-wrap: wrap;
        border: none;
        padding: 0 1;
        background: transparent;
        &:focus {
            border: none;
            background: $block-cursor-blurred-background;
        }
        & > .toggle--button {
            background: transparent;
            color: $text;
        }
        &.-on > .toggle--button {
            color: $text-success;
            text-style: bold;
        }
    }
    """
