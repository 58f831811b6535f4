"""Observables declared once: the declaration and a run's values come from the same table."""

import pytest

from sims.observe import Evidence, Once, PerRun, PerSeed, Pick, Table
from sims.runs import Run, Trace


def trace(variant: str, seed: int, val_loss: list[float], diverged: bool = False) -> Trace:
    return Trace(Run(variant, seed, 0.1, 16), val_loss=val_loss, diverged_at=3 if diverged else None)


EVIDENCE = Evidence(
    seeds=[0, 1, 2],
    variants=["small", "large"],
    traces=[
        trace("small", 0, [1.0, 0.2]),
        trace("small", 1, [1.0, 0.3]),
        trace("small", 2, [1.0, 0.9]),
        trace("large", 0, [1.0, 0.5]),
        trace("large", 1, [1.0, 0.6]),
        trace("large", 2, [1.0, 0.4], diverged=True),
    ],
)


def final(tr: Trace) -> float:
    return tr.val_loss[-1]


TABLE = Table(
    lambda params: ["small", "large"],
    Pick(name="best", description="Lowest final loss.", score=final),
    PerRun(name="final_loss", kind="number", description="Final loss.", read=final),
    PerSeed(
        name="gap",
        kind="number",
        description="Large minus small.",
        read=lambda ev, i, _: final(ev.run("large", ev.seeds[i])) - final(ev.run("small", ev.seeds[i])),
    ),
    Once(name="runs", kind="number", description="Runs trained.", read=lambda ev, _: len(ev.traces)),
    Once(name="theory", kind="number", description="Only with a closed form.", read=lambda ev, _: 1.0, when=bool),
)


def test_declarations_and_values_come_from_one_table():
    specs = {spec.name: spec for spec in TABLE.specs(True)}
    assert specs["best"].choices == ["small", "large"]
    assert specs["final_loss"].variants == ["small", "large"]
    values = TABLE.decide(True, EVIDENCE)
    assert {(v.name, v.variant) for v in values} == {
        ("best", None),
        ("final_loss", "small"),
        ("final_loss", "large"),
        ("gap", None),
        ("runs", None),
        ("theory", None),
    }
    best = next(v for v in values if v.name == "best")
    assert best.value == "small" and best.per_seed == ["small", "small", "large"] and best.agreeing == 2
    small = next(v for v in values if v.name == "final_loss" and v.variant == "small")
    assert small.value == pytest.approx(0.3) and small.per_seed == pytest.approx([0.2, 0.3, 0.9])


def test_an_entry_can_apply_only_to_some_params():
    assert "theory" not in {spec.name for spec in TABLE.specs(False)}
    assert "theory" not in {value.name for value in TABLE.decide(False, EVIDENCE)}


def test_a_value_outside_its_declaration_is_refused():
    wrong = Table(
        lambda params: ["small", "large"],
        PerSeed(name="pick", kind="choice", description="x", choices=["small", "large"], read=lambda ev, i, v: "huge"),
    )
    with pytest.raises(ValueError, match="'huge' is not one of its choices"):
        wrong.decide(None, EVIDENCE)
    not_bool = Table(lambda params: [], Once(name="flag", kind="bool", description="x", read=lambda ev, v: 1.0))
    with pytest.raises(ValueError, match="declared bool"):
        not_bool.decide(None, EVIDENCE)


def test_a_name_declared_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice: best"):
        Table(
            lambda params: [],
            Pick(name="best", description="a", score=final),
            Pick(name="best", description="b", score=final),
        )


def test_the_core_needs_no_torch():
    import subprocess
    import sys

    code = "import sys, sims.observe, sims.runs, sims.traces, sims.simulation; print('torch' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
