"""The `quizapp` command line as a user reads it: at 80 columns, with what they need to know."""

import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.cli import build_parser
from quizapp.serve import app_command, is_loopback, url_for

COMMANDS = [
    [],
    ["questions"],
    ["questions", "list"],
    ["questions", "validate"],
    ["sessions"],
    ["export"],
    ["report"],
    ["serve"],
    ["sim"],
    ["sim", "run"],
]


def quizapp(*args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "quizapp", *args], capture_output=True, text=True, timeout=120, env=env
    )


def flat(text: str) -> str:
    return " ".join(text.split())


def test_questions_list_fits_80_columns_and_names_every_question_under_its_topic():
    done = quizapp("questions", "list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line for line in lines if len(line) > 80] == []
    listed: dict[str, list[str]] = {}
    topic = None
    for line in lines:
        if line and not line.startswith(" ") and line.endswith(")"):  # "batch-size (12 questions)"
            topic = line.split(" (")[0]
            listed[topic] = []
        elif line.startswith("  ") and not line.startswith("    "):  # "  id  difficulty  kind"
            listed[topic].append(line.split()[0])
    bank = load_bank()
    assert listed == {t: [q.id for q in qs] for t, qs in sorted(bank.by_topic().items())}
    by_id = {q.id: q for q in bank.questions}
    for line in lines:
        if line.startswith("  ") and not line.startswith("    "):
            question = by_id[line.split()[0]]
            assert line.split()[1:] == [question.difficulty, question.prediction.kind]
    assert lines[-1] == f"{len(bank.questions)} questions, {len(bank.by_topic())} topics"


def test_every_help_fits_80_columns():
    for args in COMMANDS:
        done = quizapp(*args, "--help")
        assert done.returncode == 0, (args, done.stderr)
        wide = [line for line in done.stdout.splitlines() if len(line) > 80]
        assert wide == [], args


def test_the_help_says_that_no_command_opens_the_terminal_app_and_how_to_pick_a_topic():
    text = flat(quizapp("--help").stdout)
    assert "Run `quizapp` with no command to open the terminal app." in text
    assert "pick a topic with the arrow keys and press Enter, press m for a mixed set" in text
    assert "i for a mock interview (`quizapp mock` starts one at once)" in text
    assert "`quizapp --topic NAME` starts a session on that topic at once" in text
    assert "`quizapp serve` opens the same app in a web browser" in text


def test_serve_listens_on_this_machine_only_unless_told_otherwise():
    parsed = build_parser().parse_args(["serve"])
    assert (parsed.host, parsed.port, parsed.db, parsed.bank) == ("127.0.0.1", 8000, None, None)
    parsed = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000", "--db", "x.db"])
    assert (parsed.host, parsed.port, parsed.db) == ("0.0.0.0", 9000, Path("x.db"))
    assert "127.0.0.1: this machine only" in flat(quizapp("serve", "--help").stdout)


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_a_bad_port_is_refused_by_name(port):
    done = quizapp("serve", "--port", port)
    assert done.returncode == 2 and "argument --port" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_database_is_said_in_the_shell_and_nothing_is_served(tmp_path):
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    done = quizapp("serve", "--port", "8765", "--db", str(bad))
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
    assert "served at" not in done.stdout


def test_a_taken_port_is_said_before_anything_is_announced(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = quizapp("serve", "--port", str(port), "--db", str(tmp_path / "s.db"))
    assert done.returncode == 2 and f"error: cannot serve on http://127.0.0.1:{port}: " in done.stderr
    assert "served at" not in done.stdout and "Traceback" not in done.stderr


def test_each_browser_tab_runs_this_app_on_the_same_files(tmp_path):
    db, bank = tmp_path / "my db.sqlite", tmp_path / "bank"
    assert shlex.split(app_command(db, bank)) == [
        sys.executable,
        "-m",
        "quizapp",
        "--db",
        str(db),
        "--questions",
        str(bank),
    ]
    assert shlex.split(app_command(None, None)) == [sys.executable, "-m", "quizapp"]


def test_addresses():
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert url_for("::1", 8000) == "http://[::1]:8000"
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.4", "example.org"))
