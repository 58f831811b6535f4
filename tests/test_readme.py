"""The README's commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[str]:
    return re.findall(r"```bash\n(python3 -m venv .venv && [^\n]+)\n```", (ROOT / "README.md").read_text())


def test_readme_shows_an_app_command_and_a_test_command():
    found = commands()
    assert len(found) == 2
    assert "quizapp" in found[0]
    assert "pytest" in found[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands()[1] in ci


def test_every_simulation_has_a_row_in_the_readme_table():
    from sims.registry import SIMULATIONS

    rows = set(re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "README.md").read_text(), flags=re.MULTILINE))
    assert set(SIMULATIONS) <= rows, f"missing from the README table: {sorted(set(SIMULATIONS) - rows)}"
