"""Every question of the shipped bank gets a chart in the session report, and the chart is about the question.

One session answers the whole bank with real runs (two seeds on the CPU, each simulation and params
trained once and shared by the questions that use them), then both formats are read back: the HTML
must hold an SVG chart with the right quantity and axis for each question, the Markdown a sparkline
block under the same caption.
"""

import json
import re
from xml.etree import ElementTree

import pytest

from quizapp.bank import load_bank
from quizapp.practice import Practice
from quizapp.report.bench import prediction_for
from quizapp.report.export import session_text
from quizapp.store import Store
from sims.result import SimResult
from tests.quizapp.test_bank_runs import run as bank_run

BANK = load_bank()

LOSS_BY_UPDATE = ("Loss per update", "update")
VALIDATION = ("Validation loss", "epoch")
BOTH = ("Training and validation loss", "epoch")
#: What each observable's chart must show: its quantity (y) and what it is drawn against (x).
CHARTS = {
    # a validation curve per epoch
    "closest_to_base": VALIDATION,
    "rule_breaks_at": VALIDATION,
    "lowest_val_loss_batch": VALIDATION,
    "better_order": VALIDATION,
    "best_epoch": VALIDATION,
    "best_epoch_against_reference": VALIDATION,
    "decay_matches_growth": VALIDATION,
    "lowest_final_val_loss": VALIDATION,
    # overfitting: training beside validation
    "val_loss_rises_after_best": BOTH,
    "train_loss_keeps_falling": BOTH,
    # noise and smoothness: the loss of every update; batch sizes with different update counts lined up by epoch
    "noisiest_batch": ("Loss per update", "epoch"),
    "smoothest_batch": ("Loss per update", "epoch"),
    "smoothest_regime": ("Loss per update", "epoch"),
    "noisiest_regime": ("Loss per update", "epoch"),
    "full_batch_monotonic": ("Loss per update", "epoch"),
    "smoothest_optimizer": LOSS_BY_UPDATE,  # one batch size: updates line up already
    # counting updates: the curve is as long as the count
    "updates_per_epoch": LOSS_BY_UPDATE,
    "updates_per_epoch_drop_last": LOSS_BY_UPDATE,
    "total_updates": LOSS_BY_UPDATE,
    "updates": LOSS_BY_UPDATE,
    "update_ratio_decay_to_growth": LOSS_BY_UPDATE,
    # divergence: the blow-up shows update by update
    "smallest_diverging_rate": LOSS_BY_UPDATE,
    "critical_rate_measured": LOSS_BY_UPDATE,
    "diverges": LOSS_BY_UPDATE,
    "measured_to_theory_ratio": LOSS_BY_UPDATE,
    # final training loss
    "best_rate": ("Training loss", "epoch"),
    "final_loss": ("Training loss", "epoch"),
    "lowest_final_loss_regime": ("Training loss", "epoch"),
    "final_train_loss": ("Training loss", "epoch"),
    "lowest_loss_optimizer": ("Training loss", "epoch"),
    "lowest_loss_after_one_epoch_batch": ("Loss per update", "epoch"),  # one epoch: its updates, by epoch
    "final_losses_match": ("Final training loss", None),  # one value per variant
    # accuracy
    "final_val_accuracy": ("Validation accuracy", "epoch"),
    "best_val_accuracy": ("Validation accuracy", "epoch"),
    "best_beats_label_accuracy": ("Validation accuracy", "epoch"),
    "final_train_accuracy": ("Training accuracy", "epoch"),
    "more_accurate_after_drift": ("Accuracy over the last window", "examples seen"),
    "static_accuracy_drop": ("Accuracy over the last window", "examples seen"),
    "accuracy_before_drift": ("Accuracy over the last window", "examples seen"),
    "accuracy_after_drift": ("Accuracy over the last window", "examples seen"),
    # scale: batch sizes and learning rates on log axes
    "small_batch_speedup": ("Updates to reach the target (log scale)", "batch size (log scale)"),
    "large_batch_speedup": ("Updates to reach the target (log scale)", "batch size (log scale)"),
    "steps_to_target": ("Updates to reach the target (log scale)", "batch size (log scale)"),
    "fastest_epoch_batch": ("Examples per second", "batch size (log scale)"),
    "memory_grows_with_batch": ("Peak memory (MiB)", "batch size (log scale)"),
    "memory_ratio": ("Peak memory (MiB)", None),
    "chunks_read": ("Peak memory (MiB)", None),
    # the newer simulations
    "best_epoch_share": VALIDATION,
    "four_repeats_close": VALIDATION,
    "sixteen_falls_behind": VALIDATION,
    "best_threshold": VALIDATION,
    "tightest_threshold_slows": VALIDATION,
    "closest_rule": VALIDATION,
    "sgd_forms_match": VALIDATION,
    "adam_forms_differ": VALIDATION,
    "shrinks_more_at_same_coefficient": VALIDATION,
    "second_descent": ("Validation loss", "epoch (log scale)"),  # decades of training: the bump shows on a log axis
    "peak_epoch_range": ("Validation loss", "epoch (log scale)"),
    "grows_with_batch": ("Peak memory (MiB)", "batch size (log scale)"),
    "adam_extra_state_ratio": ("Peak memory (MiB)", "batch size (log scale)"),
    "checkpointing_cuts": ("Peak memory (MiB)", "batch size (log scale)"),
    "grows_as_loss_falls": ("Gradient noise scale (B_simple)", "update"),
    "predicts_knee": ("Gradient noise scale (B_simple)", "update"),
    "gap_closes": ("Validation accuracy", "epoch"),
    "sharper_end_point": ("Training loss", "epoch"),
    "degrades_most": ("Validation accuracy", "epoch"),
    "batchnorm_level_from": ("Validation accuracy", "epoch"),
    "better_mode_at_smallest_batch": ("Validation accuracy", "epoch"),
    "accumulation_matches": LOSS_BY_UPDATE,
    "batchnorm_breaks_match": LOSS_BY_UPDATE,
    "summed_matches_rate": LOSS_BY_UPDATE,
    "clipping_never_adds_divergence": LOSS_BY_UPDATE,
    "lr_keeping_curve": ("Training loss", "epoch"),
    "matches_single_process": ("Training loss", "epoch"),
    "bn_matching_one_process": ("Training loss", "epoch"),
    "blowup_to_critical_ratio": ("Loss during the range test (log scale)", "learning rate (log scale)"),
    "steepest_rate": ("Loss during the range test (log scale)", "learning rate (log scale)"),
    # warmup with Adam: which peak rates end near the best run's validation accuracy
    "largest_good_rate": ("Validation accuracy", "epoch"),
    "same_at_smallest_rate": ("Validation accuracy", "epoch"),
    "trains_well": ("Validation accuracy", "epoch"),
    "warmup_widens_range": ("Validation accuracy", "epoch"),
}

