"""`python -m sims` (and `quizapp sim`): list the simulations, run one, or benchmark them all."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
import threading
import typing
from collections.abc import Sequence
from pathlib import Path

from sims.registry import SIMULATIONS, get
from sims.result import ProgressEvent, SimResult
from sims.simulation import Simulation
from sims.spec import (
    DEFAULT_SEEDS,
    MAX_SEEDS,
    Cancelled,
    ParamsBase,
    SimError,
    allowed_range,
    check_seed_count,
)


def build_parser(prog: str = "python -m sims") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Simulations that train real PyTorch models.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="each simulation with its params and observables")
    listing.add_argument("name", nargs="?", help="show only this simulation")
    run = commands.add_parser("run", help="run one simulation and print its outcome")
    run.add_argument("name", help="simulation name (see `list`)")
    run.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a param; lists as 16,64,256 (repeatable)",
    )
    run.add_argument(
        "--seeds",
        type=int,
        default=len(DEFAULT_SEEDS),
        metavar="K",
        help=f"train seeds 0..K-1, K from 1 to {MAX_SEEDS} (default %(default)s)",
    )
    run.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N or mps (default: $SIMS_DEVICE or auto)")
    run.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the full result as JSON")
    bench = commands.add_parser("bench", help="time every simulation against the textbook training loop")
    bench.add_argument("--repeats", type=int, default=3, help="runs per simulation (default %(default)s)")
    bench.add_argument("--only", nargs="*", default=None, metavar="NAME", help="benchmark only these simulations")
    bench.add_argument("--device", default=None, help="device as for `run`")
    bench.add_argument(
        "--against",
        default=None,
        metavar="REV",
        help="also time the simulations as they were at this git revision (a temporary worktree)",
    )
    bench.add_argument(
        "--json",
        type=Path,
        default=Path("bench-results.json"),
        metavar="PATH",
        help="where to write the results (default %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None, prog: str = "python -m sims") -> int:
    args = build_parser(prog).parse_args(argv)
    try:
        if args.command == "list":
            print_listing([get(args.name)] if args.name else list(SIMULATIONS.values()))
            return 0
        if args.command == "run":
            return run_command(args)
        from sims import bench

        return bench.main(args.only, args.repeats, args.device, args.json, args.against)
    except SimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0


# -- list -----------------------------------------------------------------------------------


#: The listing is laid out for this many columns at most (fewer when the terminal is narrower).
LIST_WIDTH = 80


def print_listing(sims: list[Simulation]) -> None:
    """Each simulation as indented blocks (a param or observable per block) that fit the terminal."""
    width = max(40, min(LIST_WIDTH, shutil.get_terminal_size((LIST_WIDTH, 24)).columns))
    for sim in sims:
        print("\n".join(listing_lines(sim, width)) + "\n")


def listing_lines(sim: Simulation, width: int = LIST_WIDTH) -> list[str]:
    """One simulation: title, summary, then each param (default, bounds) and observable, wrapped to `width`."""
    defaults = sim.params_model()
    lines = [f"{sim.name}: {sim.title}", *_wrap(sim.summary, 2, width), "  params:"]
    properties = sim.params_model.model_json_schema()["properties"]
    for field, info in sim.params_model.model_fields.items():
        value = getattr(defaults, field)
        shown = "none" if value is None else ",".join(map(str, value)) if isinstance(value, list) else value
        allowed = allowed_range(properties[field]) or _any_of(properties[field])
        lines += _head(f"{field} = {shown}", f"allowed: {allowed}" if allowed else "", width)
        lines += _wrap(info.description or "", 8, width)
    lines.append("  observables:")
    for spec in sim.observables(defaults):
        head = f"{spec.name}: {spec.kind}" + (f" of {{{', '.join(spec.choices)}}}" if spec.choices else "")
        lines += _head(head, f"per variant: {', '.join(spec.variants)}" if spec.variants else "", width)
        lines += _wrap(spec.description, 8, width)
    return lines


def _head(head: str, detail: str, width: int) -> list[str]:
    """A block's first line, with its detail beside it when both fit, else on the lines below."""
    joined = f"{head}   {detail}" if detail else head
    if 4 + len(joined) <= width:
        return ["    " + joined]
    return _wrap(head, 4, width, 8) + _wrap(detail, 8, width)


