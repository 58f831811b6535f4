"""Observables declared once: what a question may ask of a simulation, and how a run decides it.

A simulation lists its observables in a `Table`. The same entries give the declarations
the question bank checks at load time (`Table.specs(params)`, no training) and the
values a finished run reports (`Table.decide(params, evidence)`), so a name, kind, unit
or set of choices can never differ between the two.

Readers take the `Evidence` an experiment hands back: its traces, one list per variant,
and whatever else it measured (a subclass adds fields). Four kinds of entry cover the
simulations:

- `Pick`: per seed, the variant whose run scores lowest (or highest).
- `PerRun`: per variant, a value read from each seed's trace.
- `PerSeed`: per seed (and per variant, if declared), a value read from the evidence.
- `Once`: a value fixed by the setup rather than a seed (a count, a timing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sims import traces as t
from sims.result import (
    Divergence,
    MetricRow,
    ObservableKind,
    ObservableScalar,
    ObservableSpec,
    ObservableValue,
    Series,
    consensus,
    measured_once,
)
from sims.runs import Trace

Text = str | Callable[[Any], str]
Names = Sequence[str] | Callable[[Any], list[str]] | None
Scalar = ObservableScalar | None


@dataclass(kw_only=True)
class Evidence:
    """What an experiment hands back for its observables to be read from.

    Keyword-only, so a subclass adds its own fields (with or without defaults) freely.
    """

    seeds: list[int]
    variants: list[str]
    traces: list[Trace] = field(default_factory=list)
    series: list[Series] | None = None  # None: the loss and validation curves of every trace (traces.curves)
    metrics: list[MetricRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    diverged: list[Divergence] | None = None  # None: the runs whose traces diverged

    def of(self, variant: str) -> list[Trace]:
        """The traces of one variant, in seed order."""
        return [trace for trace in self.traces if trace.run.variant == variant]

    def run(self, variant: str, seed: int) -> Trace | None:
        return next((tr for tr in self.traces if tr.run.variant == variant and tr.run.seed == seed), None)


def _resolve(names: Names, params: Any) -> list[str] | None:
    if names is None:
        return None
    return names(params) if callable(names) else list(names)


@dataclass(frozen=True, kw_only=True)
class Entry:
    """Common to every kind of observable: its name, kind, description, unit and where it applies."""

    name: str
    kind: ObservableKind
    description: Text
    unit: str | None = None
    choices: Names = None  # choice observables: the answers it can take
    variants: Names = None  # per-variant observables: the variants it can be asked of
    when: Callable[[Any], bool] | None = None  # declared only for params where this holds (a closed form exists)

    def spec(self, params: Any, all_variants: list[str]) -> ObservableSpec:
        description = self.description(params) if callable(self.description) else self.description
        return ObservableSpec(
            name=self.name,
            description=description,
            kind=self.kind,
            choices=self.choices_for(params, all_variants),
            unit=self.unit,
            variants=_resolve(self.variants, params),
        )

    def choices_for(self, params: Any, all_variants: list[str]) -> list[str] | None:
        return _resolve(self.choices, params) if self.kind == "choice" else None

    def decide(self, params: Any, evidence: Any) -> list[ObservableValue]:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Pick(Entry):
    """Per seed, the variant whose run scores lowest (or highest, with `highest`)."""

    kind: ObservableKind = "choice"
    score: Callable[[Trace], float | None]
    highest: bool = False

    def choices_for(self, params: Any, all_variants: list[str]) -> list[str] | None:
        return _resolve(self.choices, params) or all_variants

    def decide(self, params: Any, evidence: Evidence) -> list[ObservableValue]:
        among = _resolve(self.choices, params) or evidence.variants
        groups = {variant: evidence.of(variant) for variant in among}
        picks = t.pick_per_seed(evidence.seeds, groups, self.score, highest=self.highest)
        return [consensus(self.name, "choice", list(picks), unit=self.unit)]


@dataclass(frozen=True, kw_only=True)
class PerRun(Entry):
    """For each variant, one value per seed read from that seed's trace; `variants` defaults to all."""

    read: Callable[[Trace], Scalar]

    def spec(self, params: Any, all_variants: list[str]) -> ObservableSpec:
        declared = self if self.variants is not None else _with_variants(self, all_variants)
        return Entry.spec(declared, params, all_variants)

    def decide(self, params: Any, evidence: Evidence) -> list[ObservableValue]:
        variants = _resolve(self.variants, params) or evidence.variants
        return [
            consensus(
                self.name,
                self.kind,
                t.per_seed(evidence.seeds, evidence.of(variant), self.read),
                variant=variant,
                unit=self.unit,
            )
            for variant in variants
        ]


