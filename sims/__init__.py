"""Simulations that train real PyTorch models and decide named outcomes.

Importing this package (or `sims.registry`) does not import torch: params and
observables can be read and validated cheaply; torch loads when a simulation runs.
"""

from sims.result import SimResult
from sims.spec import Cancelled, ParamError, SimError

__all__ = ["Cancelled", "ParamError", "SimError", "SimResult"]
