"""The project is written in its own words: no run of ten words shared with the background texts."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT.parent / "shared" / "tools" / "seed_overlap.py"


@pytest.mark.skipif(not TOOL.exists(), reason="the background texts are not beside this checkout")
def test_no_text_shared_with_the_background_reading():
    done = subprocess.run([sys.executable, str(TOOL), str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
