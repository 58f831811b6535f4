"""Resolving a device name to the hardware a run trains on: CUDA, else MPS, else the CPU."""

from __future__ import annotations

import torch

from sims.device import requested
from sims.spec import SimError


def resolve(name: str | None) -> torch.device:
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
    if device.type == "cuda":
        return f"cuda:{device.index} ({torch.cuda.get_device_name(device)})"
    return device.type
