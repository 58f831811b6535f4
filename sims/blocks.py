"""The building blocks of `sims.models`, stacked: row r of every tensor belongs to run r.

One forward pass advances every run, and torch autograd differentiates it. Blocks are
stateless: the net owns the tensors and hands each block its own at every call, so
`concat` and `select` only move rows and `params` stays the one list optimizers update
in place. Activations keep the layout [R, B, features] (or [R, B, C, H, W] inside a
ConvNet); `tests/sims/test_blocks.py` checks every block against `torch.nn` trained alone.

Initialisation depends on the seed alone: one `torch.Generator` per run draws the layers
in order (convolutions, then linear layers), each as its torch.nn default would, weight
before bias. Linear layers draw exactly as `sims.stacked.init_layers`, so a plain MLP
starts from the same tensors as `StackedMLP.initialise` and either path can train it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from sims.models import MLP, ActivationKind, ConvNet, NormKind

EPS = 1e-5
MOMENTUM = 0.1
#: Floats one `predict` chunk may hold in its widest activation, across all runs.
PREDICT_FLOATS = 2**25


@dataclass
class Pass:
    """What one forward pass needs besides the inputs."""

    train: bool = True
    mask: Tensor | None = None  # [R, B, 1] float: 1 for real samples, 0 for padding (which must be finite)
    generator: torch.Generator | None = None  # draws dropout masks; on the inputs' device


def _uniform(shape: tuple[int, ...], fan_in: int, generator: torch.Generator) -> Tensor:
    bound = 1.0 / math.sqrt(fan_in)
    return torch.empty(shape).uniform_(-bound, bound, generator=generator)


def _per_channel(t: Tensor, h: Tensor) -> Tensor:
    """A per-run, per-channel tensor [R, C] shaped to broadcast over h [R, B, C, ...]."""
    return t.view(t.shape[0], 1, t.shape[1], *[1] * (h.dim() - 3))


class Block:
    """One layer. `params`/`buffers` name its tensors on the matching torch.nn module, in order."""

    params: tuple[str, ...] = ()
    buffers: tuple[str, ...] = ()

    def init(self, generator: torch.Generator) -> list[Tensor]:
        """One run's trainable tensors, in stacked layout (without the run dimension)."""
        return []

    def fresh_buffers(self) -> list[Tensor]:
        return []

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        raise NotImplementedError

    def module(self, device: torch.device) -> nn.Module:
        raise NotImplementedError

    def as_nn(self, name: str, t: Tensor) -> Tensor:
        """One run's tensor in torch.nn layout, and back: the two differ by a transpose at most."""
        return t


class Linear(Block):
    """Weight [R, in, out] (nn's transposed) so that one `baddbmm` serves every run."""

    params = ("weight", "bias")

    def __init__(self, fan_in: int, fan_out: int) -> None:
        self.fan_in, self.fan_out = fan_in, fan_out

    def init(self, generator: torch.Generator) -> list[Tensor]:
        weight = _uniform((self.fan_out, self.fan_in), self.fan_in, generator)
        return [weight.T, _uniform((self.fan_out,), self.fan_in, generator)]

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        weight, bias = params
        return torch.baddbmm(bias.unsqueeze(1), h, weight)

    def module(self, device: torch.device) -> nn.Module:
        return nn.utils.skip_init(nn.Linear, self.fan_in, self.fan_out, device=device)  # no draw from torch's RNG

    def as_nn(self, name: str, t: Tensor) -> Tensor:
        return t.T if name == "weight" else t


class Conv(Block):
    """3x3 convolution, padding 1; weight [R, Cout, Cin, 3, 3]. Runs become groups: [B, R*Cin, H, W] in one conv2d."""

    params = ("weight", "bias")

    def __init__(self, cin: int, cout: int) -> None:
        self.cin, self.cout = cin, cout

    def init(self, generator: torch.Generator) -> list[Tensor]:
        fan_in = self.cin * 9
        return [_uniform((self.cout, self.cin, 3, 3), fan_in, generator), _uniform((self.cout,), fan_in, generator)]

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        weight, bias = params
        runs, batch, _, height, width = h.shape
        x = h.transpose(0, 1).reshape(batch, runs * self.cin, height, width)
        y = F.conv2d(x, weight.reshape(-1, self.cin, 3, 3), bias.reshape(-1), padding=1, groups=runs)
        return y.view(batch, runs, self.cout, height, width).transpose(0, 1)

    def module(self, device: torch.device) -> nn.Module:
        return nn.utils.skip_init(nn.Conv2d, self.cin, self.cout, 3, padding=1, device=device)


