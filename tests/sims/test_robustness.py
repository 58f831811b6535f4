"""A verdict a question can ask holds for the right reason, not by luck of the defaults.

Every choice and yes/no observable a question asks of a simulation (all of them, for a
simulation no question asks one of yet) must give the same answer at the simulation's
defaults for base seeds 0, 100 and 200, and when each parameter that is not the point of
the experiment (learning rate, width, dataset size, epochs) is moved by x0.7 and x1.4.

The tables in `tests/sims/incidental.py` say, per simulation, which parameters those are (`INCIDENTAL`, which
every registered simulation must fill in), which moves the params cannot take (`INVALID`)
and which verdicts legitimately depend on a parameter (`DEPENDS`: the observable's
description must then say so); a verdict the defaults cannot decide is checked with the
params `SETUP` gives it. Verdicts read from wall time (`TIMING`) depend on the
machine: one that disagrees is measured again, and is not judged while the machine is busy.
One run per (simulation, params, base) decides all its observables; the runs are shared
with tests/quizapp/test_bank_runs.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from quizapp.bank import load_bank
from sims.registry import SIMULATIONS, get
from sims.result import ObservableValue
from sims.spec import ParamError
from tests.quizapp.test_bank_runs import run
from tests.sims.incidental import (  # noqa: F401 (re-exported for scripts that check questions)
    BASES,
    BUSY,
    DEPENDS,
    DISCRETE,
    FACTORS,
    INCIDENTAL,
    INVALID,
    SETUP,
    TIMING,
    TIMING_RETRIES,
    Move,
    clamped,
    move,
    moved,
    scaled,
)


def verdict(sim: str, observable: str, variant: str | None, params: dict[str, object], base: int) -> ObservableValue:
    params = {**SETUP.get((sim, observable), {}), **params}
    return run(sim, json.dumps(params, sort_keys=True), base).observable(observable, variant)


@dataclass(frozen=True)
class Asked:
    """One verdict to check: a discrete observable (and variant) of a simulation at its defaults."""

    sim: str
    observable: str
    variant: str | None

    def __str__(self) -> str:
        return f"{self.sim}:{self.observable}" + (f"[{self.variant}]" if self.variant else "")


def asked() -> list[Asked]:
    """The discrete verdicts the bank asks of each simulation, found at its defaults.

    A variant the defaults do not have stands for all of that observable's variants; a
    simulation no question asks a verdict of yet has all of its verdicts checked.
    """
    by_sim: dict[str, set[tuple[str, str | None]]] = {name: set() for name in SIMULATIONS}
    for question in load_bank().questions:
        if question.prediction.kind in DISCRETE:
            by_sim[question.simulation.name].add((question.prediction.observable, question.prediction.variant))
    found = []
    for sim, pairs in by_sim.items():
        simulation = get(sim)
        specs = {spec.name: spec for spec in simulation.observables(simulation.params())}
        wanted = pairs or {(name, None) for name, spec in specs.items() if spec.kind in DISCRETE}
        for name, variant in sorted(wanted, key=str):
            spec = specs.get(name)  # one the defaults lack fails in the tests, by name
            if spec is None or not spec.variants or variant in spec.variants:
                found.append(Asked(sim, name, variant))
            else:
                found += [Asked(sim, name, v) for v in spec.variants]
    return sorted(set(found), key=str)


ASKED = asked()


def moves_of(item: Asked) -> Iterator[tuple[Asked, Move]]:
    for change in INCIDENTAL.get(item.sim, ()):
        if (item.sim, item.observable, change.name) not in DEPENDS:
            yield item, change


MOVED = [pair for item in ASKED for pair in moves_of(item)]


def test_every_simulation_declares_its_incidental_params():
    missing, stale = set(SIMULATIONS) - set(INCIDENTAL), set(INCIDENTAL) - set(SIMULATIONS)
    assert not missing, f"declare the incidental params of {sorted(missing)} in INCIDENTAL"
    assert not stale, f"INCIDENTAL names simulations that are not registered: {sorted(stale)}"
    for sim, changes in INCIDENTAL.items():
        fields = get(sim).params_model.model_fields
        for change in changes:
            unknown = [f for f in change.fields if f not in fields]
            assert not unknown, f"{sim}: {change.name} moves unknown params {unknown}"
    for sim, name, factor in INVALID:
        assert name in {c.name for c in INCIDENTAL[sim]} and factor in FACTORS, f"INVALID: {sim} has no move {name}"


@pytest.mark.parametrize(
    ("sim", "change"), [(s, c) for s, cs in INCIDENTAL.items() for c in cs], ids=lambda x: getattr(x, "name", x)
)
@pytest.mark.parametrize("factor", FACTORS)
def test_each_move_is_accepted_or_said_to_be_refused(sim, change, factor):
    simulation = get(sim)
    params = moved(sim, change, factor)
    assert params != {f: getattr(simulation.params(), f) for f in change.fields}, f"{sim}: {change.name} did not move"
    if (sim, change.name, factor) in INVALID:
        with pytest.raises(ParamError):
            simulation.params(params)
    else:
        simulation.params(params)


def test_a_declared_dependence_is_said_in_the_description():
    for (sim, observable, name), (words, why) in DEPENDS.items():
        assert name in {c.name for c in INCIDENTAL[sim]}, f"{sim}: {name} is not an incidental param"
        simulation = get(sim)
        description = simulation.observable(simulation.params(), observable).description
        assert words.lower() in description.lower(), f"{sim}.{observable} must say it depends on {words} ({why})"


def test_a_timing_says_it_depends_on_the_machine():
    for sim, observable in TIMING:
        simulation = get(sim)
        description = simulation.observable(simulation.params(), observable).description
        assert "machine" in description.lower(), f"{sim}.{observable} must say a timing depends on the machine"


Setting = tuple[str, dict[str, object], int]  # (label, params that differ from the defaults, base seed)


def answers_of(item: Asked, settings: list[Setting], *, fresh: bool = False) -> dict[str, object]:
    if not fresh:
        return {name: verdict(item.sim, item.observable, item.variant, p, b).value for name, p, b in settings}
    simulation, setup = get(item.sim), SETUP.get((item.sim, item.observable), {})
    return {
        name: simulation.run({**setup, **p}, seeds=[b, b + 1, b + 2], device="cpu")
        .observable(item.observable, item.variant)
        .value
        for name, p, b in settings
    }


def assert_one_answer(item: Asked, settings: list[Setting]) -> None:
    """The verdict is decided, and the same, in every setting.

    A timing that disagrees is measured again, fresh; if it still disagrees on a busy
    machine, it cannot be judged there and the test is skipped, saying so.
    """
    answers = answers_of(item, settings)
    timing = (item.sim, item.observable) in TIMING
    for _ in range(TIMING_RETRIES if timing else 0):
        if len(set(answers.values())) == 1:
            break
        answers = answers_of(item, settings, fresh=True)
    agree = None not in answers.values() and len(set(answers.values())) == 1
    if timing and not agree and os.getloadavg()[0] > BUSY * (os.cpu_count() or 1):
        pytest.skip(f"{item}: {answers}, measured on a busy machine (load {os.getloadavg()[0]:.1f})")
    assert agree, f"{item}: {answers}"


@pytest.mark.parametrize("item", ASKED, ids=str)
def test_a_verdict_does_not_depend_on_the_seeds(item):
    assert_one_answer(item, [(f"base {base}", {}, base) for base in BASES])


@pytest.mark.parametrize(("item", "change"), MOVED, ids=lambda x: getattr(x, "name", None) or str(x))
def test_a_verdict_does_not_depend_on_incidental_params(item, change):
    settings: list[Setting] = [("defaults", {}, 0)]
    for factor in FACTORS:
        if (item.sim, change.name, factor) not in INVALID:
            settings.append((f"{change.name} x{factor}", moved(item.sim, change, factor), 0))
    assert_one_answer(item, settings)
