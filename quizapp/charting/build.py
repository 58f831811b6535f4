"""A question's chart from a finished run: which lines, on which axes, with which titles.

A simulation stores every seed's curve; a chart shows one line per variant, the median over the
seeds that did not diverge, thinned to a few hundred points so a report stays small. The same
function serves the report and the app's final chart, so both show the same thing.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence

from quizapp.charting.choice import Choice, choose
from quizapp.charting.figure import Chart, Line, make_chart
from quizapp.models import Question
from sims.result import Series, SimResult

#: Points kept per line: more than a terminal or a 720-pixel chart can show apart.
MAX_POINTS = 200
#: More lines than this and a crowded chart is narrowed to the kind of run the question names.
MAX_LINES = 6
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?")
TITLES = {
    "update_loss": "loss per update",
    "grad_norm": "gradient norm per update",
    "noise_scale": "gradient noise scale (B_simple)",
    "peak_mib": "peak memory (MiB)",
    "resident_mib": "memory kept between steps (MiB)",
    "train_loss": "training loss",
    "val_loss": "validation loss",
    "train_acc": "training accuracy",
    "val_acc": "validation accuracy",
    "windowed_accuracy": "accuracy over the last window",
    "loss_vs_rate": "loss during the range test",
    "steps_to_target": "updates to reach the target",
    "samples_per_second": "examples per second",
    "final_loss": "final training loss",
    "peak_memory_mib": "peak memory (MiB)",
    "epoch_seconds": "seconds per epoch",
}
PERCENT = {"train_acc", "val_acc", "windowed_accuracy"}
COUNTS = {"steps_to_target"}  # y values that count things
X_TITLES = {
    "epoch": "epoch",
    "update": "update",
    "sample": "examples seen",
    "learning_rate": "learning rate",
    "batch_size": "batch size",
}
COUNT_AXES = {"epoch", "update", "sample", "batch_size"}
LOG_AXES = {"learning_rate", "batch_size"}
MEDIAN_NOTE = "median over the seeds that did not diverge"
TABLE_NOTE = "from the run's table, averaged over the seeds that did not diverge"
#: Per-update curves are placed by epoch when updates per epoch differ across variants by more than this.
EPOCH_ALIGN_RATIO = 1.5


def title(metric: str) -> str:
    return TITLES.get(metric, metric.replace("_", " "))


def chart_for(question: Question | None, result: SimResult) -> Chart | None:
    """The chart a question's run gets, in the app and in the report alike."""
    choice = choose(question) if question is not None else Choice(rule="default", metrics=())
    return draw(choice, result)


def draw(choice: Choice, result: SimResult) -> Chart | None:
    if choice.rows and (chart := _table_chart(choice.metrics[0], result)) is not None:
        return chart
    present = {s.metric for s in result.series}
    metrics = [m for m in choice.metrics if m in present and not choice.rows]
    if not metrics:
        metrics = next(([m] for m in choice.fallback if m in present), [])
    if not metrics:
        return None
    primary = result.curves(metrics[0])
    if primary[0].x_label != "update" and all(len(s.x) <= 1 for s in primary):
        return _point_chart(metrics[0], result)  # a final value per run (a single update is still a count)
    by_epoch = choice.by_epoch
    if primary[0].x_label == "epoch" and max(len(s.x) for s in primary) <= 2 and "update_loss" in present:
        metrics, by_epoch = ["update_loss"], True  # one epoch is two points; its updates, placed by epoch, show more
    variants = focus(choice, _variants(result, metrics[0]))
    if len(metrics) > 1 and len(variants) > 2:
        metrics = metrics[:1]  # training beside validation only while the lines stay few
    x_kind = result.curves(metrics[0])[0].x_label
    per_epoch = _updates_per_epoch(result, variants) if by_epoch and x_kind == "update" else None
    lines = []
    for metric in sorted(metrics, key=lambda m: m != "train_loss"):  # training first, as textbooks draw it
        for variant in variants:
            runs = result.curves(metric, variant)
            if not runs:
                continue
            xs, ys = median_line(runs, {d.seed for d in result.diverged if d.variant == variant})
            if choice.log_x:  # epoch 0 has no place on a log axis
                xs, ys = [x for x in xs if x > 0], [y for x, y in zip(xs, ys, strict=True) if x > 0]
            if per_epoch is not None:
                xs = [x / per_epoch[variant] for x in xs]
            lines.append(
                Line(
                    label=line_label(metric, variant, metrics, variants),
                    x=xs,
                    y=ys,
                    diverged=_diverged(result, variant),
                )
            )
    if not lines:
        return None
    heading = "training and validation loss" if len(metrics) > 1 else title(metrics[0])
    x_kind = "epoch" if per_epoch is not None else x_kind
    return make_chart(
        heading,
        X_TITLES.get(x_kind, x_kind.replace("_", " ")),
        heading,
        lines,
        log_x=x_kind in LOG_AXES or choice.log_x,
        log_y=choice.log_y if metrics == list(choice.metrics) else None,
        percent=metrics[0] in PERCENT,
        x_integer=x_kind in COUNT_AXES,
        y_integer=metrics[0] in COUNTS,
        note=MEDIAN_NOTE,
    )