@dataclass(frozen=True, kw_only=True)
class PerSeed(Entry):
    """One value per seed from the evidence: `read(evidence, seed_index, variant)`."""

    read: Callable[[Any, int, str | None], Scalar]

    def decide(self, params: Any, evidence: Evidence) -> list[ObservableValue]:
        variants: list[str | None] = list(_resolve(self.variants, params) or [None])
        return [
            consensus(
                self.name,
                self.kind,
                [self.read(evidence, i, variant) for i in range(len(evidence.seeds))],
                variant=variant,
                unit=self.unit,
            )
            for variant in variants
        ]


@dataclass(frozen=True, kw_only=True)
class Once(Entry):
    """A value fixed by the setup rather than a seed: `read(evidence, variant)`."""

    read: Callable[[Any, str | None], Scalar]

    def decide(self, params: Any, evidence: Evidence) -> list[ObservableValue]:
        variants: list[str | None] = list(_resolve(self.variants, params) or [None])
        return [
            measured_once(self.name, self.kind, self.read(evidence, variant), variant=variant, unit=self.unit)
            for variant in variants
        ]


def _with_variants(entry: PerRun, variants: list[str]) -> PerRun:
    return replace(entry, variants=variants)


class Table:
    """Every observable of one simulation, in the order they are listed to a user."""

    def __init__(self, variants: Callable[[Any], list[str]], *entries: Entry) -> None:
        names = [entry.name for entry in entries]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"observables declared twice: {', '.join(repeated)}")
        self.variants = variants
        self.entries = entries

    def entries_for(self, params: Any) -> list[Entry]:
        return [entry for entry in self.entries if entry.when is None or entry.when(params)]

    def specs(self, params: Any) -> list[ObservableSpec]:
        variants = self.variants(params)
        return [entry.spec(params, variants) for entry in self.entries_for(params)]

    def decide(self, params: Any, evidence: Evidence) -> list[ObservableValue]:
        """Every declared observable's value for this run, checked against its declaration."""
        specs = {spec.name: spec for spec in self.specs(params)}
        values = [value for entry in self.entries_for(params) for value in entry.decide(params, evidence)]
        for value in values:
            _check(specs[value.name], value)
        return values


def _check(spec: ObservableSpec, value: ObservableValue) -> None:
    """A value outside its declaration is a bug in the simulation, caught before anyone sees it."""
    where = f"observable {spec.name!r}" + (f" (variant {value.variant!r})" if value.variant else "")
    if (spec.variants is None) != (value.variant is None) or (spec.variants and value.variant not in spec.variants):
        raise ValueError(f"{where}: variant outside its declaration {spec.variants}")
    answers = [value.value, *(value.per_seed or [])]
    if spec.kind == "choice" and spec.choices is not None:
        wrong = [a for a in answers if a is not None and a not in spec.choices]
        if wrong:
            raise ValueError(f"{where}: {wrong[0]!r} is not one of its choices {spec.choices}")
    if spec.kind == "bool" and any(a is not None and not isinstance(a, bool) for a in answers):
        raise ValueError(f"{where}: declared bool, got {answers}")
