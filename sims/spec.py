"""The contract every simulation meets, and the errors it raises.

Kept free of torch: the question bank validates params and observables at load time,
long before (and often without) any training.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from sims.result import ProgressEvent

DEFAULT_SEEDS: tuple[int, ...] = (0, 1, 2, 3, 4)
#: Most seeds one run may train. Each seed adds a copy of every variant's model to the stacked
#: job, so time and memory grow in proportion; agreement over 5 to 10 seeds already tells luck
#: from a real effect. 32 leaves room for a careful check (about six times a default run) while
#: a mistyped 500 is refused before it holds the machine for minutes.
MAX_SEEDS = 32

ProgressCallback = Callable[[ProgressEvent], None]


class ParamsBase(BaseModel):
    """Base for every simulation's `Params`: unknown fields and NaN are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _distinct(values: list[Any]) -> list[Any]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"values must be distinct; repeated: {repeated}")
    return values


#: Marks a list param whose values must not repeat (batch sizes to compare, say).
Distinct = AfterValidator(_distinct)


def require_batch_fits(name: str, batch: int | None, size: int, of: str = "the training set") -> None:
    """Refuse a batch larger than the data it is drawn from, saying what is allowed."""
    if batch is not None and batch > size:
        raise ValueError(f"{name} {batch} is larger than {of} ({size} samples); allowed: 1 to {size}")


class SimError(Exception):
    """Raised for anything a user can fix: bad params, unknown sim or device."""


class ParamError(SimError, ValueError):
    pass


class Cancelled(Exception):
    """The run was stopped through its cancel event; nothing was recorded."""

    def __init__(self, sim: str, fraction: float) -> None:
        super().__init__(f"{sim}: cancelled at {fraction:.0%} done")
        self.sim = sim
        self.fraction = fraction


def check_seeds(sim: str, seeds: Sequence[int]) -> list[int]:
    seed_list = list(seeds)
    if not seed_list:
        raise ParamError(f"{sim}: at least one seed is needed")
    check_seed_count(len(seed_list), f"{sim}: number of seeds")  # before the checks that print the list
    if any(not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < 2**31 for s in seed_list):
        raise ParamError(f"{sim}: seeds must be whole numbers from 0 to 2^31 - 1 (got {seed_list})")
    if len(set(seed_list)) != len(seed_list):
        raise ParamError(f"{sim}: seeds must be distinct (got {seed_list})")
    return seed_list


def check_seed_count(count: int, label: str) -> None:
    """Refuse more than MAX_SEEDS seeds with one message, from the API and the CLI alike.

    `label` names what the user gave: "--seeds" on the command line, the simulation otherwise.
    """
    if not 1 <= count <= MAX_SEEDS:
        raise ParamError(f"{label} {count} is out of range; allowed: 1 to {MAX_SEEDS} seeds")


def describe_validation_error(sim: str, model: type[BaseModel], exc: ValidationError) -> str:
    """One line per problem, naming the parameter, the allowed range and the value given."""
    properties = model.model_json_schema().get("properties", {})
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "params"
        where = ".".join(str(part) for part in error["loc"]) or "params"
        if error["type"] == "extra_forbidden":
            known = ", ".join(sorted(properties))
            lines.append(f"{sim}: unknown parameter {field!r} (known parameters: {known})")
            continue
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule across several params: its message names them itself
            lines.append(f"{sim}: {message}")
            continue
        allowed = allowed_range(properties.get(field, {}))
        suffix = f"; allowed: {allowed}" if allowed else ""
        got = error.get("input")
        given = f" (got {got!r})" if error["type"] != "missing" and not isinstance(got, dict) else ""
        lines.append(f"{sim}: parameter {where!r}: {message}{given}{suffix}")
    return "\n".join(lines)


def allowed_range(schema: dict[str, Any]) -> str:
    """Readable bounds from a field's JSON schema (for lists, the bounds of each item)."""
    if schema.get("type") == "array":
        inner = allowed_range(schema.get("items", {}))
        size = []
        if "minItems" in schema:
            size.append(f"at least {schema['minItems']} values")
        if "maxItems" in schema:
            size.append(f"at most {schema['maxItems']} values")
        return ", ".join(filter(None, [f"each {inner}" if inner else "", *size]))
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    bounds = []
    for key, symbol in (("exclusiveMinimum", ">"), ("minimum", ">="), ("exclusiveMaximum", "<"), ("maximum", "<=")):
        if key in schema:
            bounds.append(f"{symbol} {schema[key]:g}")
    if bounds:
        return " and ".join(bounds)
    if schema.get("type") == "boolean":
        return "true or false"
    return ""


def log_grid(low: float, high: float, count: int) -> list[float]:
    """Evenly spaced on a log scale, rounded to three significant digits for readable labels."""
    if count == 1:
        return [low]
    ratio = (high / low) ** (1 / (count - 1))
    return [float(f"{low * ratio**i:.3g}") for i in range(count)]


def label(value: float) -> str:
    """The variant label for a number: short and stable (0.1, 32, 1e-05)."""
    return f"{value:g}"


def is_finite(value: float) -> bool:
    return math.isfinite(value)