def median_line(runs: Sequence[Series], diverged_seeds: set[int]) -> tuple[list[float], list[float]]:
    """The median over healthy seeds at each x (a seed missing an x leaves it to the others), thinned."""
    healthy = [s for s in runs if s.seed not in diverged_seeds] or list(runs)
    at: dict[float, list[float]] = {}
    for run in healthy:
        for x, y in zip(run.x, run.y, strict=True):
            if math.isfinite(y):
                at.setdefault(x, []).append(y)
    xs = sorted(at)
    return thin(xs, [statistics.median(at[x]) for x in xs])


def thin(xs: list[float], ys: list[float], most: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """Every k-th point and the last, so a long curve stays light to store and draw."""
    stride = max(1, math.ceil(len(xs) / most))
    keep = list(range(0, len(xs), stride))
    if keep and keep[-1] != len(xs) - 1:
        keep.append(len(xs) - 1)
    return [xs[i] for i in keep], [ys[i] for i in keep]


def focus(choice: Choice, variants: list[str]) -> list[str]:
    """The variants worth a line: the group the prediction names (with the reference), or the kind the prompt names.

    Variants such as "x8 same lr", "x8 scaled" share a head ("x8"); a variant without a shared
    head ("base") is the reference every group is compared with, so it always stays.
    """
    heads = Counter(v.split(" ", 1)[0] for v in variants if " " in v)
    groups = {head for head, count in heads.items() if count >= 2}

    def reference(variant: str) -> bool:
        return variant.split(" ", 1)[0] not in groups

    if choice.variant in groups:
        return [v for v in variants if reference(v) or v.split(" ", 1)[0] == choice.variant]
    if len(variants) > MAX_LINES and choice.variant:
        # "lr 0.1 no warmup": it and the runs at the same setting; "warmup": every run of that kind
        same_setting = [v for v in variants if _numbers(v) and _numbers(v) == _numbers(choice.variant)]
        of_kind = [v for v in variants if _after_numbers(v) == choice.variant]
        for chosen in (same_setting if choice.variant in variants else [], of_kind):
            if 2 <= len(chosen) <= MAX_LINES:
                return chosen
    if len(variants) > MAX_LINES and groups:
        kinds = list(dict.fromkeys(v.split(" ", 1)[1] for v in variants if not reference(v)))
        worded = {kind: set(re.findall(r"[a-z]+", kind)) for kind in kinds}
        named = [kind for kind in kinds if worded[kind] and worded[kind] <= choice.words]
        if named:
            kind = max(named, key=len)
            kept = [v for v in variants if reference(v) or v.split(" ", 1)[1] == kind]
            if len(kept) == 1:  # one line compares nothing: show the runs at its setting beside it
                return [v for v in variants if _numbers(v) == _numbers(kept[0])]
            return kept
        if not any(worded.values()):  # kinds along a sweep ("@ 2" .. "@ 64"): its two ends show the trend
            ends = {kinds[0], kinds[-1]}
            return [v for v in variants if reference(v) or v.split(" ", 1)[1] in ends]
    return variants


def _numbers(variant: str) -> list[str]:
    return NUMBER.findall(variant)


def _after_numbers(variant: str) -> str:
    """What a variant's name says after its last number: "lr 0.1 no warmup" -> "no warmup"."""
    return NUMBER.split(variant)[-1].strip()


def _variants(result: SimResult, metric: str) -> list[str]:
    """Variants with a curve of this metric, in the run's order; a curve over all of them ("all") comes last."""
    have = {s.variant for s in result.curves(metric)}
    ordered = [v for v in result.variants if v in have]
    return ordered + sorted(have - set(ordered))


def line_label(metric: str, variant: str, metrics: Sequence[str], variants: Sequence[str]) -> str:
    """A variant names its line; a lone variant's line is named by its quantity; two quantities name both."""
    if len(variants) == 1 or variant == "all":
        return title(metric)
    return f"{variant}: {title(metric)}" if len(metrics) > 1 else variant


def _diverged(result: SimResult, variant: str) -> bool:
    return any(d.variant == variant for d in result.diverged)


def _updates_per_epoch(result: SimResult, variants: Sequence[str]) -> dict[str, float] | None:
    """Updates per epoch of each variant, when known and different enough to need lining up."""
    rows = {row.variant: row.values for row in result.metrics}
    counts: dict[str, float] = {}
    for variant in variants:
        value = rows.get(variant, {}).get("updates_per_epoch")
        if value is None or value <= 0:
            value = _counted_per_epoch(result, variant)
        if value is None:
            return None
        counts[variant] = value
    if not counts or max(counts.values()) / min(counts.values()) < EPOCH_ALIGN_RATIO:
        return None
    return counts


def _counted_per_epoch(result: SimResult, variant: str) -> float | None:
    """Last update over last epoch of a seed that did not diverge, from its own curves."""
    diverged = {d.seed for d in result.diverged if d.variant == variant}
    for update in result.curves("update_loss", variant):
        if update.seed in diverged or not update.x:
            continue
        epochs = [s for s in result.series if s.variant == variant and s.seed == update.seed and s.x_label == "epoch"]
        if epochs and epochs[0].x and epochs[0].x[-1] > 0:
            return update.x[-1] / epochs[0].x[-1]
    return None


def _point_chart(metric: str, result: SimResult) -> Chart:
    """One value per run (a final loss): a point per variant, the median over healthy seeds."""
    variants = _variants(result, metric)
    values = []
    for variant in variants:
        _, ys = median_line(result.curves(metric, variant), {d.seed for d in result.diverged if d.variant == variant})
        values.append(ys[-1] if ys else math.nan)
    line = Line(label=title(metric), x=[float(i) for i in range(len(variants))], y=values)
    return make_chart(title(metric), "", title(metric), [line], x_names=variants, markers=True, note=MEDIAN_NOTE)


def _table_chart(metric: str, result: SimResult) -> Chart | None:
    """A per-variant number from the metric table, against batch size when the variants are batch sizes."""
    pairs = [(row.variant, row.values[metric]) for row in result.metrics if row.values.get(metric) is not None]
    if not pairs:
        return None
    axis = next((s.x_label for s in result.series if s.x_label in LOG_AXES), None)
    if axis is not None and all(_is_number(v) for v, _ in pairs):
        pairs.sort(key=lambda pair: float(pair[0]))
        line = Line(label=title(metric), x=[float(v) for v, _ in pairs], y=[float(y) for _, y in pairs])
        return make_chart(
            title(metric),
            X_TITLES[axis],
            title(metric),
            [line],
            log_x=True,
            x_integer=axis in COUNT_AXES,
            note=TABLE_NOTE,
        )
    line = Line(label=title(metric), x=[float(i) for i in range(len(pairs))], y=[float(y) for _, y in pairs])
    names = [v for v, _ in pairs]
    return make_chart(title(metric), "", title(metric), [line], x_names=names, markers=True, note=TABLE_NOTE)


def _is_number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False
