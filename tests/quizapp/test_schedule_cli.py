"""`quizapp due` and `quizapp stats` in the shell, on a real database, a day and a week later."""

from datetime import UTC, datetime, timedelta

import pytest

from quizapp import schedule_cli
from quizapp.bank import load_bank
from quizapp.cli import main
from quizapp.practice import Practice
from quizapp.store import Store
from tests.quizapp.report.sessions import answer_fully, fast_questions

BANK = load_bank()


def test_a_new_learner_has_the_days_new_cards_due(tmp_path, capsys):
    assert main(["due", "--db", str(tmp_path / "s.db"), "--new-per-day", "6"]) == 0
    out = capsys.readouterr().out
    assert "Due now: 6 cards in 3 questions (0 reviews, 6 new; new cards 6 a day)" in out
    assert "Next 7 days:" in out


def test_what_was_practised_comes_back_and_stats_say_how_ready(tmp_path, capsys):
    db = tmp_path / "s.db"
    with Store(db) as store:
        practice = Practice.start(store, BANK, "day one", fast_questions(BANK, 2))
        every = [item.id for item in practice.question.rubric]
        answer_fully(practice, "a full answer", right=True, confidence="certain", ticks=every)
        answer_fully(practice, "", right=False, confidence=None)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    assert schedule_cli.due(None, db, new_per_day=0, now=tomorrow) == 0
    out = capsys.readouterr().out
    assert "Due now: 4 cards in 2 questions (4 reviews, 0 new" in out  # both questions' cards, a day later
    assert schedule_cli.stats(None, db, now=tomorrow) == 0
    table, reasons = capsys.readouterr().out.split("\n\n")
    lines = {line.split()[0]: line for line in table.splitlines()[1:]}
    first = fast_questions(BANK, 1)[0]
    assert "not yet" in lines[first.topic] and "/" in lines[first.topic]
    assert f"{first.topic}: not yet; " in reasons  # the reason, on a line of its own
    assert lines.keys() >= {q.topic for q in BANK.questions}


def test_an_interview_date_that_is_not_a_date_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["due", "--db", str(tmp_path / "s.db"), "--interview", "next friday"])
    assert stopped.value.code == 2
    assert "not a date like 2026-12-24: 'next friday'" in capsys.readouterr().err


def test_the_study_plan_is_saved_and_the_schedule_works_to_it(tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["plan", "--db", db]) == 0
    assert capsys.readouterr().out == "Interview: none set\nNew cards a day: 10\n"
    assert main(["plan", "--db", db, "--interview", "2031-01-20", "--new-per-day", "4"]) == 0
    capsys.readouterr()
    assert main(["due", "--db", db]) == 0  # no flags: the saved plan
    out = capsys.readouterr().out
    assert "Due now: 4 cards in 2 questions (0 reviews, 4 new; new cards 4 a day)" in out
    assert "Interview on 2031-01-20 (in " in out
    assert main(["due", "--db", db, "--new-per-day", "2"]) == 0  # a flag wins for this command only
    assert "new cards 2 a day" in capsys.readouterr().out
    assert main(["plan", "--db", db, "--interview", "none"]) == 0
    assert capsys.readouterr().out == "Interview: none set\nNew cards a day: 4\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--interview", "2031-02-30"], "study plan, interview: Input should be a valid date"),
        (["--new-per-day", "500"], "study plan, new_per_day: Input should be less than or equal to 100"),
    ],
)
def test_a_bad_plan_is_refused_and_the_saved_one_kept(tmp_path, capsys, args, said):
    db = str(tmp_path / "s.db")
    assert main(["plan", "--db", db, "--new-per-day", "7"]) == 0
    capsys.readouterr()
    assert main(["plan", "--db", db, *args]) == 2
    assert said in capsys.readouterr().err
    assert main(["plan", "--db", db]) == 0
    assert "New cards a day: 7" in capsys.readouterr().out


def test_stats_fit_80_columns_and_a_closed_pipe_is_not_an_error(tmp_path):
    import subprocess
    import sys

    db = str(tmp_path / "s.db")
    shown = subprocess.run(
        [sys.executable, "-m", "quizapp", "stats", "--db", db], capture_output=True, text=True, check=True
    )
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    piped = subprocess.run(
        f"{sys.executable} -m quizapp stats --db {db} | head -1", shell=True, capture_output=True, text=True
    )
    assert piped.stdout.startswith("topic") and "Traceback" not in piped.stderr
