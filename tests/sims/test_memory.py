"""The memory measurement gives known answers: a tensor of known size, gradients, Adam's two buffers."""

import gc

import pytest
import torch
from torch import nn

from sims.memory import StepMemory, method, step_memory, steps_memory

CPU = torch.device("cpu")
FLOATS = 250_000  # a float32 tensor of exactly 1,000,000 bytes


def holding(keep: int, temporaries: list[int], together: bool):
    """A step that allocates float32 temporaries (all at once, or one after another) while `keep` floats stay live."""

    def build():
        kept = torch.ones(keep)

        def step():
            if together:
                held = [torch.empty(n) for n in temporaries]
                del held
            else:
                for n in temporaries:
                    torch.empty(n)
            return kept

        return step

    return build


def test_a_temporary_of_known_size_shows_up_to_the_byte():
    found = step_memory(holding(1000, [FLOATS], together=True), CPU)
    assert found == StepMemory(built=4000, resident=4000, peak=4000 + 4 * FLOATS, unreleased=0)


def test_the_peak_counts_what_is_live_at_once_not_what_was_ever_allocated():
    together = step_memory(holding(0, [FLOATS, FLOATS, FLOATS], together=True), CPU)
    in_turn = step_memory(holding(0, [FLOATS, FLOATS, FLOATS], together=False), CPU)
    assert together.peak == 3 * 4 * FLOATS
    assert in_turn.peak == 4 * FLOATS


def training(optimizer: str, device: torch.device = CPU, width: int = 300):
    """A real training step of a small model; gradients stay allocated between steps."""
    x, y = torch.randn(32, 20, device=device), torch.randint(0, 5, (32,), device=device)

    def build():
        model = nn.Sequential(nn.Linear(20, width), nn.ReLU(), nn.Linear(width, 5)).to(device)
        kind = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
        opt = kind(model.parameters(), lr=0.01, foreach=False)

        def step():
            opt.zero_grad(set_to_none=False)
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()

        return step

    return build


PARAM_TENSORS, PARAM_BYTES = 4, 4 * (20 * 300 + 300 + 300 * 5 + 5)


def test_built_is_the_weights_and_resident_adds_the_gradients():
    sgd = step_memory(training("sgd"), CPU)
    assert sgd.built == PARAM_BYTES
    assert sgd.resident == 2 * PARAM_BYTES
    assert sgd.peak > sgd.resident
    assert sgd.unreleased == 0


def test_adam_keeps_two_buffers_the_size_of_the_weights():
    sgd, adam = step_memory(training("sgd"), CPU), step_memory(training("adam"), CPU)
    # exp_avg and exp_avg_sq per parameter, and a 4-byte step counter per parameter tensor
    assert adam.resident - sgd.resident == 2 * PARAM_BYTES + 4 * PARAM_TENSORS
    assert adam.built == sgd.built  # Adam makes its state at the first step, not before


def test_steps_sharing_one_model_measure_as_each_would_alone():
    x, y = torch.randn(64, 20), torch.randint(0, 5, (64,))

    def build(sizes):
        model = nn.Sequential(nn.Linear(20, 300), nn.ReLU(), nn.Linear(300, 5))
        opt = torch.optim.Adam(model.parameters(), foreach=False)

        def step(n):
            opt.zero_grad(set_to_none=False)
            nn.functional.cross_entropy(model(x[:n]), y[:n]).backward()
            opt.step()

        return [lambda n=n: step(n) for n in sizes]

    together = steps_memory(lambda: build([8, 32, 64]), CPU)
    alone = [steps_memory(lambda n=n: build([n]), CPU)[0] for n in (8, 32, 64)]
    assert len({m.resident for m in together}) == 1
    assert [m.peak for m in together] == [m.peak for m in alone]
    assert together[0].peak < together[1].peak < together[2].peak


def test_the_same_step_measures_the_same_every_time():
    assert step_memory(training("adam"), CPU) == step_memory(training("adam"), CPU)


def test_garbage_collection_is_restored_and_the_method_is_named():
    assert gc.isenabled()
    step_memory(holding(10, [10], together=True), CPU)
    assert gc.isenabled()
    assert "profiler" in method(CPU)
    assert "max_memory_allocated" in method(torch.device("cuda"))


@pytest.mark.gpu
def test_cuda_measures_a_known_tensor_and_adams_buffers():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    cuda = torch.device("cuda")

    def build():
        def step():
            torch.empty(FLOATS, device=cuda)

        return step

    found = step_memory(build, cuda)
    assert found.resident == 0
    assert 4 * FLOATS <= found.peak <= 4 * FLOATS + 2**20  # the caching allocator rounds block sizes up

    # Wide layers, so the allocator's rounding of each block to 512 bytes is small beside them.
    sgd, adam = step_memory(training("sgd", cuda, 3000), cuda), step_memory(training("adam", cuda, 3000), cuda)
    param_bytes = 4 * (20 * 3000 + 3000 + 3000 * 5 + 5)
    assert sgd.built == pytest.approx(param_bytes, rel=0.01)
    assert (adam.resident - sgd.resident) / param_bytes == pytest.approx(2.0, rel=0.02)
    assert sgd.unreleased == 0


def test_the_cuda_path_reads_the_allocator_counters_around_each_step(monkeypatch):
    """Without a GPU: fake counters stand in for the caching allocator's, to check what is read when."""
    counters = {"allocated": 1000, "peak": 1000}  # 1000 bytes were allocated before (the data)

    def allocate(n: int) -> None:
        counters["allocated"] += n
        counters["peak"] = max(counters["peak"], counters["allocated"])

    monkeypatch.setattr(torch.cuda, "synchronize", lambda device: None)
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device: counters["allocated"])
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device: counters["peak"])
    monkeypatch.setattr(
        torch.cuda, "reset_peak_memory_stats", lambda device: counters.update(peak=counters["allocated"])
    )
    monkeypatch.setattr("sims.memory._start_cuda_libraries", lambda device: None)
    state = []

    def build():
        allocate(40)  # weights

        def step(activations: int) -> None:
            if not state:  # optimizer state, made at the first step
                allocate(80)
                state.append("made")
            allocate(activations)
            allocate(-activations)

        return [lambda: step(10), lambda: step(30)]

    found = steps_memory(build, torch.device("cuda"))
    assert found == [StepMemory(40, 120, 130, 120), StepMemory(40, 120, 150, 120)]
