"""The import structure holds: no cycles, a torch-free core of sims, sims independent of the app.

The contracts live in pyproject.toml ([tool.importlinter]); this runs them with import-linter.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_cycle_would_be_caught(tmp_path):
    """The acyclic contract is live: a package with two modules importing each other breaks it."""
    package = tmp_path / "loopy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loopy import b\n")
    (package / "b.py").write_text("def f():\n    from loopy import a\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = loopy\n\n[importlinter:contract:1]\nname = no cycles\n"
        "type = acyclic_siblings\nancestors = loopy\n"
    )
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"]
    done = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
    )
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout
