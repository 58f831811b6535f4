"""`python -m quizapp.report.bench`: how long exporting a 20-question session takes.

The session is real: 20 different bank questions, each simulation run on this machine and
stored through `Practice`, predictions alternately right and wrong, every answer graded.
Timed in one process after a warm-up export, medians of several repeats, stages side by side:
reading the session and building the report (JSON results parsed, charts drawn), then the
Jinja2 render, then the write. A cold export in a fresh process (imports included) is timed too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from quizapp.bank import Bank, load_bank
from quizapp.grading import PredictionValue, suggested_for
from quizapp.models import Question
from quizapp.practice import Practice
from quizapp.store import Store

QUESTIONS = 20
REPEATS = 7
#: Simulations that take about a second or less each, so building the session stays quick.
QUICK_SIMS = ("updates_per_epoch", "learning_rate_sweep", "lr_range_test", "epochs_overfitting", "schedules")


def prediction_for(question: Question, outcome: PredictionValue | None, *, right: bool) -> PredictionValue:
    """The observed outcome (a right prediction) or a value that differs from it (a wrong one)."""
    prediction = question.prediction
    if prediction.kind == "choice":
        choices = prediction.choices or []
        return outcome if right and outcome in choices else next(c for c in choices if c != outcome)  # type: ignore[return-value]
    if prediction.kind == "bool":
        return bool(outcome) if right else not outcome
    number = 1.0 if outcome is None else float(outcome)  # type: ignore[arg-type]
    return number if right else number * 3 + 1


def build_session(store: Store, bank: Bank) -> int:
    from sims.registry import get

    questions = [q for q in bank.questions if q.simulation.name in QUICK_SIMS][:QUESTIONS]
    practice = Practice.start(store, bank, "benchmark", questions)
    for index, question in enumerate(questions):
        result = get(question.simulation.name).run(question.simulation.params)
        outcome = result.observable(question.prediction.observable, question.prediction.variant).value
        given = prediction_for(question, outcome, right=index % 2 == 0)
        practice.lock(given, ("guessing", "fairly sure", "certain", None)[index % 4])
        practice.record_run("finished", result, given)
        answer = " ".join(cue for item in question.rubric[:2] for cue in item.cues[:1]) or "an answer"
        practice.save_answer(f"{answer}. " * 20)
        practice.grade(sorted(suggested_for(question, answer)))
        practice.next()
    return practice.record.id


def median_seconds(job: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


COLD = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from quizapp.bank import load_bank
from quizapp.report import export_session
from quizapp.store import Store
export_session(Store(sys.argv[1]), load_bank(), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
print(time.perf_counter() - started)
"""


def cold_seconds(db: Path, session_id: int, fmt: str, target: Path) -> float:
    """A whole export in a fresh interpreter, imports included (what `quizapp export` costs)."""
    command = [sys.executable, "-c", COLD, str(db), str(session_id), fmt, str(target)]
    return statistics.median(
        float(subprocess.run(command, capture_output=True, text=True, check=True).stdout) for _ in range(3)
    )


def main() -> None:
    from quizapp.report.export import write
    from quizapp.report.render import FORMATS, render_session
    from quizapp.report.session_content import session_report

    bank = load_bank()
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.db") as store:
        print(f"building a {QUESTIONS}-question session with real runs...", file=sys.stderr)
        session_id = build_session(store, bank)
        report = session_report(store.session(session_id), bank)
        build = median_seconds(lambda: session_report(store.session(session_id), bank))
        rows = []
        for fmt in FORMATS:
            target = Path(folder) / f"report.{fmt}"
            text = render_session(report, fmt)
            render = median_seconds(lambda fmt=fmt: render_session(report, fmt))
            save = median_seconds(lambda text=text, target=target: write(text, target))
            rows.append(
                (
                    fmt,
                    build,
                    render,
                    save,
                    build + render + save,
                    cold_seconds(store.path, session_id, fmt, target),
                    len(text.encode()) / 1024,
                )
            )
    print(f"Export of a {QUESTIONS}-question session (median of {REPEATS}; cold: fresh process, median of 3)")
    print(f"{'format':<7}{'build s':>9}{'render s':>10}{'write s':>9}{'total s':>9}{'cold s':>8}{'size KB':>9}")
    for fmt, build, render, save, total, cold, size in rows:
        print(f"{fmt:<7}{build:>9.3f}{render:>10.3f}{save:>9.4f}{total:>9.3f}{cold:>8.2f}{size:>9.0f}")


if __name__ == "__main__":
    main()
