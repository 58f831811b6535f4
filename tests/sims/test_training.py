"""The engine against torch.nn + torch.optim trained one run at a time, for every setting it offers.

Each test trains a stacked job, then trains every run alone the textbook way
(`sims.reference`, which replays the engine's sample order) and compares weights,
running statistics and evaluation outputs.
"""

from dataclasses import replace

import pytest
import torch

from sims import engine, gradients, reference
from sims.callbacks import Evaluate, GradNorm
from sims.jobs import Dataset, Job, Order
from sims.models import MLP, ConvNet
from sims.runs import Optimizer, Run, Schedule
from sims.tracker import Tracker

CPU = torch.device("cpu")


def data(n: int = 256, features: int = 8, classes: int = 3, seed: int = 7) -> Dataset:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(1, n, features, generator=generator)
    y = torch.randint(0, classes, (1, n, 1), generator=generator)
    return Dataset(x, y)


def job(model, runs, *, epochs: int = 2, optimizer: Optimizer | None = None, n: int = 256) -> Job:
    features = model.inputs if isinstance(model, ConvNet) else model.sizes[0]
    classes = model.classes if isinstance(model, ConvNet) else model.sizes[-1]
    train, val = data(n, features, classes), data(64, features, classes, seed=8)
    return Job("train", model, "cross_entropy", train, runs, epochs, val=val, optimizer=optimizer or Optimizer())


def assert_matches_alone(job: Job, outcome, *, atol: float = 2e-5) -> None:
    """Every run's weights, buffers, eval outputs and recorded curves equal the same run trained alone."""
    for r, run in enumerate(job.runs):
        alone = reference.train_one(job, run, CPU, same_order=True)
        mine = outcome.model.module(r)
        for (name, a), b in zip(mine.state_dict().items(), alone.module.state_dict().values(), strict=True):
            if a.is_floating_point():
                torch.testing.assert_close(
                    a, b, atol=atol, rtol=1e-4, msg=lambda m, n=name, v=run.variant: f"{v} {n}: {m}"
                )
        mine.eval(), alone.module.eval()
        x = job.val.x[run.dataset]
        torch.testing.assert_close(mine(x), alone.module(x), atol=10 * atol, rtol=1e-3)
        trace = outcome.traces[r]
        assert trace.update_loss == pytest.approx(alone.update_loss, rel=1e-4, abs=1e-5), run.variant
        assert trace.val_loss[1:] == pytest.approx(alone.val_loss, rel=1e-4, abs=1e-5), run.variant


MIXED = [
    Run("16", 0, 0.1, 16),
    Run("16", 1, 0.1, 16),
    Run("50", 0, 0.05, 50),
    Run("256", 1, 0.2, 256),
    Run("7", 2, 0.02, 7),
]
OPTIMIZERS = {
    "sgd": Optimizer(),
    "momentum": Optimizer(momentum=0.9),
    "nesterov": Optimizer(momentum=0.9, nesterov=True),
    "sgd+l2": Optimizer(weight_decay=0.01),
    "adam": Optimizer("adam"),
    "adam+l2": Optimizer("adam", weight_decay=0.01),
    "adamw": Optimizer("adamw", weight_decay=0.1),
    "sgdw+momentum": Optimizer("sgdw", momentum=0.9, weight_decay=0.1),
}


