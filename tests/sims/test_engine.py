"""The batched engine: same weights as a plain loop, reproducible, divergence-safe, live, cancellable."""

import threading
import time

import pytest
import torch

from sims import data, engine, layout, reference, runs
from sims.callbacks import Divergence, Evaluate, FullLoss
from sims.jobs import Job
from sims.models import MLP
from sims.registry import get
from sims.runs import Run, Schedule
from sims.spec import Cancelled
from sims.tracker import Tracker

CPU = torch.device("cpu")


def test_least_squares_matches_too():
    problem = data.least_squares(64, 4, condition=10, noise=0.1, seed=0)
    runs = [Run("a", 0, 0.3, 64), Run("b", 1, 0.1, 16)]
    job = Job("grid", MLP((4, 1)), "half_mse", problem.data, runs, epochs=5)
    outcome = engine.train(job, CPU, Tracker("test"), strategy="merged")
    for r, run in enumerate(job.runs):
        alone = reference.train_one(job, run, CPU, same_order=True).module.state_dict().values()
        for mine, theirs in zip(outcome.model.module(r).state_dict().values(), alone, strict=True):
            torch.testing.assert_close(mine, theirs, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    ("n", "batch", "drop_last"), [(100, 32, False), (100, 32, True), (10, 10, False), (9, 4, False)]
)
def test_micro_schedule_visits_every_sample_once(n, batch, drop_last):
    order = torch.randperm(n)
    index, weight, update = layout.micro_schedule(order, Run("a", 0, 0.1, batch), 4, drop_last)
    used = index[weight > 0]
    expected = order[: n - (n % batch if drop_last else 0)]
    assert sorted(used.tolist()) == sorted(expected.tolist())
    assert int(update.sum()) == len(runs.batch_sizes(n, batch, drop_last))
    # The weights of each batch's micro-batches add up to one: a mean over that batch.
    ends = update.nonzero().flatten().tolist()
    start = 0
    for end in ends:
        assert float(weight[start : end + 1].sum()) == pytest.approx(1.0)
        start = end + 1


def test_same_seed_gives_identical_numbers():
    sim = get("training_regimes")
    params = {"n_samples": 120, "epochs": 4}
    first = sim.run(params, seeds=[3, 4], device="cpu")
    second = sim.run(params, seeds=[3, 4], device="cpu")
    assert first.series == second.series
    assert first.observables == second.observables
    other = sim.run(params, seeds=[5, 6], device="cpu")
    assert other.series != first.series


def test_divergence_is_recorded_and_the_others_carry_on():
    problem = data.least_squares(128, 6, condition=10, noise=0.1, seed=1)
    rate = problem.critical_rate
    runs = [Run("slow", 0, 0.5 * rate, 128), Run("wild", 0, 3 * rate, 128), Run("wilder", 1, 50 * rate, 128)]
    outcome = engine.train(Job("grid", MLP((6, 1)), "half_mse", problem.data, runs, epochs=50), CPU, Tracker("test"))
    slow, wild, wilder = outcome.traces
    assert slow.diverged_at is None and slow.updates == 50 and len(slow.train_loss) == 51
    assert slow.train_loss[-1] < slow.train_loss[0]
    assert wild.diverged_at is not None and 1 <= wild.diverged_at < 50
    assert wilder.diverged_at is not None and wilder.diverged_at <= wild.diverged_at
    assert len(wild.update_loss) == wild.diverged_at - 1  # the curve stops where it blew up
    assert all(torch.isfinite(torch.tensor(wild.update_loss)))


def test_diverged_runs_show_up_in_the_result_not_as_an_error():
    result = get("learning_rate_sweep").run({"epochs": 40, "n_rates": 4}, seeds=[0, 1])
    diverged = {d.variant for d in result.diverged}
    assert "10" in diverged
    assert result.observable("diverges", "10").value is True
    assert result.observable("diverges", "0.01").value is False


