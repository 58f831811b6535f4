"""Choosing the device once, at the top of a run.

The name is checked without importing torch, so a bad `--device` fails before the
training stack loads.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from sims.spec import SimError

if TYPE_CHECKING:
    import torch

ENV_VAR = "SIMS_DEVICE"
_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
ALLOWED = "auto, cpu, cuda, cuda:N (N a GPU index), mps"


def requested(name: str | None) -> str:
    """The device the user asked for: the argument, else $SIMS_DEVICE, else auto."""
    chosen = (name or os.environ.get(ENV_VAR) or "auto").strip().lower()
    if not _PATTERN.match(chosen):
        source = "device" if name else f"${ENV_VAR}"
        raise SimError(f"unknown {source} {chosen!r}; allowed: {ALLOWED}")
    return chosen


def resolve(name: str | None) -> torch.device:
    import torch

    chosen = requested(name)
    if chosen == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", torch.cuda.current_device())
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(chosen)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise SimError(f"device {chosen!r} requested but CUDA is not available here; use cpu or auto")
        index = device.index if device.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise SimError(f"device {chosen!r}: only {torch.cuda.device_count()} CUDA device(s) present")
        return torch.device("cuda", index)
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise SimError("device 'mps' requested but Metal is not available here; use cpu or auto")
    return device


def describe(device: torch.device) -> str:
    """`cpu`, `mps`, or `cuda:0 (NVIDIA H100 80GB HBM3)`."""
    import torch

    if device.type == "cuda":
        return f"cuda:{device.index} ({torch.cuda.get_device_name(device)})"
    return device.type
