"""`python -m sims` and `quizapp sim` as a user runs them."""

import json
import subprocess
import sys

from sims.registry import SIMULATIONS
from sims.result import SimResult


def cli(*args: str, module: str = "sims") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=300)


def test_list_shows_every_simulation_with_params_and_observables():
    done = cli("list")
    assert done.returncode == 0, done.stderr
    for name, sim in SIMULATIONS.items():
        assert f"{name}: {sim.title}" in done.stdout
    assert "batch_sizes" in done.stdout and "lowest_val_loss_batch" in done.stdout
    assert "> 0 and <= 10" in done.stdout  # bounds are shown


def test_run_prints_tables_and_writes_json(tmp_path):
    out = tmp_path / "result.json"
    done = cli(
        "run",
        "updates_per_epoch",
        "--set",
        "n_samples=1000",
        "--set",
        "batch_sizes=10,300",
        "--seeds",
        "2",
        "--device",
        "cpu",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "updates_per_epoch on cpu" in done.stdout
    assert "100 updates" in done.stdout and "4 updates" in done.stdout and "2/2" in done.stdout
    result = SimResult.model_validate(json.loads(out.read_text()))
    assert result.observable("updates_per_epoch_drop_last", "300").value == 3


def test_bad_input_exits_with_a_message_not_a_traceback():
    done = cli("run", "batch_size_sweep", "--set", "lr=0")
    assert done.returncode == 2
    assert "parameter 'lr'" in done.stderr and "Traceback" not in done.stderr
    done = cli("run", "no_such_sim")
    assert done.returncode == 2 and "unknown simulation 'no_such_sim'" in done.stderr
    done = cli("run", "training_regimes", "--set", "lr")
    assert done.returncode == 2 and "KEY=VALUE" in done.stderr


def test_quizapp_sim_is_the_same_command():
    done = cli(
        "sim",
        "run",
        "updates_per_epoch",
        "--set",
        "n_samples=500",
        "--set",
        "batch_sizes=100",
        "--seeds",
        "1",
        module="quizapp.cli",
    )
    assert done.returncode == 0, done.stderr
    assert "5 updates" in done.stdout


def test_bench_prints_a_table_and_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    done = cli("bench", "--only", "updates_per_epoch", "--repeats", "1", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "speed-up" in done.stdout and "updates_per_epoch" in done.stdout
    report = json.loads(out.read_text())
    row = report["results"][0]
    assert row["sim"] == "updates_per_epoch" and row["speedup"] > 1
    assert report["machine"]["device"] == "cpu"
