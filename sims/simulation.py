"""A simulation as the rest of the world sees it: its params, its observables, and `run`.

Torch-free: the question bank validates params and observables at load time, long
before (and often without) any training. `run` checks everything a user can get wrong
first, then hands over to `sims.runner`, which loads torch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from sims import device as devices
from sims.observe import Evidence, Table
from sims.result import ObservableSpec, SimResult
from sims.spec import (
    DEFAULT_SEEDS,
    ParamError,
    ParamsBase,
    ProgressCallback,
    SimError,
    check_seeds,
    describe_validation_error,
)

#: (params, context) -> evidence; `context` is a `sims.context.Context`.
Experiment = Callable[[Any, Any], Evidence]


@dataclass(frozen=True)
class Simulation:
    name: str
    title: str
    summary: str
    params_model: type[ParamsBase]
    table: Table
    experiment: Experiment
    #: The same work written the common way, for the benchmark, when it is not a replay of engine jobs.
    textbook: Callable[[Any, list[int], Any], None] | None = None

    def params(self, values: ParamsBase | dict[str, object] | None = None) -> ParamsBase:
        """Validate raw values into this simulation's Params, with a readable error."""
        if isinstance(values, self.params_model):
            return values
        if isinstance(values, ParamsBase):
            raise ParamError(f"{self.name}: got params of another simulation ({type(values).__module__})")
        try:
            return self.params_model.model_validate(values or {})
        except ValidationError as exc:
            raise ParamError(describe_validation_error(self.name, self.params_model, exc)) from None

    def observables(self, params: ParamsBase) -> list[ObservableSpec]:
        return self.table.specs(params)

    def observable(self, params: ParamsBase, name: str) -> ObservableSpec:
        specs = self.observables(params)
        for spec in specs:
            if spec.name == name:
                return spec
        known = ", ".join(s.name for s in specs)
        raise SimError(f"{self.name}: unknown observable {name!r}; known: {known}")

    def run(
        self,
        params: ParamsBase | dict[str, object] | None = None,
        *,
        device: str | None = None,
        seeds: Sequence[int] = DEFAULT_SEEDS,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> SimResult:
        """Train the simulation's models and decide its observables.

        Everything a user can get wrong (params, device name, seeds) is checked before
        torch is imported or anything trains. Raises `Cancelled` if `cancel` is set.
        """
        checked = self.params(params)
        seed_list = check_seeds(self.name, seeds)
        devices.requested(device)
        from sims import runner  # loads torch: only once the checks have passed

        return runner.execute(self, checked, device, seed_list, progress, cancel)
