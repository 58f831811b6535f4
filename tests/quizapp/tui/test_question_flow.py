"""The real app, driven with Pilot: a question from prompt to score, a cancelled run, a locked prediction."""

from pathlib import Path

from textual.widgets import Input, RadioButton, Select, Static, TextArea

from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp
from quizapp.tui.screens.grading import GradingScreen
from quizapp.tui.screens.question import QuestionScreen
from quizapp.tui.screens.sessions import SessionsScreen
from quizapp.tui.screens.summary import SummaryScreen

QUESTION = """
[[questions]]
id = "tiny-updates"
topic = "batch-size"
difficulty = "easy"
tags = ["updates"]
prompt = "1,000 examples at batch 100: how many updates per epoch?"
model_answer = "One update per batch: 10."
pitfall = "Thinking an epoch is one update."
explanation = "Counted in the training loop."

[[questions.rubric]]
id = "per-batch"
criterion = "One update per batch."
weight = 2
cues = ["per batch"]

[[questions.rubric]]
id = "count"
criterion = "Gets 10."
weight = 1
cues = ["10 updates"]

[[questions.rubric]]
id = "partial"
criterion = "Mentions partial batches."
weight = 1
cues = ["partial"]

[[questions.follow_ups]]
question = "And at batch 300?"
answer = "4, or 3 with drop_last."

[questions.prediction]
prompt = "Updates per epoch:"
kind = "number"
observable = "updates_per_epoch"
variant = "100"
unit = "updates"
tolerance = 0.0

[questions.simulation]
name = "updates_per_epoch"
params = { n_samples = 1000, batch_sizes = [100] }
"""

SLOW = (
    QUESTION.split("[questions.prediction]")[0].replace('id = "tiny-updates"', 'id = "slow-regimes"')
    + """
[questions.prediction]
prompt = "Does the full-batch loss fall at every update?"
kind = "bool"
observable = "full_batch_monotonic"

[questions.simulation]
name = "training_regimes"
params = { n_samples = 4000, epochs = 200 }
"""
)


def make_app(tmp_path: Path, text: str = QUESTION) -> QuizApp:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "q.toml").write_text(text)
    return QuizApp(load_bank(folder), Store(tmp_path / "s.db"), topic="batch-size", count=1)


def choose(screen, label: str) -> None:
    """Press the radio button with this label, as a click would."""
    for button in screen.query_one("#prediction").query(RadioButton):
        if str(button.label) == label:
            button.value = True
            return
    raise AssertionError(f"no choice {label!r}")


