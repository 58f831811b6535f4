"""How values read on screen and in reports, so the app and the exported files agree."""

from __future__ import annotations

import re

from quizapp.grading import PredictionValue
from sims.result import SimResult

#: Lines that start a Markdown block whose line breaks matter: list items, code fences, table rows.
BLOCK_START = re.compile(r"\s*([-*+]|\d+\.|```|\|)\s")


#: Units that name the quantity rather than count it: "1.86", not "1.86 learning rate".
UNNAMED_UNITS = ("learning rate",)


SPARKS = "▁▂▃▄▅▆▇█"


def spark(level: float) -> str:
    """One block of a text sparkline for a level from 0 to 1."""
    return SPARKS[min(len(SPARKS) - 1, max(0, int(level * len(SPARKS))))]


def count(n: int, noun: str) -> str:
    """ "1 card", "2 cards": a count with its noun."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def shown(value: PredictionValue | None, unit: str | None = None) -> str:
    """A prediction, outcome or metric as a learner reads it: yes/no, 4 significant digits, the unit."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int):
        if unit == "fraction":  # typed as 0.88 or 88%; read as a percentage
            return f"{value * 100:.3g}%"
        text = f"{value:,.4g}" if abs(value) < 1e6 else f"{value:.4g}"
        if not unit or unit in UNNAMED_UNITS:
            return text
        if value != 1 and " " not in unit and not unit.endswith("s"):
            unit += "s"  # "12 epochs", "1 epoch"
        return f"{text} {unit}"
    return str(value)


def reflow(text: str) -> str:
    """Join the hard-wrapped lines of a bank string into paragraphs; a list, fence or table is kept as written."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(p if BLOCK_START.match(p) else " ".join(p.split()) for p in paragraphs)


def key_metrics(result: SimResult, limit: int, focus: str = "") -> list[str]:
    """The per-variant metric names to show, the one closest to `focus` (the predicted observable) first.

    An observable is often named after the metric it reads ("final_val_loss") or shares its words
    ("lowest_val_loss_batch"); the column sharing most words with it leads, the rest keep their order.
    The diverged-run count is left out: it is shown on its own.
    """
    if not result.metrics:
        return []
    names = [k for k in result.metrics[0].values if k != "diverged_runs"]
    words = set(focus.split("_"))
    overlap = {name: len(words & set(name.split("_"))) for name in names}
    best = max(names, key=lambda name: (name == focus, overlap[name]), default=None)
    if best is not None and (best == focus or overlap[best] >= 2):
        names.remove(best)
        names.insert(0, best)
    return names[:limit]