class Activation(Block):
    def __init__(self, kind: ActivationKind) -> None:
        self.kind = kind

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        return {"relu": F.relu, "tanh": torch.tanh, "gelu": F.gelu}[self.kind](h)

    def module(self, device: torch.device) -> nn.Module:
        return {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}[self.kind]()


class Dropout(Block):
    """Zeroes each element with probability `rate` and scales the rest by 1/(1-rate); identity in evaluation."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def mask(self, shape: torch.Size, generator: torch.Generator | None, device: torch.device) -> Tensor:
        """The scaled mask a training pass multiplies by: its own draw for every run, sample and unit."""
        keep = torch.rand(shape, generator=generator, device=device) >= self.rate
        return keep.float().mul_(1.0 / (1.0 - self.rate))

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        if not p.train or self.rate == 0.0:
            return h
        return h * self.mask(h.shape, p.generator, h.device)

    def module(self, device: torch.device) -> nn.Module:
        return nn.Dropout(self.rate)


class BatchNorm(Block):
    """Per run and channel, over that run's real samples (and pixels): padding never enters the statistics.

    A run with no real sample in the pass keeps its running statistics; one with a single
    sample adds a running variance of 0 where torch would refuse the batch.
    """

    params = ("weight", "bias")
    buffers = ("running_mean", "running_var")

    def __init__(self, channels: int, spatial: bool) -> None:
        self.channels, self.spatial = channels, spatial

    def init(self, generator: torch.Generator) -> list[Tensor]:
        return [torch.ones(self.channels), torch.zeros(self.channels)]

    def fresh_buffers(self) -> list[Tensor]:
        return [torch.zeros(self.channels), torch.ones(self.channels)]

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        weight, bias = (_per_channel(t, h) for t in params)
        running_mean, running_var = buffers
        if not p.train:
            mean, var = _per_channel(running_mean, h), _per_channel(running_var, h)
        else:
            mean, var, count = self._statistics(h, p.mask)
            with torch.no_grad():
                unbiased = var.detach().view_as(running_var) * (count / (count - 1).clamp_min(1))
                rate = (count > 0) * MOMENTUM  # [R, 1]: a run without real samples keeps its statistics
                running_mean.lerp_(mean.detach().view_as(running_mean), rate)
                running_var.lerp_(unbiased, rate)
        return (h - mean) * (weight * torch.rsqrt(var + EPS)) + bias

    def _statistics(self, h: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """Mean and biased variance shaped like h's channels, and each run's count of values [R, 1]."""
        dims = (1, *range(3, h.dim()))
        per_sample = h[0, 0, 0].numel()  # pixels per channel
        if mask is None:
            count = torch.full((h.shape[0], 1), h.shape[1] * per_sample, dtype=h.dtype, device=h.device)
            return h.mean(dims, keepdim=True), h.var(dims, unbiased=False, keepdim=True), count
        m = mask.reshape(h.shape[0], h.shape[1], *[1] * (h.dim() - 2))
        count = m.sum(1).view(-1, 1) * per_sample
        scale = (1.0 / count.clamp_min(1)).view(-1, *[1] * (h.dim() - 1))
        mean = (h * m).sum(dims, keepdim=True) * scale
        centred = h - mean
        return mean, (centred * centred * m).sum(dims, keepdim=True) * scale, count

    def module(self, device: torch.device) -> nn.Module:
        kind = nn.BatchNorm2d if self.spatial else nn.BatchNorm1d
        return kind(self.channels, eps=EPS, momentum=MOMENTUM, device=device)


class LayerNorm(Block):
    """Over each sample's trailing `shape` ([F], or [C, H, W] in a ConvNet); element-wise affine per run."""

    params = ("weight", "bias")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def init(self, generator: torch.Generator) -> list[Tensor]:
        return [torch.ones(self.shape), torch.zeros(self.shape)]

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        weight, bias = params
        return torch.addcmul(bias.unsqueeze(1), F.layer_norm(h, self.shape, eps=EPS), weight.unsqueeze(1))

    def module(self, device: torch.device) -> nn.Module:
        return nn.LayerNorm(self.shape, eps=EPS, device=device)


