"""The `quizapp` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

LENGTHS = (30, 45)  # quizapp.mock.LENGTHS, kept here so `quizapp --help` loads nothing heavy

DESCRIPTION = """\
Interview practice on how neural networks train: predict the outcome, then \
watch a real model train.

Run `quizapp` with no command to open the terminal app. On its home screen, \
pick a topic with the arrow keys and press Enter, press m for a mixed set, \
d for the questions due, or i for a mock interview (`quizapp mock` starts one at once); \
`quizapp --topic NAME` starts a session on that topic at once (`quizapp \
questions list` shows the topics). `quizapp serve` opens the same app in a \
web browser."""


class ParagraphFormatter(argparse.HelpFormatter):
    """Wraps each paragraph of the description to the terminal, keeping the blank lines between them."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n\n".join(super(ParagraphFormatter, self)._fill_text(p, width, indent) for p in text.split("\n\n"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quizapp", description=DESCRIPTION, formatter_class=ParagraphFormatter)
    parser.add_argument(
        "--topic", default=None, metavar="NAME", help="open the app with a session on this topic already started"
    )
    parser.add_argument(
        "--count", type=int, default=5, metavar="N", help="questions in that session (default %(default)s)"
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="session database (default: $QUIZAPP_DB or the user data folder)",
    )
    parser.add_argument(
        "--questions", dest="bank", type=Path, default=None, metavar="DIR", help="a question bank folder"
    )
    commands = parser.add_subparsers(dest="command", title="commands (none: open the terminal app)", metavar="COMMAND")
    commands.add_parser(
        "sim",
        help="list, run or benchmark the simulations (same as `python -m sims`)",
        add_help=False,
    )
    questions = commands.add_parser("questions", help="list or validate a question bank")
    actions = questions.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the questions by topic")
    listing.add_argument(
        "--questions", type=Path, default=None, metavar="DIR", help="a bank other than the built-in one"
    )
    validate = actions.add_parser("validate", help="check a bank and report every problem")
    validate.add_argument("path", nargs="?", type=Path, default=None, help="folder or .toml file (default: built-in)")
    _report_commands(commands)
    return parser


def _report_commands(commands: argparse._SubParsersAction) -> None:
    # --db and --questions may come after the command too; SUPPRESS keeps a value given before it.
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="PATH", help="session database")
    shared.add_argument(
        "--questions", dest="bank", type=Path, default=argparse.SUPPRESS, metavar="DIR", help="a question bank folder"
    )
    sessions = commands.add_parser("sessions", help="list the stored sessions", parents=[shared])
    sessions.add_argument("action", choices=["list"], help="list: one line per session, newest first")
    export = commands.add_parser(
        "export", help="write one session as a Markdown or HTML study report", parents=[shared]
    )
    export.add_argument("session_id", type=int, metavar="SESSION_ID", help="the id shown by `quizapp sessions list`")
    _output_arguments(export, "./quizapp-session-ID.FORMAT")
    report = commands.add_parser("report", help="a progress report over every session", parents=[shared])
    report.add_argument("--all", action="store_true", required=True, help="cover every stored session")
    _output_arguments(report, "./quizapp-progress.FORMAT")
    serve = commands.add_parser(
        "serve",
        help="open the same app in a web browser (textual-serve)",
        description="Serve the app to a web browser: each tab runs its own app on the same database. "
        "Report exports are saved on this machine and also downloaded by the browser.",
        parents=[shared],
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s: this machine only)"
    )
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default %(default)s)")
    due = commands.add_parser(
        "due",
        help="what the spaced-repetition schedule has due now, by topic, and the next 7 days",
        parents=[shared],
    )
    due.add_argument(
        "--interview",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the interview date (default: the plan's): reviews that would fall on it or after come the day before",
    )
    due.add_argument(
        "--new-per-day", type=int, default=None, metavar="N", help="new cards a day at most (default: the plan's)"
    )
    commands.add_parser(
        "stats", help="readiness by topic: recall now, predictions right, rubric score", parents=[shared]
    )
    plan = commands.add_parser(
        "plan",
        help="the study plan the schedule works to: the interview date and new cards a day (saved)",
        parents=[shared],
    )
    plan.add_argument(
        "--interview", default=None, metavar="YYYY-MM-DD", help="the interview date to work towards; none clears it"
    )
    plan.add_argument("--new-per-day", type=int, default=None, metavar="N", help="new cards a day at most")
    mock = commands.add_parser(
        "mock",
        help="open the app in a timed mock interview: questions picked by due date and weakness, then a debrief",
        parents=[shared],
    )
    mock.add_argument(
        "--minutes", type=int, choices=LENGTHS, default=LENGTHS[0], help="interview length (default %(default)s)"
    )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2026-12-24: {text!r}") from None


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range; allowed: 1 to 65535")
    return port


def _output_arguments(parser: argparse.ArgumentParser, default_file: str) -> None:
    parser.add_argument("--format", "-f", choices=("md", "html"), default="html", help="default: %(default)s")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help=f"file or folder to write, - for stdout (default: {default_file})",
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `quizapp stats | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


def _main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sim":
        from sims.cli import main as sims_main

        return sims_main(args[1:], prog="quizapp sim")
    parser = build_parser()
    parsed = parser.parse_args(args)
    if parsed.command == "questions":
        from quizapp import questions_cli

        if parsed.action == "validate":
            return questions_cli.validate(parsed.path)
        return questions_cli.listing(parsed.questions)
    if parsed.command in ("sessions", "export", "report"):
        from quizapp import report_cli

        if parsed.command == "sessions":
            return report_cli.list_sessions(parsed.bank, parsed.db)
        if parsed.command == "export":
            return report_cli.export(parsed.bank, parsed.db, parsed.session_id, parsed.format, parsed.output)
        return report_cli.report_all(parsed.bank, parsed.db, parsed.format, parsed.output)
    if parsed.command in ("due", "stats", "plan"):
        from quizapp import schedule_cli

        if parsed.command == "plan":
            return schedule_cli.plan(parsed.db, parsed.interview, parsed.new_per_day)
        if parsed.command == "due":
            return schedule_cli.due(parsed.bank, parsed.db, parsed.interview, parsed.new_per_day)
        return schedule_cli.stats(parsed.bank, parsed.db)
    if parsed.command == "serve":
        from quizapp.serve import serve

        return serve(parsed.host, parsed.port, parsed.db, parsed.bank)
    from quizapp.tui.app import run

    if parsed.command == "mock":
        return run(parsed.bank, parsed.db, None, parsed.count, mock_minutes=parsed.minutes)
    return run(parsed.bank, parsed.db, parsed.topic, parsed.count)


if __name__ == "__main__":
    sys.exit(main())
