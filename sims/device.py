"""The device a user asked for, checked by name without importing torch.

A bad `--device` fails before the training stack loads; `sims.hardware` resolves the
name to a real device once a run starts.
"""

from __future__ import annotations

import os
import re

from sims.spec import SimError

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
