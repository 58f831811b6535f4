"""Jinja2 rendering of reports: one template per format, autoescaped for HTML.

Learner text is data, never markup: HTML templates escape every value unless it was made
safe here (bank Markdown rendered with raw HTML disabled, and the charts' SVG).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from quizapp.formatting import percent, reflow
from quizapp.report.progress_content import ProgressReport
from quizapp.report.readiness_content import heatmap_lines
from quizapp.report.session_content import SessionReport
from quizapp.schedule.grades import HINT_COST

Format = Literal["md", "html"]
FORMATS: tuple[Format, ...] = ("md", "html")


def when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def md_quote(text: str) -> str:
    """Learner text as a Markdown blockquote; tag-like `<` escaped so a code host shows it as typed."""
    if not text.strip():
        return "> *(nothing written)*"
    safe = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    return "\n".join(f"> {line}".rstrip() for line in safe.splitlines())


@cache
def _markdown_renderer():  # noqa: ANN202 - markdown_it's type is an implementation detail here
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown(text: str) -> Markup:
    """Bank Markdown as HTML; raw HTML in the source is shown as text, not run."""
    return Markup(_markdown_renderer().render(text))  # safe: raw HTML is disabled above


def svg(chart_svg: str) -> Markup:
    return Markup(chart_svg)  # safe: pygal escapes its labels


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("quizapp.report", "templates"),
        autoescape=lambda name: bool(name and name.endswith(".html")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(percent=percent, when=when, day=day, md_cell=md_cell, md_quote=md_quote, reflow=reflow)
    env.filters.update(markdown=markdown, svg=svg, heatmap_lines=heatmap_lines)
    env.globals["hint_cost"] = HINT_COST
    return env


def render_session(report: SessionReport, fmt: Format) -> str:
    return environment().get_template(f"session.{fmt}").render(report=report)


def render_progress(report: ProgressReport, fmt: Format) -> str:
    return environment().get_template(f"progress.{fmt}").render(report=report)