def test_progress_is_rate_limited_and_carries_curve_points():
    events = []
    started = time.monotonic()
    result = get("training_regimes").run({"n_samples": 300, "epochs": 8}, seeds=[0, 1], progress=events.append)
    elapsed = time.monotonic() - started
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(events) <= 20 * elapsed + 3 + 3  # plus the one final event each group of runs always sends
    points = [p for e in events for p in e.points]
    assert any(p.metric == "update_loss" and p.x for p in points)
    assert {p.variant for p in points} >= {"full-batch", "stochastic"}
    # Every curve arrives whole while the run goes: a live chart never misses a run's last updates.
    for series in result.series:
        if series.metric == "update_loss":
            live = [p for p in points if (p.metric, p.variant, p.seed) == ("update_loss", series.variant, series.seed)]
            assert max(x for p in live for x in p.x) == series.x[-1], series.variant


def test_cancel_stops_within_a_fraction_of_a_second():
    cancel = threading.Event()
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            get("training_regimes").run({"n_samples": 4000, "epochs": 200}, cancel=cancel)
        except Cancelled as exc:
            outcome["cancelled"] = exc
            outcome["at"] = time.monotonic()

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(1.0)
    asked = time.monotonic()
    cancel.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert isinstance(outcome.get("cancelled"), Cancelled)
    assert outcome["at"] - asked < 0.5  # type: ignore[operator]
    assert "training_regimes: cancelled at" in str(outcome["cancelled"])


def test_cancel_before_start_trains_nothing():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        get("batch_size_sweep").run(cancel=cancel)


@pytest.mark.gpu
def test_cuda_agrees_with_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    params = {"n_samples": 200, "epochs": 3}
    on_cpu = get("training_regimes").run(params, seeds=[0], device="cpu")
    on_gpu = get("training_regimes").run(params, seeds=[0], device="cuda")
    assert on_gpu.device.startswith("cuda:0 (")
    for regime in ("full-batch", "mini-batch", "stochastic"):
        assert (
            on_gpu.observable("updates_per_epoch", regime).value == on_cpu.observable("updates_per_epoch", regime).value
        )
        cpu_loss = on_cpu.observable("final_train_loss", regime).value
        assert on_gpu.observable("final_train_loss", regime).value == pytest.approx(cpu_loss, rel=2e-2)


def test_full_training_loss_after_every_update():
    problem = data.least_squares(64, 4, condition=10, noise=0.1, seed=0)
    runs = [Run("a", 0, 0.3, 16), Run("b", 1, 0.1, 64)]
    for strategy in ("merged", "by_batch"):
        parts = (Divergence(), Evaluate(), FullLoss())
        job = Job("grid", MLP((4, 1)), "half_mse", problem.data, runs, epochs=2, record=parts)
        outcome = engine.train(job, CPU, Tracker("test"), strategy=strategy)
        for trace in outcome.traces:
            assert len(trace.full_loss) == trace.updates
            # after the last update of each epoch it equals the epoch's evaluation
            per_epoch = trace.updates // 2
            assert trace.full_loss[per_epoch - 1] == pytest.approx(trace.train_loss[1], rel=1e-5)
            assert trace.full_loss[-1] == pytest.approx(trace.train_loss[2], rel=1e-5)


@pytest.mark.parametrize("name", ["out_of_core", "steps_to_target", "schedules"])
def test_cancel_stops_phased_tuned_and_streaming_runs(name):
    cancel = threading.Event()
    training = threading.Event()  # set by the first progress event: data loaded, training under way
    caught: list[Cancelled] = []

    def work() -> None:
        try:
            get(name).run(cancel=cancel, progress=lambda event: training.set())
        except Cancelled as exc:
            caught.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert training.wait(timeout=30)
    asked = time.monotonic()
    cancel.set()
    thread.join(timeout=5)
    assert caught and time.monotonic() - asked < 1.0


def test_schedule_factors():
    assert Schedule("exponential", end_factor=100.0).factors(3, 3) == pytest.approx([1, 10, 100])
    assert Schedule("step", milestones=(1,), gamma=0.5).factors(4, 2) == [1, 1, 0.5, 0.5]
    assert Schedule("cosine").factors(2, 2) == pytest.approx([1.0, 0.5])
    assert Schedule(warmup=4).factors(5, 5) == pytest.approx([0.25, 0.5, 0.75, 1, 1])
