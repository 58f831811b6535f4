"""The `quizapp` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizapp",
        description="Interview practice on how neural networks train: predict the outcome, then watch a real model.",
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser(
        "sim",
        help="list, run or benchmark the simulations (same as `python -m sims`)",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "sim":
        from sims.cli import main as sims_main

        return sims_main(args[1:], prog="quizapp sim")
    parser = build_parser()
    parser.parse_args(args)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