class GroupNorm(Block):
    """Over each sample's channel groups (and pixels); per-channel affine per run."""

    params = ("weight", "bias")

    def __init__(self, groups: int, channels: int) -> None:
        self.groups, self.channels = groups, channels

    def init(self, generator: torch.Generator) -> list[Tensor]:
        return [torch.ones(self.channels), torch.zeros(self.channels)]

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        weight, bias = (_per_channel(t, h) for t in params)
        normed = F.group_norm(h.reshape(-1, *h.shape[2:]), self.groups, eps=EPS).view(h.shape)
        return torch.addcmul(bias, normed, weight)

    def module(self, device: torch.device) -> nn.Module:
        return nn.GroupNorm(self.groups, self.channels, eps=EPS, device=device)


class MaxPool(Block):
    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        return F.max_pool2d(h.reshape(-1, *h.shape[2:]), 2).unflatten(0, h.shape[:2])

    def module(self, device: torch.device) -> nn.Module:
        return nn.MaxPool2d(2)


class Image(Block):
    """Flat inputs [R, B, side²] to single-channel images [R, B, 1, side, side]."""

    def __init__(self, side: int) -> None:
        self.side = side

    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        return h.reshape(*h.shape[:2], 1, self.side, self.side)

    def module(self, device: torch.device) -> nn.Module:
        return nn.Unflatten(1, (1, self.side, self.side))


class Flatten(Block):
    def forward(self, h: Tensor, p: Pass, params: list[Tensor], buffers: list[Tensor]) -> Tensor:
        return h.flatten(2)

    def module(self, device: torch.device) -> nn.Module:
        return nn.Flatten()


def _norm(kind: NormKind, groups: int, channels: int, side: int | None) -> Block:
    """The norm after a linear layer (side None) or a convolution on side x side images."""
    if kind == "batch":
        return BatchNorm(channels, spatial=side is not None)
    if kind == "layer":
        return LayerNorm((channels,) if side is None else (channels, side, side))
    return GroupNorm(groups, channels)


def layers(model: MLP | ConvNet) -> list[Block]:
    """The blocks of a model description, in the order `sims.models` documents."""
    blocks: list[Block] = []

    def hidden(channels: int, side: int | None) -> None:
        if model.norm is not None:
            blocks.append(_norm(model.norm, model.groups, channels, side))
        blocks.append(Activation(model.activation))

    if isinstance(model, MLP):
        for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(model.sizes)):
            blocks.append(Linear(fan_in, fan_out))
            if layer < len(model.sizes) - 2:
                hidden(fan_out, None)
                if model.dropout > 0:
                    blocks.append(Dropout(model.dropout))
        return blocks
    blocks.append(Image(model.side))
    channels, side = 1, model.side
    for cout in model.channels:
        blocks.append(Conv(channels, cout))
        hidden(cout, side)
        blocks.append(MaxPool())
        channels, side = cout, side // 2
    blocks += [Flatten(), Linear(channels * side * side, model.hidden), Activation(model.activation)]
    if model.dropout > 0:
        blocks.append(Dropout(model.dropout))
    return [*blocks, Linear(model.hidden, model.classes)]


