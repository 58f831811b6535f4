"""The headless chart choice shared by the app and the reports: rules, ticks, live points."""

import json
import subprocess
import sys

from quizapp.bank import load_bank
from quizapp.charting import Chart, Line, LiveChart, choose, make_chart
from quizapp.charting.build import focus
from quizapp.models import Question
from quizapp.report.charts import question_chart
from sims.result import CurvePoints, Series, SimResult

BANK = load_bank()


def points(metric: str, variant: str, seed: int, xs: list[float]) -> CurvePoints:
    return CurvePoints(metric=metric, variant=variant, seed=seed, x=xs, y=[1.0 / (1 + x) for x in xs])


def test_the_rule_follows_what_the_observable_measures():
    rules = {q.id: choose(q) for q in BANK.questions}
    assert rules["bs-noisiest-loss-curve"].metrics == ("update_loss",) and rules["bs-noisiest-loss-curve"].by_epoch
    assert rules["bs-fixed-epochs-best-val-loss"].metrics == ("val_loss",)
    assert rules["epochs-val-loss-turns-up"].metrics == ("val_loss", "train_loss")  # the overfitting picture
    assert rules["bs-updates-per-epoch-10k"].rule == "update count" and not rules["bs-updates-per-epoch-10k"].by_epoch
    assert rules["lr-range-steepest"].metrics == ("loss_vs_rate",)
    assert rules["lr-grid-first-divergence"].rule == "divergence"
    assert rules["lr-best-rate-on-grid"].metrics == ("train_loss",)  # about the final loss, not the blow-up
    assert rules["hw-memory-grows-with-batch"].rows and rules["ooc-memory-saving"].rows
    assert rules["scaling-steps-at-batch-one"].log_y  # perfect scaling is a straight line on log-log axes
    assert rules["drift-static-accuracy-drop"].metrics == ("windowed_accuracy",)
    assert rules["epochs-memorises-wrong-labels"].metrics == ("train_acc",)
    assert all(choice.rule != "default" for choice in rules.values())


def test_a_crowded_chart_keeps_the_reference_and_the_group_or_kind_the_question_names():
    variants = ["base"] + [f"x{k} {kind}" for k in (2, 8, 64) for kind in ("same lr", "scaled", "scaled+warmup")]
    named = choose(BANK.get("scaling-same-rate-lags"))  # asks about k = 8
    assert focus(named, variants) == ["base", "x8 same lr", "x8 scaled", "x8 scaled+warmup"]
    breaks = choose(BANK.get("scaling-rule-breaks"))  # names no k; its prompt is about the warmed-up scaled runs
    assert focus(breaks, variants) == ["base", "x2 scaled+warmup", "x8 scaled+warmup", "x64 scaled+warmup"]
    few = ["16", "64", "256", "1024"]
    assert focus(breaks, few) == few


def test_a_crowded_sweep_the_prompt_does_not_name_keeps_its_two_ends():
    """BatchNorm vs GroupNorm vs none at four batch sizes: the chart compares them at batch 2 and 64."""
    degrades = choose(BANK.get("norm-batchnorm-tiny-batch-degrades"))
    variants = [f"{norm} @ {b}" for norm in ("batchnorm", "groupnorm", "none") for b in (2, 4, 16, 64)]
    assert focus(degrades, variants) == [
        f"{norm} @ {b}" for norm in ("batchnorm", "groupnorm", "none") for b in (2, 64)
    ]


def test_log_ticks_are_real_values_and_counts_are_whole():
    loss = make_chart(
        "loss", "epoch", "loss", [Line(label="a", x=[0, 1, 2, 3], y=[2.3, 0.9, 0.3, 0.09])], x_integer=True
    )
    assert loss.log_y  # spans 25x
    assert [t.label for t in loss.y_ticks(3)] == ["0.1", "1"]
    assert [t.label for t in loss.y_ticks(6)] == ["0.1", "0.2", "0.5", "1", "2"]
    assert loss.y_position(0.1) == -1  # drawn at log10, labelled with the value
    assert [t.label for t in loss.x_ticks(8)] == ["0", "1", "2", "3"]
    assert [t.label for t in loss.x_ticks(3)] == ["0", "2"]  # never 0, 1.5, 3
    rates = make_chart(
        "loss", "learning rate", "loss", [Line(label="a", x=[1e-4, 0.05, 4.0], y=[1, 2, 3e5])], log_x=True
    )
    assert [t.label for t in rates.x_ticks(3)] == ["0.0001", "0.05", "4"]  # a few points: tick each one
    wide = make_chart("loss", "rate", "loss", [Line(label="a", x=[1e-4 * 1.1**i for i in range(120)], y=[1.0] * 120)])
    wide = wide.model_copy(update={"log_x": True})
    assert [t.label for t in wide.x_ticks(6)] == ["0.0001", "0.001", "0.01", "0.1", "1"]
    big = make_chart("speed", "batch size", "speed", [Line(label="a", x=[16, 256], y=[5629.0, 26215.0])])
    assert [t.label for t in big.y_ticks(4)] == ["10k", "15k", "20k", "25k"]


def test_percent_and_per_variant_charts():
    accuracy = make_chart("acc", "epoch", "acc", [Line(label="a", x=[0, 1], y=[0.52, 0.93])], percent=True)
    assert accuracy.y_bounds() == (50, 100) and [t.label for t in accuracy.y_ticks(3)] == ["60%", "80%", "100%"]
    points_only = make_chart(
        "mib", "", "mib", [Line(label="m", x=[0, 1], y=[5.2, 0.5])], x_names=["a", "b"], markers=True
    )
    assert points_only.y_bounds()[0] == 0  # compared by height
    assert [t.label for t in points_only.x_ticks(2)] == ["a", "b"]


