"""Study reports: a session or the whole history rendered through Jinja2 as Markdown or HTML.

Headless: imports neither Textual nor torch, so the CLI and the app share it.
"""

from quizapp.report.export import ExportError, export_progress, export_session, reports_dir
from quizapp.report.render import FORMATS, Format

__all__ = ["FORMATS", "ExportError", "Format", "export_progress", "export_session", "reports_dir"]