#: Where one observable name means another chart in another simulation or setting.
BY_SIMULATION = {
    ("data_parallel", "updates_per_epoch"): ("Training loss", "epoch"),  # workers record per-epoch curves
}
BY_QUESTION = {
    # at rate 4.0 the curves left to draw share one update count, so they need no placing by epoch
    "regimes-full-batch-final-loss": LOSS_BY_UPDATE,
}


def run(sim: str, params: str) -> SimResult:
    """The question's run at seeds 0-2, shared with the bank-run tests (trained once per session)."""
    return bank_run(sim, params, 0)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The whole bank answered in one session, every prediction locked and checked against its real run."""
    with Store(tmp_path_factory.mktemp("bank") / "s.db") as store:
        practice = Practice.start(store, BANK, "the whole bank", BANK.questions)
        for question in BANK.questions:
            result = run(question.simulation.name, json.dumps(question.simulation.params, sort_keys=True))
            observed = result.observable(question.prediction.observable, question.prediction.variant).value
            value = prediction_for(question, observed, right=True)
            practice.lock(value, None)
            practice.record_run("finished", result, value)
            practice.next()
        session = practice.record.id
        yield session_text(store, BANK, session, "html"), session_text(store, BANK, session, "md")


def html_section(html: str, number: int) -> str:
    found = re.search(rf'<article class="question" id="q{number}">(.*?)</article>', html, re.DOTALL)
    assert found, f"question {number} has no section"
    return found.group(1)


def markdown_section(markdown: str, number: int, question_id: str) -> str:
    return markdown.split(f"\n## {number}. {question_id}\n")[1].split("\n---\n")[0]


def caption_pattern(question) -> str:
    """What the question's chart must show: by its simulation and observable where two simulations
    share an observable's name, else by the observable."""
    link = question.simulation.name, question.prediction.observable
    expected = BY_QUESTION.get(question.id) or BY_SIMULATION.get(link) or CHARTS[question.prediction.observable]
    quantity, axis = expected
    against = rf" against {re.escape(axis)}" if axis else ""
    return rf"{re.escape(quantity)}( \(log scale\))?{against}[;.]"


