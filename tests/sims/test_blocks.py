"""Stacked blocks against plain torch.nn: every run trained by the stacked net must match its own nn model."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sims.blocks import BatchNorm, Dropout, Pass, StackedNet
from sims.models import MLP, ConvNet
from sims.stacked import StackedMLP

CPU = torch.device("cpu")
SEEDS = [3, 11, 29]
RUNS, BATCH, STEPS, LR = len(SEEDS), 16, 5, 0.1
SIZES = (6, 16, 12, 4)
SMALL_CONV = ConvNet(channels=(4, 8), hidden=16)

CASES = {
    "relu": MLP(SIZES),
    "tanh": MLP(SIZES, activation="tanh"),
    "gelu": MLP(SIZES, activation="gelu"),
    "batchnorm": MLP(SIZES, norm="batch"),
    "layernorm": MLP(SIZES, norm="layer"),
    "groupnorm": MLP(SIZES, norm="group"),
    "conv": SMALL_CONV,
    "conv_batchnorm": ConvNet(channels=(4, 8), hidden=16, norm="batch"),
    "conv_layernorm": ConvNet(channels=(4, 8), hidden=16, norm="layer", activation="gelu"),
    "conv_groupnorm": ConvNet(channels=(4, 8), hidden=16, norm="group", activation="tanh"),
}


def shape(model: MLP | ConvNet) -> tuple[int, int]:
    return (model.sizes[0], model.sizes[-1]) if isinstance(model, MLP) else (model.inputs, model.classes)


def batches(model: MLP | ConvNet, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Different random batches per run and step: x [STEPS, R, B, in], y [STEPS, R, B]."""
    inputs, classes = shape(model)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(STEPS, RUNS, BATCH, inputs, generator=generator)
    return x, torch.randint(classes, (STEPS, RUNS, BATCH), generator=generator)


def stacked_loss(outputs: Tensor, y: Tensor) -> Tensor:
    """The sum over runs of each run's mean loss: each run's gradient is its own."""
    return F.cross_entropy(outputs.flatten(0, 1), y.flatten(), reduction="none").view(y.shape).mean(1).sum()


def sgd_stacked(net: StackedNet, x: Tensor, y: Tensor, p: Pass) -> None:
    for step in range(x.shape[0]):
        params = [t.requires_grad_() for t in net.params]
        grads = torch.autograd.grad(stacked_loss(net.forward(x[step], p), y[step]), params)
        with torch.no_grad():
            for param, grad in zip(params, grads, strict=True):
                param -= LR * grad
    for t in net.params:
        t.requires_grad_(False)


def sgd_alone(module: nn.Module, x: Tensor, y: Tensor) -> None:
    optimizer = torch.optim.SGD(module.parameters(), lr=LR)
    module.train()
    for step in range(x.shape[0]):
        optimizer.zero_grad()
        F.cross_entropy(module(x[step]), y[step]).backward()
        optimizer.step()