def test_a_stored_run_without_the_chosen_metric_falls_back_to_the_main_curve():
    question = BANK.get("bs-fixed-epochs-best-val-loss")  # wants validation loss
    series = [Series(metric="update_loss", variant=v, seed=0, x_label="update", x=[1, 2, 3], y=[3, 2, 1]) for v in "ab"]
    result = SimResult(
        sim="batch_size_sweep", params={}, device="cpu", torch_version="x", seeds=[0], wall_seconds=1.0,
        variants=["a", "b"], series=series, metrics=[], observables=[], diverged=[],
    )  # fmt: skip
    chart = question_chart(question, result)
    assert chart is not None and chart.title == "loss per update" and [line.label for line in chart.lines] == ["a", "b"]
    assert question_chart(None, result) is not None  # a question since removed from the bank still gets a chart


def test_live_points_draw_the_chosen_metric_once_it_streams():
    live = LiveChart(BANK.get("bs-fixed-epochs-best-val-loss"))
    assert live.chart() is None and not live.received
    live.add([points("update_loss", "16", 1, [1, 2]), points("update_loss", "16", 0, [1, 2])])
    chart = live.chart()
    assert chart is not None and chart.title == "loss per update" and "validation loss when done" in chart.note
    assert chart.lines[0].label == "loss per update" and chart.lines[0].x == [1, 2]  # seed 0 only
    live.add([points("val_loss", "16", 0, [0, 1]), points("val_loss", "64", 0, [0, 1])])
    chart = live.chart()
    assert chart is not None and chart.title == "validation loss" and chart.note == "live"
    assert [line.label for line in chart.lines] == ["16", "64"] and chart.x_integer


def test_live_points_of_runs_sharing_a_name_or_training_again_are_left_out():
    live = LiveChart(BANK.get("lr-grid-first-divergence"))
    # a grid of refining runs all named "refine": no single line can be drawn for them
    live.add([points("update_loss", "refine", 0, [1, 2]), points("update_loss", "refine", 0, [1, 2])])
    assert live.received and live.chart() is None
    live.add([points("update_loss", "0.1", 0, [1, 2, 3])])
    live.add([points("update_loss", "0.1", 0, [1, 2])])  # the same name from its start again: a new run
    live.add([points("update_loss", "0.1", 0, [4, 5])])
    chart = live.chart()
    assert chart is not None and [line.label for line in chart.lines] == ["loss per update"]
    assert chart.lines[0].x == [1, 2, 3]


def test_charting_imports_neither_textual_nor_torch_nor_pygal():
    script = (
        "import json, sys\nfrom quizapp.bank import load_bank\nfrom quizapp.charting import choose, LiveChart\n"
        "bank = load_bank()\n[choose(q) for q in bank.questions]\nLiveChart(bank.questions[0]).chart()\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert not {"torch", "textual", "pygal"} & loaded


def test_chart_is_plain_data_that_survives_a_json_round_trip():
    chart = make_chart("loss", "epoch", "loss", [Line(label="a", x=[0, 1], y=[1.0, 0.5], diverged=True)])
    assert Chart.model_validate_json(chart.model_dump_json()) == chart
    assert chart.lines[0].shown_label == "a (diverged)"


def asked(sim: str, observable: str, kind: str = "bool", **params) -> Question:
    prediction = {"prompt": "?", "kind": kind, "observable": observable}
    if kind == "choice":
        prediction["choices"] = ["a", "b"]
    return Question.model_validate(
        {
            "id": "q",
            "topic": "t",
            "difficulty": "easy",
            "tags": ["t"],
            "prompt": "?",
            "model_answer": "m",
            "pitfall": "p",
            "explanation": "e",
            "rubric": [{"id": i, "criterion": i} for i in "abc"],
            "follow_ups": [{"question": "f?", "answer": "a"}],
            "prediction": prediction,
            "simulation": {"name": sim, "params": params},
        }
    )


def test_the_newer_simulations_get_the_curve_their_question_is_about():
    from quizapp.charting.build import draw
    from sims.registry import get

    double = choose(asked("double_descent_epochs", "second_descent"))
    assert double.rule == "double descent" and double.log_x
    chart = draw(double, get("double_descent_epochs").run({"epochs": 100, "train_size": 100}, seeds=[0]))
    assert chart.log_x and all(x > 0 for line in chart.lines for x in line.x)  # decades of epochs, epoch 0 left out
    assert choose(asked("noise_scale", "grows_as_loss_falls")).metrics == ("noise_scale",)
    memory = choose(asked("memory_scaling", "checkpointing_cuts", "choice"))
    chart = draw(memory, get("memory_scaling").run({"batch_sizes": [16, 32, 64], "hidden": 16, "blocks": 2}, seeds=[0]))
    assert chart is not None and "memory" in chart.title.lower()
    assert choose(asked("clipping_spikes", "loss_spikes", "number")).metrics == ("update_loss",)
    assert choose(asked("clipping_spikes", "best_threshold", "choice")).metrics[0] == "val_loss"


def test_a_crowded_grid_of_rates_keeps_the_kind_or_the_setting_the_prediction_names():
    variants = [f"lr {rate} {kind}" for rate in ("0.01", "0.03", "0.1", "0.3") for kind in ("no warmup", "warmup")]
    widens = choose(BANK.get("warmup-adam-widens-peak-range"))  # about the warmed-up runs
    assert focus(widens, variants) == [f"lr {rate} warmup" for rate in ("0.01", "0.03", "0.1", "0.3")]
    no_recovery = choose(BANK.get("warmup-adam-longer-run-no-recovery"))  # about 0.1 without warmup
    assert focus(no_recovery, variants) == ["lr 0.1 no warmup", "lr 0.1 warmup"]