@pytest.mark.parametrize("strategy", ["merged", "by_batch"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_matches_torch_optim(name, strategy):
    config = OPTIMIZERS[name]
    scale = 0.05 if config.kind != "sgd" else 1.0
    runs = [replace(run, lr=run.lr * scale) for run in MIXED]
    runs[0] = replace(runs[0], schedule=Schedule("cosine", warmup=5))
    the_job = job(MLP((8, 16, 3)), runs, optimizer=config)
    assert_matches_alone(the_job, engine.train(the_job, CPU, Tracker("test"), strategy=strategy))


@pytest.mark.parametrize(
    "model",
    [
        MLP((8, 16, 3), activation="tanh"),
        MLP((8, 16, 3), activation="gelu"),
        MLP((8, 16, 16, 3), norm="batch"),
        MLP((8, 16, 3), norm="layer"),
        MLP((8, 16, 3), norm="group", groups=4),
        ConvNet(channels=(4, 8), hidden=16, classes=3),
        ConvNet(channels=(4,), hidden=16, classes=3, norm="batch"),
    ],
    ids=["tanh", "gelu", "batchnorm", "layernorm", "groupnorm", "cnn", "cnn+batchnorm"],
)
def test_building_blocks_match_torch_nn(model):
    runs = [Run("a", 0, 0.1, 16), Run("b", 1, 0.05, 16), Run("c", 2, 0.1, 32)]
    the_job = job(model, runs, n=96 if isinstance(model, ConvNet) else 256)
    if isinstance(model, ConvNet):
        the_job = replace(the_job, train=data(96, 64, 3), val=data(32, 64, 3, seed=8))
    assert_matches_alone(the_job, engine.train(the_job, CPU, Tracker("test")), atol=5e-5)


def test_autograd_and_the_fast_path_agree_on_plain_mlps():
    the_job = job(MLP((8, 16, 3)), MIXED, optimizer=Optimizer(momentum=0.9))
    fast = engine.train(the_job, CPU, Tracker("test"))
    with gradients.autograd_only():
        slow = engine.train(the_job, CPU, Tracker("test"))
    for a, b in zip(fast.model.params, slow.model.params, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
    for a, b in zip(fast.traces, slow.traces, strict=True):
        assert a.val_loss == pytest.approx(b.val_loss, rel=1e-4)


@pytest.mark.parametrize("model", [MLP((8, 16, 3)), MLP((8, 16, 3), norm="batch")], ids=["mlp", "batchnorm"])
def test_gradient_accumulation_matches_torch(model):
    runs = [
        Run("whole", 0, 0.1, 64),
        Run("mean of 4", 0, 0.1, 64, accumulate=4),
        Run("sum of 4", 0, 0.1, 64, accumulate=4, reduction="sum"),
    ]
    the_job = job(model, runs)
    outcome = engine.train(the_job, CPU, Tracker("test"))
    assert_matches_alone(the_job, outcome)
    whole, mean, _ = (outcome.model.module(r).state_dict() for r in range(3))
    differences = [float((whole[k] - mean[k]).abs().max()) for k in whole if whole[k].is_floating_point()]
    if model.norm is None:  # accumulating the mean is exactly the big batch
        assert max(differences) < 1e-5
    else:  # BatchNorm saw 16 samples at a time, not 64: the runs part ways
        assert max(differences) > 1e-3


def test_summed_micro_batches_act_as_a_k_times_larger_rate():
    runs = [Run("sum of 4", 0, 0.05, 64, accumulate=4, reduction="sum"), Run("x4 rate", 0, 0.2, 64)]
    outcome = engine.train(job(MLP((8, 16, 3)), runs), CPU, Tracker("test"))
    for a in outcome.model.params:
        torch.testing.assert_close(a[0], a[1], atol=1e-5, rtol=1e-4)


def test_batchnorm_never_mixes_micro_batches_or_padding():
    # 250 samples in batches of 64 split in 4: the last batch (58) has a short micro-batch of 10.
    runs = [Run("a", 0, 0.1, 64, accumulate=4), Run("b", 1, 0.1, 16), Run("c", 2, 0.1, 64)]
    the_job = job(MLP((8, 16, 3), norm="batch"), runs, n=250)
    for strategy in ("merged", "by_batch"):
        outcome = engine.train(the_job, CPU, Tracker("test"), strategy=strategy)
        assert_matches_alone(the_job, outcome)
    assert engine.groups(the_job, CPU, "merged") == [[0, 1], [2]]  # equal micro-batches share a loop


@pytest.mark.parametrize("config", [Optimizer(), Optimizer("adam")], ids=["sgd", "adam"])
def test_clipping_matches_clip_grad_norm(config):
    scale = 0.05 if config.kind == "adam" else 1.0
    runs = [
        Run("tight", 0, 0.5 * scale, 16, clip=0.05),
        Run("loose", 1, 0.5 * scale, 32, clip=10.0),
        Run("none", 2, 0.1 * scale, 16),
    ]
    the_job = job(MLP((8, 16, 3)), runs, optimizer=config)
    for strategy in ("merged", "by_batch"):
        assert_matches_alone(the_job, engine.train(the_job, CPU, Tracker("test"), strategy=strategy))


@pytest.mark.parametrize(
    "runs", [MIXED, [Run("a", 0, 0.5, 16, clip=0.05), Run("b", 1, 0.2, 16)]], ids=["mixed", "lockstep"]
)
def test_gradient_norms_recorded_are_those_torch_clips_from(runs):
    """Each update's global norm before clipping, as clip_grad_norm_ returns it, for clipped and unclipped runs."""
    the_job = replace(job(MLP((8, 16, 3)), runs), record=(GradNorm(),))
    outcome = engine.train(the_job, CPU, Tracker("test"))
    for r, run in enumerate(the_job.runs):
        alone = reference.train_one(the_job, run, CPU, same_order=True)
        assert len(outcome.traces[r].grad_norm) == len(alone.grad_norm) > 0
        assert outcome.traces[r].grad_norm == pytest.approx(alone.grad_norm, rel=1e-4, abs=1e-6), run.variant


def test_dropout_has_its_own_mask_per_run_and_is_off_in_evaluation():
    model = MLP((8, 32, 3), dropout=0.5)
    same_seed = [Run("a", 0, 0.1, 16), Run("b", 0, 0.1, 16)]
    the_job = replace(job(model, same_seed), record=(Evaluate(),))
    outcome = engine.train(the_job, CPU, Tracker("test"))
    a, b = outcome.model.params[0]
    assert not torch.allclose(a, b)  # same start, same data: only their masks differ
    net = outcome.model
    x = the_job.val.x[0]
    torch.testing.assert_close(net.predict(x), net.predict(x))  # evaluation is deterministic
    alone = net.module(0).eval()
    torch.testing.assert_close(net.predict(x)[0], alone(x), atol=1e-5, rtol=1e-4)


def test_training_in_phases_equals_one_run():
    runs = [Run("a", 0, 0.1, 16), Run("b", 1, 0.05, 32)]
    model = MLP((8, 16, 16, 3), norm="batch")
    whole = engine.train(job(model, runs, epochs=3), CPU, Tracker("test"))
    first = engine.train(job(model, runs, epochs=1), CPU, Tracker("test"))
    rest = replace(job(model, runs, epochs=2), start=first.model, order=Order(first_epoch=1))
    second = engine.train(rest, CPU, Tracker("test"))
    for mine, theirs in zip(
        second.model.params + second.model.buffers, whole.model.params + whole.model.buffers, strict=True
    ):
        torch.testing.assert_close(mine, theirs, atol=1e-6, rtol=1e-5)


@pytest.mark.gpu
def test_the_stacked_blocks_train_alike_on_cuda():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    model = ConvNet(channels=(4,), hidden=16, classes=3, norm="batch", dropout=0.0)
    runs = [Run("a", 0, 0.1, 16, accumulate=2), Run("b", 1, 0.05, 16, clip=1.0)]
    the_job = replace(job(model, runs), train=data(96, 64, 3), val=data(32, 64, 3, seed=8))
    on_cpu = engine.train(the_job, CPU, Tracker("test"), strategy="merged")
    on_gpu = engine.train(the_job, torch.device("cuda"), Tracker("test"))
    for a, b in zip(
        on_cpu.model.params + on_cpu.model.buffers, on_gpu.model.params + on_gpu.model.buffers, strict=True
    ):
        torch.testing.assert_close(a, b.cpu(), atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("order", [Order(drop_last=True), Order(shuffle=False)], ids=["drop_last", "in order"])
def test_data_order_settings_match_torch(order):
    the_job = replace(job(MLP((8, 16, 3)), MIXED), order=order)
    for strategy in ("merged", "by_batch"):
        assert_matches_alone(the_job, engine.train(the_job, CPU, Tracker("test"), strategy=strategy))


def test_runs_on_their_own_datasets_match_torch():
    """A job can hold several datasets of one size (a drifting stream per seed, say); each run reads its own."""
    first, second = data(256, seed=1), data(256, seed=2)
    train = Dataset(torch.cat([first.x, second.x]), torch.cat([first.y, second.y]))
    val_a, val_b = data(64, seed=3), data(64, seed=4)
    val = Dataset(torch.cat([val_a.x, val_b.x]), torch.cat([val_a.y, val_b.y]))
    runs = [Run("a", 0, 0.1, 16, dataset=0), Run("b", 0, 0.1, 16, dataset=1), Run("c", 1, 0.2, 50, dataset=1)]
    the_job = Job("train", MLP((8, 16, 3)), "cross_entropy", train, runs, 2, val=val)
    outcome = engine.train(the_job, CPU, Tracker("test"), strategy="merged")
    assert_matches_alone(the_job, outcome)
    assert outcome.traces[0].val_loss != outcome.traces[1].val_loss  # same seed, different data


def test_accumulation_and_clipping_together_match_torch():
    runs = [Run("a", 0, 0.5, 64, accumulate=4, clip=0.1), Run("b", 1, 0.5, 32, accumulate=2, reduction="sum", clip=0.2)]
    the_job = job(MLP((8, 16, 3)), runs, optimizer=Optimizer(momentum=0.9))
    for strategy in ("merged", "by_batch"):
        assert_matches_alone(the_job, engine.train(the_job, CPU, Tracker("test"), strategy=strategy))
