"""`python -m sims` and `quizapp sim` as a user runs them."""

import json
import os
import subprocess
import sys

import pytest

from sims import cli as sims_cli
from sims import engine
from sims.registry import SIMULATIONS, get
from sims.result import SimResult
from sims.spec import MAX_SEEDS, ParamError, allowed_range


def cli(*args: str, module: str = "sims", columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=300, env=env)


def flat(text: str) -> str:
    """Whitespace collapsed, so wrapped text compares with the one-line original."""
    return " ".join(text.split())


def blocks(listing: str) -> dict[str, str]:
    """The listing split per simulation: name -> its text."""
    out: dict[str, str] = {}
    for chunk in listing.strip().split("\n\n"):
        name = chunk.split(":", 1)[0]
        out[name] = chunk
    return out


def test_list_fits_80_columns_and_shows_every_simulation_param_and_observable():
    done = cli("list")
    assert done.returncode == 0, done.stderr
    too_wide = [line for line in done.stdout.splitlines() if len(line) > 80]
    assert too_wide == []
    shown = blocks(done.stdout)
    assert list(shown) == list(SIMULATIONS)
    for name, sim in SIMULATIONS.items():
        text = flat(shown[name])
        assert text.startswith(f"{name}: {sim.title} {flat(sim.summary)}")
        defaults = sim.params_model()
        properties = sim.params_model.model_json_schema()["properties"]
        for field, info in sim.params_model.model_fields.items():
            value = getattr(defaults, field)
            default = "none" if value is None else ",".join(map(str, value)) if isinstance(value, list) else value
            assert f"{field} = {default}" in text
            bounds = allowed_range(properties[field])
            if bounds:
                assert f"allowed: {bounds}" in text, (name, field)
            assert flat(info.description or "") in text
        for spec in sim.observables(defaults):
            assert f"{spec.name}: {spec.kind}" in text
            if spec.choices:
                assert f"of {{{', '.join(spec.choices)}}}" in text
            if spec.variants:
                assert f"per variant: {', '.join(spec.variants)}" in text
            assert flat(spec.description) in text
    assert "lr = 0.05 allowed: > 0 and <= 10" in flat(shown["batch_size_sweep"])


def test_list_of_one_simulation_fits_a_narrower_terminal_too():
    done = cli("list", "learning_rate_sweep", columns=60)
    assert done.returncode == 0, done.stderr
    assert max(len(line) for line in done.stdout.splitlines()) <= 60
    assert list(blocks(done.stdout)) == ["learning_rate_sweep"]
    assert "batch_size = none allowed: >= 1 or none" in flat(done.stdout)


def test_every_help_fits_80_columns():
    for args in ([], ["list"], ["run"], ["bench"]):
        done = cli(*args, "--help")
        assert done.returncode == 0, done.stderr
        assert max(len(line) for line in done.stdout.splitlines()) <= 80, args
    assert f"K from 1 to {MAX_SEEDS}" in flat(cli("run", "--help").stdout)


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


@pytest.mark.parametrize("seeds", [0, MAX_SEEDS + 1, 1000])
def test_seeds_out_of_range_is_refused_before_training(seeds, monkeypatch, capsys):
    monkeypatch.setattr(engine, "train", lambda *a, **k: pytest.fail("training started"))
    code = sims_cli.main(["run", "updates_per_epoch", "--seeds", str(seeds), "--device", "cpu"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == f"error: --seeds {seeds} is out of range; allowed: 1 to {MAX_SEEDS} seeds\n"


def test_seeds_out_of_range_from_the_shell_and_from_python_say_the_same():
    done = cli("run", "updates_per_epoch", "--seeds", "40")
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "--seeds 40 is out of range; allowed: 1 to 32 seeds" in done.stderr
    with pytest.raises(ParamError) as raised:
        get("updates_per_epoch").run(seeds=range(40))
    assert str(raised.value) == "updates_per_epoch: number of seeds 40 is out of range; allowed: 1 to 32 seeds"


def test_the_most_seeds_allowed_still_run():
    done = cli(
        "run", "updates_per_epoch", "--set", "n_samples=200", "--set", "batch_sizes=50", "--seeds", str(MAX_SEEDS)
    )
    assert done.returncode == 0, done.stderr
    assert f"{MAX_SEEDS} seeds" in done.stdout and f"{MAX_SEEDS}/{MAX_SEEDS}" in done.stdout


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


def test_a_run_with_diverged_rates_reports_them_in_short_lines():
    result = get("learning_rate_sweep").run({"n_rates": 4, "epochs": 20}, seeds=[0, 1], device="cpu")
    assert result.diverged
    text = sims_cli.format_result(result)
    diverged = text.split("diverged (loss blew up; a result, not a failure):\n")[1].splitlines()
    assert len(diverged) == len({d.variant for d in result.diverged})  # one line per variant, not per seed
    assert all("of 2 seeds, at update" in line for line in diverged)
    assert max(len(line) for line in text.splitlines()) <= 80
