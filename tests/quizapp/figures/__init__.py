"""Figure rows per topic: each module holds `FIGURES`, the figures its questions quote."""

from __future__ import annotations

import importlib
import pkgutil

from tests.quizapp.figures.readers import Figure


def collected() -> list[Figure]:
    """Every topic module's rows, in module order."""
    rows: list[Figure] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name != "readers":
            rows += importlib.import_module(f"{__name__}.{info.name}").FIGURES
    return rows