def assert_same_state(a: nn.Module, b: nn.Module) -> None:
    wanted = {k: v for k, v in b.state_dict().items() if not k.endswith("num_batches_tracked")}
    got = {k: v for k, v in a.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert got.keys() == wanted.keys()
    for key, value in wanted.items():
        torch.testing.assert_close(got[key], value, atol=1e-5, rtol=1e-5, msg=key)


@pytest.mark.parametrize("name", list(CASES))
def test_training_matches_torch_nn_run_by_run(name: str) -> None:
    model = CASES[name]
    net = StackedNet.build(model, SEEDS, CPU)
    alone = [net.module(r) for r in range(RUNS)]
    x, y = batches(model)
    sgd_stacked(net, x, y, Pass(train=True))
    probe = torch.randn(40, shape(model)[0], generator=torch.Generator().manual_seed(9))
    outputs = net.predict(probe)
    for r, module in enumerate(alone):
        sgd_alone(module, x[:, r], y[:, r])
        assert_same_state(net.module(r), module)
        with torch.no_grad():
            torch.testing.assert_close(outputs[r], module.eval()(probe), atol=1e-5, rtol=1e-4)
    if model.batch_dependent:  # the running statistics moved, and eval mode used them
        assert not torch.equal(net.buffers[0][0], torch.zeros_like(net.buffers[0][0]))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_plain_mlp_starts_where_the_fast_path_starts(activation: str) -> None:
    model = MLP((5, 7, 9, 3), activation=activation)
    assert model.plain
    net = StackedNet.build(model, SEEDS, CPU)
    fast = StackedMLP.initialise(model.sizes, SEEDS, activation, CPU)
    assert len(net.params) == len(fast.params)
    for ours, theirs in zip(net.params, fast.params, strict=True):
        assert torch.equal(ours, theirs) and ours.is_contiguous()
    x = torch.randn(RUNS, 8, 5)
    torch.testing.assert_close(net.forward(x, Pass()), fast.forward(x)[0])


def test_dropout_is_identity_in_evaluation_and_draws_fresh_masks_in_training() -> None:
    net = StackedNet.build(MLP(SIZES, dropout=0.5), SEEDS, CPU)
    bare = StackedNet.build(MLP(SIZES), SEEDS, CPU)  # dropout draws nothing at init: same weights
    x = torch.randn(RUNS, 32, SIZES[0])
    torch.testing.assert_close(net.forward(x, Pass(train=False)), bare.forward(x, Pass()))
    torch.testing.assert_close(net.predict(x), bare.predict(x))
    generator = torch.Generator().manual_seed(0)
    mask = Dropout(0.25).mask(torch.Size((RUNS, 256, 64)), generator, CPU)
    assert mask.unique().tolist() == [0.0, torch.tensor(1 / 0.75).item()]
    kept = (mask > 0).float().mean(dim=(1, 2))
    assert torch.allclose(kept, torch.full((RUNS,), 0.75), atol=0.01)
    assert not torch.equal(mask[0], mask[1]) and not torch.equal(mask[1], mask[2])
    first, second = net.forward(x, Pass(generator=generator)), net.forward(x, Pass(generator=generator))
    assert not torch.equal(first, second)


def test_dropout_gradients_match_torch_nn_given_the_same_masks() -> None:
    net = StackedNet.build(MLP(SIZES, dropout=0.3), SEEDS, CPU)
    x, y = batches(net.model)
    x, y = x[0], y[0]
    generator = torch.Generator().manual_seed(5)
    replay = torch.Generator().set_state(generator.get_state())
    params = [t.requires_grad_() for t in net.params]
    grads = torch.autograd.grad(stacked_loss(net.forward(x, Pass(generator=generator)), y), params)
    # The net draws one mask per dropout block, in layer order: draw them again from the same state.
    dropouts = [block for block in net.blocks if isinstance(block, Dropout)]
    masks = [d.mask(torch.Size((RUNS, BATCH, w)), replay, CPU) for d, w in zip(dropouts, SIZES[1:-1], strict=True)]
    for r in range(RUNS):
        module, h, seen = net.module(r), x[r], 0
        for layer in module:
            if isinstance(layer, nn.Dropout):
                h, seen = h * masks[seen][r], seen + 1
            else:
                h = layer(h)
        F.cross_entropy(h, y[r]).backward()
        linears = [layer for layer in module if isinstance(layer, nn.Linear)]
        for i, layer in enumerate(linears):
            torch.testing.assert_close(grads[2 * i][r], layer.weight.grad.T, atol=1e-6, rtol=1e-5)
            torch.testing.assert_close(grads[2 * i + 1][r], layer.bias.grad, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("model", [MLP(SIZES, norm="batch"), ConvNet(channels=(4,), hidden=8, norm="batch")])
def test_batchnorm_ignores_padding(model: MLP | ConvNet) -> None:
    """Run r has real[r] samples scattered among garbage rows; run 2 has none and keeps its statistics."""
    real, width = [12, 5, 0], 12
    net = StackedNet.build(model, SEEDS, CPU)
    generator = torch.Generator().manual_seed(1)
    x = 1e3 * torch.randn(RUNS, width, shape(model)[0], generator=generator)  # garbage, then real rows below
    mask = torch.zeros(RUNS, width, 1)
    positions = [torch.randperm(width, generator=generator)[:n] for n in real]
    for r, rows in enumerate(positions):
        x[r, rows] = torch.randn(len(rows), shape(model)[0], generator=generator)
        mask[r, rows] = 1.0
    padded = net.forward(x, Pass(mask=mask))
    for r, rows in enumerate(positions[:2]):
        alone = StackedNet.build(model, [SEEDS[r]], CPU)
        torch.testing.assert_close(padded[r, rows], alone.forward(x[r : r + 1, rows], Pass())[0], atol=1e-5, rtol=0)
        for ours, theirs in zip(net.buffers, alone.buffers, strict=True):
            torch.testing.assert_close(ours[r], theirs[0])
    fresh = StackedNet.build(model, SEEDS, CPU).buffers
    for ours, theirs in zip(net.buffers, fresh, strict=True):
        assert torch.equal(ours[2], theirs[2])
    assert not any(t.isnan().any() for t in net.buffers)


def test_batchnorm_running_variance_is_unbiased_with_momentum_one_tenth() -> None:
    block, h = BatchNorm(3, spatial=False), torch.randn(2, 10, 3)
    mean, var = torch.zeros(2, 3), torch.ones(2, 3)
    block.forward(h, Pass(), [torch.ones(2, 3), torch.zeros(2, 3)], [mean, var])
    torch.testing.assert_close(mean, 0.1 * h.mean(1))
    torch.testing.assert_close(var, 0.9 + 0.1 * h.var(1, unbiased=True))


def test_concat_and_select_keep_rows_right() -> None:
    model = MLP(SIZES, norm="batch")
    first, second = StackedNet.build(model, [0, 1], CPU), StackedNet.build(model, [2, 3], CPU)
    for net in (first, second):  # make the buffers differ from run to run
        net.forward(torch.randn(net.runs, 8, SIZES[0]), Pass())
    order = [3, 0, 2, 1]
    combined = StackedNet.concat([first, second], order)
    wanted = StackedNet.build(model, order, CPU)  # the seeds are the row numbers here
    buffers = [torch.cat(parts) for parts in zip(first.buffers, second.buffers, strict=True)]
    for ours, theirs in zip(combined.params, wanted.params, strict=True):
        assert torch.equal(ours, theirs)
    for ours, theirs in zip(combined.buffers, buffers, strict=True):
        assert torch.equal(ours, theirs[order])
    picked = combined.select([2, 0])
    for ours, theirs in zip(picked.params + picked.buffers, combined.params + combined.buffers, strict=True):
        assert torch.equal(ours, theirs[[2, 0]])
    picked.params[0].zero_()
    assert not torch.equal(combined.params[0][2], picked.params[0][0])  # a copy, not a view


def test_module_round_trip_and_starting_weights() -> None:
    model = SMALL_CONV
    net = StackedNet.build(model, SEEDS, CPU)
    module = net.module(1)
    trained = copy.deepcopy(module)
    with torch.no_grad():
        for param in trained.parameters():
            param.add_(1.0)
    before = [t.clone() for t in net.params]
    net.load_module(1, trained)
    assert_same_state(net.module(1), trained)
    for now, then in zip(net.params, before, strict=True):
        assert torch.equal(now[[0, 2]], then[[0, 2]])
    again = StackedNet.build(model, SEEDS, CPU, weights=net.params, buffers=net.buffers)
    assert all(torch.equal(a, b) for a, b in zip(again.params, net.params, strict=True))
    again.params[0].zero_()
    assert not torch.equal(again.params[0], net.params[0])
    with pytest.raises(ValueError):
        StackedNet.build(model, SEEDS[:2], CPU, weights=net.params)