def _wrap(text: str, indent: int, width: int, then: int | None = None) -> list[str]:
    """`text` wrapped to `width`, the first line indented by `indent`, the rest by `then` (default the same)."""
    if not text:
        return []
    return textwrap.wrap(
        text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent if then is None else then),
        break_on_hyphens=False,
    )


def _any_of(schema: dict[str, object]) -> str:
    options = schema.get("anyOf")
    if isinstance(options, list):
        # "null" is spelled as `--set` takes it: none
        parts = [
            allowed_range(o) or str(o.get("type", "")).replace("null", "none") for o in options if isinstance(o, dict)
        ]
        return " or ".join(p for p in parts if p)
    return ""


# -- run --------------------------------------------------------------------------------------


def parse_overrides(sim: Simulation, overrides: list[str]) -> dict[str, object]:
    """`key=value` pairs into raw values for pydantic; lists are comma-separated."""
    values: dict[str, object] = {}
    fields = sim.params_model.model_fields
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SimError(f"{sim.name}: --set expects KEY=VALUE, got {item!r}")
        raw = raw.strip()
        field = fields.get(key)
        is_list = field is not None and typing.get_origin(field.annotation) is list
        if raw.lower() in ("none", "null", ""):
            values[key] = None
        elif raw.startswith("["):
            try:
                values[key] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SimError(f"{sim.name}: --set {key}: not a valid list ({exc.msg})") from None
        elif is_list:
            values[key] = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            values[key] = raw
    return values


class ProgressBar:
    """A one-line bar on stderr, redrawn on each progress event (only on a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        filled = int(event.fraction * 30)
        bar = "#" * filled + "." * (30 - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {event.fraction:4.0%} {event.stage:<12}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * (len(self.label) + 52) + "\r")
            sys.stderr.flush()


def run_command(args: argparse.Namespace) -> int:
    sim = get(args.name)
    check_seed_count(args.seeds, "--seeds")
    params: ParamsBase = sim.params(parse_overrides(sim, args.overrides))
    bar = ProgressBar(sim.name)
    cancel = threading.Event()
    try:
        result = sim.run(params, device=args.device, seeds=range(args.seeds), progress=bar, cancel=cancel)
    except (KeyboardInterrupt, Cancelled):
        bar.close()
        print(f"{sim.name}: cancelled", file=sys.stderr)
        return 130
    bar.close()
    print(format_result(result))
    if args.json:
        args.json.write_text(result.model_dump_json(indent=2))
        print(f"\nfull result written to {args.json}")
    return 0


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(out)


def format_result(result: SimResult) -> str:
    seeds = len(result.seeds)
    lines = [
        f"{result.sim} on {result.device} (torch {result.torch_version}), {seeds} seeds, {result.wall_seconds:.2f} s",
        *[f"  {note}" for note in result.notes],
        "",
    ]
    columns = sorted(
        {k for row in result.metrics for k, v in row.values.items() if v is not None},
        key=lambda k: (k == "diverged_runs", k),
    )
    lines.append(
        table(
            ["variant", *columns],
            [[row.variant, *(_fmt(row.values.get(c)) for c in columns)] for row in result.metrics],
        )
    )
    lines.append("")
    rows = []
    for value in result.observables:
        agreed = "-" if value.agreeing is None else f"{value.agreeing}/{seeds}"
        unit = f" {value.unit}" if value.unit and value.unit != "fraction" else ""
        rows.append([value.name, value.variant or "", _fmt(value.value) + unit, agreed])
    lines.append(table(["observable", "variant", "value", "seeds agreeing"], rows))
    if result.diverged:
        lines += ["", "diverged (loss blew up; a result, not a failure):"]
        by_variant: dict[str, list[int]] = {}
        for d in result.diverged:
            by_variant.setdefault(d.variant, []).append(d.step)
        for variant, steps in by_variant.items():  # one short line per variant, not one per seed
            at = f"update {min(steps)}" if min(steps) == max(steps) else f"updates {min(steps)}-{max(steps)}"
            lines.append(f"  {variant}: {len(steps)} of {seeds} seeds, at {at}")
    return "\n".join(lines)