def test_every_observable_of_the_bank_has_an_expected_chart():
    missing = sorted({q.prediction.observable for q in BANK.questions} - set(CHARTS))
    assert not missing, f"say what these observables' charts show: {missing}"


@pytest.mark.parametrize("number", range(1, len(BANK.questions) + 1))
def test_each_question_has_its_chart_in_html_and_markdown(reports, number):
    html, markdown = reports
    question = BANK.questions[number - 1]
    section = html_section(html, number)
    assert section.count("<svg") == 1, f"{question.id}: no chart in the HTML report"
    caption = re.search(r"<figcaption>(.*?)</figcaption>", section, re.DOTALL)
    assert caption and re.match(caption_pattern(question), caption.group(1)), (
        f"{question.id}: {caption.group(1) if caption else 'no caption'}"
    )
    text = markdown_section(markdown, number, question.id)
    block = re.search(r"\n([^\n]+)\n\n```text\n(.+?)\n```", text, re.DOTALL)
    assert block, f"{question.id}: no sparkline block in the Markdown report"
    assert re.match(caption_pattern(question), block.group(1)), block.group(1)
    assert re.search("[▁▂▃▄▅▆▇█]", block.group(2)), block.group(2)


def axis_labels(section: str, axis: str) -> list[str]:
    """The tick labels pygal wrote on one axis ("x" or "y") of the section's chart."""
    svg = ElementTree.fromstring(re.search(r"<svg.*</svg>", section, re.DOTALL).group(0))
    groups = [g for g in svg.iter("g") if f"axis {axis}" in g.get("class", "")]
    return [t.text for g in groups for t in g.iter("text") if t.text]


def test_log_axes_are_labelled_with_real_values(reports):
    html, _ = reports
    number = next(i for i, q in enumerate(BANK.questions, 1) if q.prediction.observable == "steepest_rate")
    section = html_section(html, number)
    assert {"0.0001", "0.001", "0.01", "0.1", "1"} <= set(axis_labels(section, "x"))  # learning rates themselves
    y = axis_labels(section, "y")
    assert "1" in y and "100" in y and not {"-1", "0", "2"} & set(y)  # real losses, not their exponents


def test_counting_axes_have_whole_number_ticks(reports):
    html, _ = reports
    for number, question in enumerate(BANK.questions, 1):
        quantity, axis = CHARTS[question.prediction.observable]
        labels = axis_labels(html_section(html, number), "x")
        if axis in ("epoch", "update", "examples seen", "batch size (log scale)"):
            assert labels and all(re.fullmatch(r"\d+k?", t) for t in labels), f"{question.id}: {labels}"
        if quantity.startswith("Updates to reach"):  # a count on y as well
            assert all(re.fullmatch(r"\d+", t) for t in axis_labels(html_section(html, number), "y"))
