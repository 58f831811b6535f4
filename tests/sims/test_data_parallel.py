"""data_parallel: real worker processes reproduce one process at the global batch, and always go away.

The science (DDP's weights equal one process at W x b; per-worker BatchNorm does not, synced
BatchNorm does; lr x W keeps the one-worker curve) and the process machinery (a cancel, a
worker's exception, a worker that dies, a hung group: no process is left behind).
"""

import multiprocessing
import os
import threading
import time
from dataclasses import replace
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist

from sims import data, ddp, distributed, engine
from sims.data_parallel import SIM, TRAIN_SIZE
from sims.jobs import Job, Order
from sims.models import MLP
from sims.runs import Run
from sims.spec import Cancelled, ParamError
from sims.tracker import Tracker

CPU = torch.device("cpu")
SEEDS = [0, 1, 2]


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def assert_no_worker_left(pids: set[int]) -> None:
    """The workers are gone, and all that stays below this process are multiprocessing's two helpers."""
    assert pids, "the test should have seen workers running"
    assert distributed.live_workers() == set()
    assert multiprocessing.active_children() == []
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    helpers = {forkserver._forkserver._forkserver_pid, resource_tracker._resource_tracker._pid}
    assert descendants(os.getpid()) <= helpers


@pytest.fixture(scope="module")
def result():
    return SIM.run({"epochs": 4}, seeds=SEEDS)


def test_workers_end_with_the_weights_of_one_process_at_the_global_batch(result):
    for count in (2, 4):
        matches = result.observable("matches_single_process", f"W={count}")
        assert matches.value is True and matches.agreeing == len(SEEDS)
        assert max(result.observable("max_weight_difference", f"W={count}").per_seed) < 1e-12
        assert result.observable("global_batch", f"W={count}").value == count * 32
        assert result.observable("updates_per_epoch", f"W={count}").value == TRAIN_SIZE // (count * 32)
    assert result.observable("updates_per_epoch", "W=1").value == TRAIN_SIZE // 32


def test_per_worker_batchnorm_is_another_model_and_synced_batchnorm_is_not(result):
    for count in ("W=2", "W=4"):
        assert result.observable("bn_matching_one_process", count).value == "synced"
        assert max(result.observable("bn_weight_difference", f"{count} BN synced").per_seed) < 1e-12
        assert min(result.observable("bn_weight_difference", f"{count} BN per-worker").per_seed) > 1e-3


def test_scaling_the_rate_with_the_workers_keeps_the_one_worker_curve(result):
    for count in (2, 4):
        choice = result.observable("lr_keeping_curve", f"W={count}")
        assert choice.value == "lr x W" and choice.agreeing == len(SEEDS)
        same = result.observable("curve_gap", f"W={count}").per_seed
        scaled = result.observable("curve_gap", f"W={count} lr x{count}").per_seed
        assert all(s < u / 10 for s, u in zip(scaled, same, strict=True))
    assert result.observable("curve_gap", "W=4").value > result.observable("curve_gap", "W=2").value
    assert result.observable("start_seconds", "W=2").value > 0


def test_every_replica_holds_the_same_weights_and_float32_workers_match_the_engine():
    """Straight through the launcher, in float32: both ranks hold identical weights, those of the engine at 2b."""
    split = data.digits(0.2)
    x, y = split.train.x[0].numpy(), split.train.y[0, :, 0].numpy()
    plan = ddp.Plan(x, y, [3, 4], 16, 10, 8, 1, [ddp.Variant("plain", 0.2)], dtype="float32")
    launched = distributed.launch(ddp.train, 2, plan, device=CPU, tracker=Tracker("t"))
    first, second = (result.weights["plain"] for result in launched.results)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert launched.results[0].samples_per_update == 16
    runs = [Run("plain", seed, 0.2, 16) for seed in (3, 4)]
    job = Job("one", MLP((64, 16, 10)), "cross_entropy", split.train, runs, 1, order=Order(drop_last=True))
    engine_weights = [p.numpy() for p in engine.train(job, CPU, Tracker("t")).model.params]
    assert max(ddp.max_difference(first, engine_weights)) < 1e-6


def test_per_worker_batchnorm_is_gradient_accumulation_over_micro_batches_of_b():
    """Each worker normalises its own b samples, so W workers train what one process does with W micro-batches."""
    split = data.digits(0.2)
    x, y = split.train.x[0].numpy(), split.train.y[0, :, 0].numpy()
    plan = ddp.Plan(x, y, [0, 1], 16, 10, 8, 1, [ddp.Variant("bn", 0.1, "per-worker")], dtype="float32")
    workers = distributed.launch(ddp.train, 2, plan, device=CPU, tracker=Tracker("t")).results[0].weights["bn"]
    runs = [Run("micro", seed, 0.1, 16, accumulate=2) for seed in (0, 1)]
    job = Job(
        "acc", MLP((64, 16, 10), norm="batch"), "cross_entropy", split.train, runs, 1, order=Order(drop_last=True)
    )
    accumulated = [p.numpy() for p in engine.train(job, CPU, Tracker("t")).model.params]
    assert max(ddp.max_difference(workers, accumulated)) < 1e-5
    whole = engine.train(replace(job, runs=[replace(r, accumulate=1) for r in runs]), CPU, Tracker("t")).model
    assert min(ddp.max_difference(workers, [p.numpy() for p in whole.params])) > 1e-3  # one batch of 16 differs


def test_cancelling_mid_run_stops_every_worker():
    cancel, seen, outcome = threading.Event(), set(), {}

    def progress(event):
        if event.stage == "W=2 workers" and not cancel.is_set():
            seen.update(distributed.live_workers())
            cancel.set()

    def target():
        try:
            SIM.run({"workers": [2], "epochs": 3}, seeds=[0], progress=progress, cancel=cancel)
        except Exception as exc:  # handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), Cancelled)
    assert_no_worker_left(seen)


def fail_on_rank_one(group: distributed.Group, payload: tuple[str, str]) -> None:
    """Rank 1 fails; rank 0 waits for it in a collective that will never complete."""
    how, folder = payload
    Path(folder, str(os.getpid())).touch()  # so the test knows which processes to look for
    if group.rank == 1:
        if how == "raise":
            raise ValueError("a failure on purpose")
        if how == "exit":
            os._exit(3)
        time.sleep(60)
    dist.barrier()


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("raise", "worker 1 of 2 failed: ValueError: a failure on purpose"),
        ("exit", "worker 1 of 2 exited with code 3"),
        ("hang", "still running after the time limit"),
    ],
)
def test_a_failed_worker_is_reported_and_no_worker_is_left(how, message, tmp_path):
    with pytest.raises(distributed.WorkerError, match=message) as caught:
        distributed.launch(fail_on_rank_one, 2, (how, str(tmp_path)), device=CPU, tracker=Tracker("t"), timeout=1.5)
    if how == "raise":
        assert "fail_on_rank_one" in str(caught.value)  # the worker's traceback comes along
    assert_no_worker_left({int(p.name) for p in tmp_path.iterdir()})


def test_a_global_batch_larger_than_the_data_is_refused():
    with pytest.raises(ParamError, match="batch_per_worker"):
        SIM.params({"workers": [8], "batch_per_worker": 200})


def test_a_script_without_a_main_guard_is_told_what_to_add(tmp_path):
    """Workers import the main module again; an unguarded script gets the fix, not a broken pipe."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text('from sims.registry import get\nget("data_parallel").run({"epochs": 1}, seeds=[0])\n')
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("sims.distributed.WorkerError") and 'if __name__ == "__main__":' in last, last