def _widest(model: MLP | ConvNet) -> int:
    """Floats per sample in the widest activation, to size `predict`'s chunks."""
    if isinstance(model, MLP):
        return max(model.sizes)
    sides = [model.side // 2**i for i in range(len(model.channels))]
    return max(model.hidden, *(c * s * s for c, s in zip(model.channels, sides, strict=True)))


class StackedNet:
    """R copies of one model, trained together; `params` and `buffers` are flat lists of [R, ...] tensors."""

    def __init__(self, model: MLP | ConvNet, params: list[Tensor], buffers: list[Tensor]) -> None:
        self.model, self.blocks = model, layers(model)
        self.params, self.buffers = params, buffers
        self._spans: list[tuple[slice, slice]] = []
        p = b = 0
        for block in self.blocks:
            self._spans.append((slice(p, p + len(block.params)), slice(b, b + len(block.buffers))))
            p, b = p + len(block.params), b + len(block.buffers)
        if (p, b) != (len(params), len(buffers)):
            raise ValueError(f"{model} has {p} parameter and {b} buffer tensors; got {len(params)} and {len(buffers)}")

    @classmethod
    def build(
        cls,
        model: MLP | ConvNet,
        seeds: list[int],
        device: torch.device,
        weights: list[Tensor] | None = None,
        buffers: list[Tensor] | None = None,
    ) -> StackedNet:
        """Runs drawn from their seeds, or copies of stacked `weights`; buffers start fresh unless given."""
        blocks = layers(model)
        if weights is None:
            per_run = []
            for seed in seeds:
                generator = torch.Generator().manual_seed(seed)
                per_run.append([t for block in blocks for t in block.init(generator)])
            weights = [torch.stack(rows) for rows in zip(*per_run, strict=True)]
        if buffers is None:
            fresh = [t for block in blocks for t in block.fresh_buffers()]
            buffers = [t.expand(len(seeds), *t.shape) for t in fresh]
        if any(t.shape[0] != len(seeds) for t in [*weights, *buffers]):
            raise ValueError(f"every stacked tensor needs one row per seed ({len(seeds)})")
        return cls(model, [_copy(t, device) for t in weights], [_copy(t, device) for t in buffers])

    @classmethod
    def concat(cls, nets: list[StackedNet], order: list[int]) -> StackedNet:
        """Runs from several nets of one model, `order[i]` naming the combined row that becomes row i."""
        if any(net.model != nets[0].model for net in nets):
            raise ValueError("concat needs nets of the same model")
        index = torch.tensor(order, device=nets[0].params[0].device)

        def rows(lists: list[list[Tensor]]) -> list[Tensor]:
            return [torch.cat(parts).detach()[index] for parts in zip(*lists, strict=True)]

        return cls(nets[0].model, rows([n.params for n in nets]), rows([n.buffers for n in nets]))

    def select(self, rows: list[int]) -> StackedNet:
        """A copy of some runs, in the order given."""
        return StackedNet.concat([self], rows)

    @property
    def runs(self) -> int:
        return self.params[0].shape[0]

    def forward(self, x: Tensor, p: Pass) -> Tensor:
        """x [R, B, inputs] -> outputs [R, B, outputs]. Tensors are read from `params` at every call."""
        h = x
        for block, (ps, bs) in zip(self.blocks, self._spans, strict=True):
            h = block.forward(h, p, self.params[ps], self.buffers[bs])
        return h

    def predict(self, x: Tensor, chunk: int = 8192) -> Tensor:
        """Evaluation-mode outputs, without a graph, for a shared input [N, in] or per-run inputs [R, N, in]."""
        if x.dim() == 2:
            x = x.unsqueeze(0).expand(self.runs, -1, -1)
        chunk = max(1, min(chunk, PREDICT_FLOATS // (self.runs * _widest(self.model))))
        evaluate = Pass(train=False)
        with torch.no_grad():
            return torch.cat([self.forward(x[:, i : i + chunk], evaluate) for i in range(0, x.shape[1], chunk)], 1)

    def module(self, r: int) -> nn.Sequential:
        """Run r as plain torch.nn (on the same device), its weights and running statistics copied in."""
        module = nn.Sequential(*(block.module(self.params[0].device) for block in self.blocks))
        with torch.no_grad():
            for block, name, theirs, ours in self._pairs(module):
                theirs.copy_(block.as_nn(name, ours[r]))
        return module

    def load_module(self, r: int, module: nn.Module) -> None:
        """Copy a torch.nn model's weights and running statistics (laid out as `module(r)`) into row r."""
        with torch.no_grad():
            for block, name, theirs, ours in self._pairs(module):
                ours[r].copy_(block.as_nn(name, theirs))

    def _pairs(self, module: nn.Module) -> Iterator[tuple[Block, str, Tensor, Tensor]]:
        """Each tensor of a torch.nn model laid out as `module(r)`, beside its stacked counterpart."""
        for block, layer, (ps, bs) in zip(self.blocks, module.children(), self._spans, strict=True):
            for name, ours in zip(block.params + block.buffers, self.params[ps] + self.buffers[bs], strict=True):
                yield block, name, getattr(layer, name), ours


def _copy(t: Tensor, device: torch.device) -> Tensor:
    """A contiguous copy on `device` that shares nothing with `t`."""
    return t.detach().to(device).clone(memory_format=torch.contiguous_format)
