"""`python -m sims bench`: each simulation at its defaults against the textbook loop.

For every simulation the benchmark records the training jobs one run performs, then
alternates: the simulation end to end (data, training, observables); the same with
autograd for every model; and the same jobs trained the common way (an `nn.Module`,
`DataLoader(TensorDataset(...), shuffle=True)`, the job's `torch.optim` optimizer, one run
after another). Same models, data, batch sizes, epochs and seeds; medians measured side by
side in this one process. With `--against REV`, each simulation as it was at that revision
and as it is now also run in fresh processes, one after the other, for a like-for-like ratio.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import torch

from sims import engine, gradients, hardware, reference
from sims.registry import SIMULATIONS, get
from sims.spec import DEFAULT_SEEDS


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }


def textbook(jobs: list[engine.Job], device: torch.device) -> float:
    started = time.perf_counter()
    for job in jobs:
        reference.train_all(job, device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started


@contextlib.contextmanager
def checkout(revision: str) -> Iterator[Path]:
    """The package as it was at a git revision, in a temporary worktree removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sims-previous-") as folder:
        tree = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), revision], check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=False, capture_output=True)


#: The folder holding this `sims` package, to time it the way an earlier checkout is timed.
HERE = Path(__file__).resolve().parent.parent


def time_previous(tree: Path, name: str, device_name: str | None) -> float | None:
    """One run of a simulation by the package in `tree` (after a warm-up run), in a fresh process."""
    code = (
        "import sys\nfrom sims.registry import SIMULATIONS\n"
        "sim = SIMULATIONS.get(sys.argv[1])\nif sim is None:\n    print('none')\n    raise SystemExit\n"
        "device = sys.argv[2] or None\nsim.run(device=device)\nprint(sim.run(device=device).wall_seconds)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, "-c", code, name, device_name or ""]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=True)
    last = done.stdout.strip().splitlines()[-1]
    return None if last == "none" else float(last)


def bench_one(name: str, repeats: int, device_name: str | None, previous: Path | None = None) -> dict[str, object]:
    """Median wall times of one simulation: as shipped, with autograd for every model, and the textbook loop.

    They alternate within each repeat, so a slow spell of the machine hits them alike; so
    does the previous engine, when a checkout of it is given.
    """
    sim = get(name)
    device = hardware.resolve(device_name)
    with engine.recording() as jobs:
        sim.run(device=device_name)  # warm-up, and the list of jobs to replay
    with gradients.autograd_only():
        sim.run(device=device_name)  # warm-up of the autograd path
    ours, autograd, theirs, before, fresh = [], [], [], [], []
    for _ in range(repeats):
        if previous is not None and (seconds := time_previous(previous, name, device_name)) is not None:
            before.append(seconds)
            # This engine timed the same way, in a fresh process, so the two compare like for like.
            fresh.append(time_previous(HERE, name, device_name) or math.nan)
        ours.append(sim.run(device=device_name).wall_seconds)
        with gradients.autograd_only():
            autograd.append(sim.run(device=device_name).wall_seconds)
        if sim.textbook is not None:
            started = time.perf_counter()
            sim.textbook(sim.params({}), list(DEFAULT_SEEDS), device)
            theirs.append(time.perf_counter() - started)
        else:
            theirs.append(textbook(jobs, device))
    runs = sum(len(job.runs) for job in jobs) or None  # a simulation with its own loop trains no engine jobs
    return {
        "sim": name,
        "runs_trained": runs,
        "ours_median_s": statistics.median(ours),
        "ours_all_s": ours,
        "autograd_median_s": statistics.median(autograd),
        "autograd_all_s": autograd,
        "textbook_median_s": statistics.median(theirs),
        "textbook_all_s": theirs,
        "speedup": statistics.median(theirs) / statistics.median(ours),
        "autograd_ratio": statistics.median(autograd) / statistics.median(ours),
        "previous_median_s": statistics.median(before) if before else None,
        "previous_all_s": before,
        "fresh_median_s": statistics.median(fresh) if fresh else None,
        "fresh_all_s": fresh,
        "previous_ratio": statistics.median(before) / statistics.median(fresh) if before else None,
    }


def geometric_mean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def main(only: list[str] | None, repeats: int, device_name: str | None, out: Path, against: str | None = None) -> int:
    if against is None:
        return report(only, repeats, device_name, out, None, None)
    with checkout(against) as tree:
        return report(only, repeats, device_name, out, tree, against)


def report(
    only: list[str] | None,
    repeats: int,
    device_name: str | None,
    out: Path,
    previous: Path | None,
    revision: str | None,
) -> int:
    names = only or list(SIMULATIONS)
    for name in names:
        get(name)  # fail early on a typo
    device = hardware.resolve(device_name)
    info = {
        **machine(),
        "device": hardware.describe(device),
        "seeds": len(DEFAULT_SEEDS),
        "repeats": repeats,
        "previous": revision,
    }
    print(
        f"device {info['device']}; {info['cpu']}, {info['cores']} cores; torch {info['torch']}; "
        f"{info['seeds']} seeds; median of {repeats}"
    )
    header = (
        f"{'simulation':<26} {'runs':>5} {'quizapp s':>10} {'autograd s':>11} {'textbook s':>11} "
        f"{'speed-up':>9} {'autograd/quizapp':>17}"
        + (f" {'fresh s':>8} {'previous s':>11} {'previous/fresh':>15}" if previous else "")
    )
    print(header)
    print("-" * len(header))
    rows = []
    for name in names:
        row = bench_one(name, repeats, device_name, previous)
        rows.append(row)
        runs = row["runs_trained"] or "-"
        line = (
            f"{name:<26} {runs:>5} {row['ours_median_s']:>10.3f} {row['autograd_median_s']:>11.3f} "
            f"{row['textbook_median_s']:>11.3f} {row['speedup']:>8.1f}x {row['autograd_ratio']:>16.2f}x"
        )
        if previous is not None:
            if row["previous_median_s"] is None:
                line += f" {'-':>8} {'-':>11} {'-':>15}"
            else:
                line += (
                    f" {row['fresh_median_s']:>8.3f} {row['previous_median_s']:>11.3f} {row['previous_ratio']:>14.2f}x"
                )
        print(line, flush=True)
    summary = {
        "speedup_geomean": geometric_mean([row["speedup"] for row in rows]),
        "autograd_ratio_geomean": geometric_mean([row["autograd_ratio"] for row in rows]),
    }
    compared = [row["previous_ratio"] for row in rows if row["previous_ratio"] is not None]
    if compared:
        summary["previous_ratio_geomean"] = geometric_mean(compared)
    print("-" * len(header))
    print(
        f"geometric mean: {summary['speedup_geomean']:.1f}x faster than the textbook loop; "
        f"autograd for every model {summary['autograd_ratio_geomean']:.2f}x the time of the shipped engine"
        + (
            f"; the engine of {revision} takes {summary['previous_ratio_geomean']:.2f}x this one's time"
            if compared
            else ""
        )
    )
    out.write_text(json.dumps({"machine": info, "results": rows, "summary": summary}, indent=2))
    print(f"\nwritten to {out}")
    return 0
