"""`quizapp sessions list`, `quizapp export`, `quizapp report --all` as a learner types them."""

import subprocess
import sys

import pytest

from quizapp.cli import main


def test_sessions_list_shows_each_session(stored, capsys):
    store, _, session_id = stored
    assert main(["sessions", "list", "--db", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert f"{session_id:>4}  " in out and "4 / 4" in out and "finished" in out and "mixed" in out


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_export_writes_the_file_and_says_where(stored, tmp_path, capsys, fmt):
    store, _, session_id = stored
    target = tmp_path / "out" / f"report.{fmt}"
    assert main(["--db", str(store.path), "export", str(session_id), "--format", fmt, "-o", str(target)]) == 0
    assert f"to {target}" in capsys.readouterr().out
    assert "bs-updates-per-epoch-10k" in target.read_text()


def test_export_to_a_folder_uses_the_default_name_and_dash_means_stdout(stored, tmp_path, capsys):
    store, _, session_id = stored
    assert main(["export", str(session_id), "--db", str(store.path), "-o", str(tmp_path)]) == 0
    assert (tmp_path / f"quizapp-session-{session_id}.html").exists()
    capsys.readouterr()
    assert main(["export", str(session_id), "--db", str(store.path), "-f", "md", "-o", "-"]) == 0
    assert capsys.readouterr().out.startswith("# mixed: session")


def test_report_all_writes_the_progress_report(stored, tmp_path):
    store, _, _ = stored
    target = tmp_path / "progress.md"
    assert main(["report", "--all", "--db", str(store.path), "-f", "md", "-o", str(target)]) == 0
    assert "## Revisit first" in target.read_text()


def test_an_unknown_session_or_unwritable_path_is_one_clear_line(stored, tmp_path, capsys):
    store, _, _ = stored
    assert main(["export", "999", "--db", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "no session 999" in err and "quizapp sessions list" in err
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["export", "1", "--db", str(store.path), "-o", str(blocker / "r.html")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_reports_load_without_textual_or_torch(stored):
    store, _, session_id = stored
    script = (
        "import json, sys\nfrom quizapp.bank import load_bank\nfrom quizapp.store import Store\n"
        "from quizapp.report.export import session_text, progress_text\n"
        f"s = Store({str(store.path)!r}); b = load_bank()\n"
        f"session_text(s, b, {session_id}, 'html'); progress_text(s, b, 'md')\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in __import__("json").loads(done.stdout)}
    assert "torch" not in loaded and "textual" not in loaded
