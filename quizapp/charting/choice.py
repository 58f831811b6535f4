"""Which quantity a question's chart shows, decided from the question alone.

A question is about one observable; its name and description (declared by the simulation) say
what it measures: a validation loss, the jaggedness of a per-update curve, a count of updates,
peak memory. The question's prompt and tags settle the rest (a range test, a drift stream, a
training curve set beside the validation one). The choice is made before the run, so the live
chart and the report's chart agree; a run lacking the chosen metric falls back to the first
of `DEFAULT` it has, so every run still gets a chart.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from quizapp.models import Question

#: The curve drawn when nothing more specific fits, in order of preference.
DEFAULT = (
    "update_loss",
    "loss_vs_rate",
    "windowed_accuracy",
    "steps_to_target",
    "samples_per_second",
    "val_loss",
    "train_loss",
    "final_loss",
    "val_acc",
)
NOISE_WORDS = {"jagged", "noise", "noisy", "noisiest", "smooth", "smoothest", "monotonic", "spike", "spikes"}
DIVERGENCE_WORDS = {"diverge", "diverged", "diverges", "diverging", "blew", "critical"}
THROUGHPUT_WORDS = {"wall", "throughput", "fastest"}
STEPS_WORDS = {"steps", "speedup", "target"}
SAME_WORDS = {"match", "matches", "matching", "equal", "equals", "identical", "differ", "coincide"}


class Choice(BaseModel):
    """What to draw for one question; `rule` names the reason, for tests and for reading."""

    model_config = ConfigDict(frozen=True)

    rule: str
    metrics: tuple[str, ...]  # drawn together, the observable's own first (a validation curve, then training)
    rows: bool = False  # a per-variant number from the run's metric table rather than a curve
    by_epoch: bool = False  # per-update curves of different batch sizes placed by epoch, so they line up
    log_y: bool | None = None  # None: log when the values span more than 20x
    log_x: bool = False  # epochs on a log axis, for what happens over decades of training
    variant: str | None = None  # the variant the prediction names, to narrow a crowded chart to its group
    words: frozenset[str] = frozenset()  # the question's words, to pick one kind of run in a crowded chart
    fallback: tuple[str, ...] = DEFAULT


def choose(question: Question) -> Choice:
    """The chart for a question: rules on the observable's words first, then the prompt's and the tags'."""
    observable = question.prediction.observable
    # "label noise" is about the data, not about a jagged curve
    described_text = f"{observable.replace('_', ' ')} {_description(question)}".lower().replace("label noise", "labels")
    described = _words(described_text)
    prompt_text = f"{question.prompt} {question.prediction.prompt}".lower()
    tags = _words(
        " ".join(t for t in question.tags if not t.startswith("misconception:"))
    )  # the wrong belief steers nothing
    base = {"variant": question.prediction.variant, "words": _words(prompt_text) | tags}

    if described & {"memory", "chunk", "chunks", "checkpointing", "intercept"}:
        # A table of peaks per batch size, or the measured peak against the batch size where the run draws one.
        return Choice(rule="memory", metrics=("peak_memory_mib",), rows=True, fallback=("peak_mib", *DEFAULT), **base)
    if "descent" in described:
        return Choice(rule="double descent", metrics=("val_loss", "train_loss"), log_x=True, **base)
    if "noise scale" in described_text:
        return Choice(rule="noise scale", metrics=("noise_scale",), **base)
    if {"range", "test"} <= tags:
        return Choice(rule="range test", metrics=("loss_vs_rate",), **base)
    if described & THROUGHPUT_WORDS or "per second" in observable.replace("_", " "):
        return Choice(rule="throughput", metrics=("samples_per_second",), **base)
    if described & STEPS_WORDS:
        return Choice(rule="steps to target", metrics=("steps_to_target",), log_y=True, **base)
    if "drift" in described | tags:
        return Choice(rule="drift", metrics=("windowed_accuracy",), **base)
    if any(word.startswith("accura") for word in described):
        split = "train_acc" if described & {"training", "train"} and "validation" not in described else "val_acc"
        return Choice(rule="accuracy", metrics=(split,), **base)
    if described & NOISE_WORDS:
        return Choice(rule="noise", metrics=("update_loss",), by_epoch=True, **base)
    if described & {"sharper", "sharpness"}:  # a flatter end point fits the training set differently
        return Choice(rule="sharpness", metrics=("train_loss", "val_loss"), **base)
    if "updates" in described:
        return Choice(rule="update count", metrics=("update_loss",), **base)
    both = "training loss" in prompt_text and "validation loss" in prompt_text
    if described & {"validation", "val", "held", "test"}:
        return Choice(rule="validation", metrics=("val_loss", "train_loss") if both else ("val_loss",), **base)
    if "loss" in described:
        return Choice(rule="training loss", metrics=("train_loss", "val_loss") if both else ("train_loss",), **base)
    if described & DIVERGENCE_WORDS:
        return Choice(rule="divergence", metrics=("update_loss",), **base)
    if described & SAME_WORDS:  # two ways to one training: their loss curves lie on each other, or part
        return Choice(rule="same training", metrics=("update_loss",), **base)
    return Choice(rule="default", metrics=(), **base)


def _words(*texts: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z]+", " ".join(texts).lower()))


def _description(question: Question) -> str:
    """The observable's description as its simulation declares it (no torch is imported to read it)."""
    from sims.registry import get
    from sims.spec import SimError

    try:
        sim = get(question.simulation.name)
        params = sim.params_model(**question.simulation.params)
        specs = {spec.name: spec for spec in sim.observables(params)}
    except (SimError, ValueError):  # the bank loader reports broken links; a chart just knows less
        return ""
    spec = specs.get(question.prediction.observable)
    return spec.description if spec else ""
