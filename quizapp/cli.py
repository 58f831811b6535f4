"""The `quizapp` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizapp",
        description="Interview practice on how neural networks train: predict the outcome, then watch a real model.",
    )
    parser.add_argument("--topic", default=None, help="start a practice session on this topic at once")
    parser.add_argument("--count", type=int, default=5, help="questions in that session (default %(default)s)")
    parser.add_argument(
        "--db", type=Path, default=None, help="session database (default: $QUIZAPP_DB or the user data folder)"
    )
    parser.add_argument(
        "--questions", dest="bank", type=Path, default=None, metavar="DIR", help="a question bank folder"
    )
    commands = parser.add_subparsers(dest="command")
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
    shared.add_argument("--db", type=Path, default=argparse.SUPPRESS, help="session database")
    shared.add_argument("--questions", dest="bank", type=Path, default=argparse.SUPPRESS, metavar="DIR")
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
    from quizapp.tui.app import run

    return run(parsed.bank, parsed.db, parsed.topic, parsed.count)


if __name__ == "__main__":
    sys.exit(main())