async def wait_for(pilot, condition, seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("timed out waiting for the app")


async def test_a_question_from_prompt_to_score(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    monkeypatch.setenv("QUIZAPP_REPORTS", str(reports))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        screen.query_one("#answer", TextArea).text = "One update per batch, so 10 updates."
        prediction = screen.query_one("#prediction", Input)
        prediction.focus()
        await pilot.press("1", "0")
        screen.query_one("#confidence", Select).value = "certain"
        await pilot.press("ctrl+l")
        assert "Locked: 10 updates · certain" in str(screen.query_one("#locked", Static).render())
        await pilot.press("ctrl+r")
        verdict = screen.query_one("#verdict", Static)
        await wait_for(pilot, lambda: "RIGHT" in str(verdict.render()) or "WRONG" in str(verdict.render()))
        assert "✓ RIGHT: 10 updates, 5/5 seeds in range" in str(verdict.render())
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, GradingScreen)
        assert "Score: 75%" in str(app.screen.query_one("#score", Static).render())  # two cues matched: 2 + 1 of 4
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        total = str(app.screen.query_one("#summary-total", Static).render())
        assert "1/1 questions" in total and "average score 75%" in total and "predictions right 1/1" in total
        export_line = app.screen.query_one("#summary-export", Static)
        html = reports / "quizapp-session-1.html"
        assert str(html) in str(export_line.render())  # where the report will go, before exporting
        await pilot.press("e")
        await wait_for(pilot, html.exists)
        await wait_for(pilot, lambda: "Report saved to" in str(export_line.render()))
        assert "One update per batch, so 10 updates." in html.read_text()
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("p")
        progress = reports / "quizapp-progress.html"
        await wait_for(pilot, progress.exists)
        assert "<td>tiny-updates</td><td>batch-size</td><td>rubric score 75%</td>" in progress.read_text()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        await wait_for(pilot, lambda: app.screen.query_one("#sessions").row_count == 1)  # read in a worker
        await pilot.press("m")
        markdown = reports / "quizapp-session-1.md"
        await wait_for(pilot, markdown.exists)
        assert "| certain | 1 | 1 | 100% |" in markdown.read_text()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
    with Store(tmp_path / "s.db") as store:
        [session] = store.sessions()
    attempt = session.attempts[0]
    assert session.finished_at and attempt.prediction == 10.0 and attempt.run_status == "finished"
    assert attempt.confidence == "certain"
    assert attempt.answer.startswith("One update per batch") and attempt.score == 0.75


async def test_escape_cancels_a_run_and_the_app_stays_responsive(tmp_path):
    app = make_app(tmp_path, SLOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        screen.query_one("#answer", TextArea).text = "Full batch: yes, at a small enough rate."
        choose(screen, "yes")
        await pilot.press("ctrl+l")
        await pilot.press("ctrl+r")
        await pilot.pause(1.0)
        await pilot.press("escape")
        await pilot.pause()
        # Shown at once, not when the worker gets round to stopping: the line, no bar, no chart.
        status = screen.query_one("#run-line", Static)
        assert "Run cancelled" in str(status.render())
        assert not screen.query_one("#progress").display and not screen.query_one("#curve").display
        with Store(tmp_path / "s.db") as store:
            assert store.sessions()[0].attempts[0].run_status == "cancelled"
        assert screen.check_action("run", ()) and not screen.check_action("cancel_run", ())
        await pilot.press("ctrl+r")  # again, from a clean state
        assert "cancelled" not in str(status.render()) and screen.query_one("#progress").display
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert "Run cancelled" in str(status.render())


async def test_a_locked_prediction_stays_locked_when_the_question_is_reopened(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.query_one("#prediction", Input).focus()
        app.screen.query_one("#confidence", Select).value = "fairly sure"
        await pilot.press("7", "ctrl+l")
        session_id = app.store.sessions()[0].id
        app.resume_practice(session_id)
        await pilot.pause()
        assert not app.screen.query_one("#predict-pane").display  # collapsed to one line
        assert "Locked: 7 updates · fairly sure" in str(app.screen.query_one("#locked", Static).render())


DIVERGING = (
    QUESTION.split("[questions.prediction]")[0].replace('id = "tiny-updates"', 'id = "too-fast"')
    + """
[questions.prediction]
prompt = "Smallest rate that diverges?"
kind = "choice"
observable = "smallest_diverging_rate"
choices = ["0.01", "0.316", "10", "none"]

[questions.simulation]
name = "learning_rate_sweep"
params = { n_rates = 3, epochs = 30 }
"""
)


async def test_a_diverging_run_is_shown_as_an_outcome_not_an_error(tmp_path):
    app = make_app(tmp_path, DIVERGING)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        choose(screen, "10")
        screen.query_one("#answer", TextArea).text = "Above 2 / lambda_max."
        await pilot.press("ctrl+l", "ctrl+r")
        verdict = screen.query_one("#verdict", Static)
        await wait_for(pilot, lambda: "RIGHT" in str(verdict.render()) or "WRONG" in str(verdict.render()))
        assert "RIGHT" in str(verdict.render()) and "10" in str(verdict.render())
        assert "Diverged" in str(screen.query_one("#outcome", Static).render())
        metrics = str(screen.query_one("#metrics", Static).render())
        assert all(f"{rate}:\u00a0" in metrics for rate in ("0.01", "0.316", "10"))  # the diverged rate included


KILLED = """
import asyncio, os, signal, sys
from pathlib import Path
from textual.widgets import Input, TextArea
from quizapp.bank import load_bank
from quizapp.store import Store
from quizapp.tui.app import QuizApp

async def main():
    app = QuizApp(load_bank(Path(sys.argv[1])), Store(sys.argv[2]), topic="batch-size", count=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.screen.query_one("#answer", TextArea).text = "typed just before the crash"
        app.screen.query_one("#prediction", Input).value = "10"
        await pilot.press("ctrl+l")
        await pilot.pause(1.5)  # the answer is saved every second
        os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


async def test_after_sigkill_the_app_reopens_with_everything_and_resumes(tmp_path):
    import subprocess
    import sys

    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "q.toml").write_text(QUESTION)
    db = tmp_path / "s.db"
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(tmp_path / "bank"), str(db)], capture_output=True, timeout=60
    )
    assert done.returncode == -9, done.stderr
    app = QuizApp(load_bank(tmp_path / "bank"), Store(db))
    async with app.run_test(size=(120, 40)) as pilot:
        hint = app.screen.query_one("#resume-hint", Static)
        await wait_for(pilot, lambda: "Press r to resume" in str(hint.render()))  # the sessions are read in a worker
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, QuestionScreen)
        assert app.screen.query_one("#answer", TextArea).text == "typed just before the crash"
        assert "Locked: 10 updates" in str(app.screen.query_one("#locked", Static).render())


async def test_a_choice_can_be_made_with_the_keyboard_alone(tmp_path):
    app = make_app(tmp_path, DIVERGING)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("tab", "down", "down", "enter", "ctrl+l")
        await pilot.pause()
        assert "Locked: 10" in str(app.screen.query_one("#locked", Static).render())
    with Store(tmp_path / "s.db") as store:
        assert store.sessions()[0].attempts[0].prediction == "10"


async def test_the_command_palette_offers_the_main_actions(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.latest_unfinished is not None)  # read by the home screen's worker
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Mixed set", "Practise batch-size", "Past sessions"} <= set(titles)
        assert any(title.startswith("Resume 'batch-size'") for title in titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert type(app.screen).__name__ == "CommandPalette"


async def test_rubric_ticks_are_saved_as_they_change_and_themes_switch(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#prediction", Input).value = "10"
        screen.query_one("#answer", TextArea).text = "Ten."
        await pilot.press("ctrl+l", "ctrl+r")
        verdict = screen.query_one("#verdict", Static)
        await wait_for(pilot, lambda: "RIGHT" in str(verdict.render()))
        await pilot.press("ctrl+g")
        await pilot.pause()
        await pilot.press("space")  # toggles the highlighted (first) rubric item
        await pilot.pause()
        with Store(tmp_path / "s.db") as store:
            attempt = store.sessions()[0].attempts[0]
        assert attempt.ticks == ["per-batch"] and attempt.score == 0.5
        before = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != before


def test_a_corrupt_database_is_a_message_not_a_traceback(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "bad.db"
    db.write_bytes(b"not sqlite at all" * 50)
    done = subprocess.run([sys.executable, "-m", "quizapp.cli", "--db", str(db)], capture_output=True, text=True)
    assert done.returncode == 2
    assert "not a readable quizapp database" in done.stderr and "Traceback" not in done.stderr
    assert db.read_bytes() == b"not sqlite at all" * 50
