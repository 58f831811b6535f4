"""The sims package stands alone: no UI, no app code, and no torch until something trains."""

import json
import subprocess
import sys


def modules_after(code: str) -> set[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_declarations_load_without_torch():
    loaded = modules_after(
        "from sims.registry import SIMULATIONS\nfor sim in SIMULATIONS.values():\n    sim.observables(sim.params({}))\n"
    )
    assert "torch" not in loaded


def test_training_never_pulls_in_the_app_or_textual():
    loaded = modules_after(
        "import sims, sims.cli, sims.bench, sims.engine, sims.reference\n"
        "from sims.registry import get\n"
        "get('updates_per_epoch').run({'n_samples': 200, 'batch_sizes': [50]}, seeds=[0])\n"
    )
    assert "torch" in loaded  # it really trained
    offenders = sorted(m for m in loaded if m.split(".")[0] in {"quizapp", "textual"})
    assert offenders == []
