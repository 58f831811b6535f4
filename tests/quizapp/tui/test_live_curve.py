"""The terminal chart on its own, in a small app at the size the question screen gives it (38 x 12)."""

import functools
import re

from textual.app import App, ComposeResult
from textual_plot import PlotWidget

from quizapp.bank import load_bank
from quizapp.models import Question
from quizapp.tui.widgets.live_curve import LiveCurve
from sims.registry import get
from sims.result import CurvePoints, ProgressEvent, SimResult

BANK = load_bank()
WIDTH, HEIGHT = 38, 12


class Harness(App):
    CSS = f"LiveCurve {{ width: {WIDTH}; height: {HEIGHT}; }}"

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield LiveCurve(self.question, id="curve")


@functools.cache
def run(name: str) -> tuple[SimResult, tuple[ProgressEvent, ...]]:
    """A real run of the question's simulation (two seeds, CPU) and the progress events it sent."""
    question = BANK.get(name)
    events: list[ProgressEvent] = []
    result = get(question.simulation.name).run(
        question.simulation.params, seeds=[0, 1], device="cpu", progress=events.append
    )
    return result, tuple(events)


def screen_rows(app: App) -> list[str]:
    """The rendered screen as text, row by row (the compositor's output, as a terminal would show it)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def title(app: App) -> str:
    """The chart's title, its two rows joined as one line."""
    return " ".join(" ".join(screen_rows(app)[:2]).split())


def tick_labels(rows: list[str]) -> tuple[list[str], list[str]]:
    """y labels (left of the axis) and x labels (the row under the plot's bottom edge)."""
    y = [m.group(1) for row in rows if (m := re.match(r"\s*(\S+) [┫┻┳╋]", row))]
    bottom = max(i for i, row in enumerate(rows) if re.search(r"[┗┣┻]━", row))
    return y, rows[bottom + 1].split()


def is_real_value(label: str) -> bool:
    return re.fullmatch(r"\d+(\.\d+)?[kM]?", label) is not None


async def test_a_log_log_chart_labels_its_ticks_with_real_values():
    question = BANK.get("lr-range-steepest")
    result, _ = run(question.id)
    app = Harness(question)
    async with app.run_test(size=(WIDTH + 2, HEIGHT + 1)) as pilot:
        app.query_one(LiveCurve).show_result(result)
        await pilot.pause()
        rows = screen_rows(app)
    text = "\n".join(rows)
    assert "loss during the range test (log)" in rows[0]
    assert "learning rate (log)" in text  # the x axis has its title
    y, x = tick_labels(rows)
    assert x[:4] == ["0.0001", "0.001", "0.01", "0.1"]  # rates themselves, not -4 ... -1
    assert "1" in y and len(y) >= 2 and all(is_real_value(label) for label in y), y


async def test_lines_of_counts_get_whole_ticks_and_a_legend_under_the_plot():
    question = BANK.get("bs-updates-per-epoch-10k")  # 125 and 25 updates per epoch: the x axis counts updates
    result, _ = run(question.id)
    app = Harness(question)
    async with app.run_test(size=(WIDTH + 2, HEIGHT + 1)) as pilot:
        curve = app.query_one(LiveCurve)
        curve.show_result(result)
        await pilot.pause()
        rows = screen_rows(app)
        assert curve.has_data
    _, x = tick_labels(rows)
    assert x and all(label.isdigit() for label in x), x
    bottom = max(i for i, row in enumerate(rows) if re.search(r"[┗┣]━", row))
    legend = next(i for i, row in enumerate(rows) if "●━ 96" in row)
    assert legend > bottom and "■━ 480" in rows[legend]  # outside the data, below the axis labels; own glyphs
    assert any("■" in row for row in rows[:bottom]) and any("●" in row for row in rows[:bottom])  # along the lines
    assert "update" in rows[legend].split()[-1]  # the x axis title, at the right under the axis


async def test_a_live_run_draws_what_streams_and_says_what_the_end_will_show():
    question = BANK.get("lr-range-steepest")  # loss vs learning rate is only known at the end
    result, events = run(question.id)
    app = Harness(question)
    async with app.run_test(size=(WIDTH + 2, HEIGHT + 1)) as pilot:
        curve = app.query_one(LiveCurve)
        await pilot.pause()
        assert not curve.has_data and "waiting for the first points" in title(app)
        for event in events:
            curve.add(event.points)
        await pilot.pause()
        assert curve.has_data
        assert "loss per update" in title(app) and "live; loss during the range test when done" in title(app)
        curve.show_result(result)
        await pilot.pause()
        assert screen_rows(app)[0].strip() == "loss during the range test (log)"
        curve.add(events[-1].points)  # a straggler after the end changes nothing
        await pilot.pause()
        assert screen_rows(app)[0].strip() == "loss during the range test (log)"
        curve.reset()
        await pilot.pause()
        assert not curve.has_data and "waiting" in screen_rows(app)[0]


async def test_the_chosen_metric_is_drawn_live_when_the_engine_streams_it():
    question = BANK.get("scaling-same-rate-lags")  # validation loss per epoch, four runs at k = 8
    result, events = run(question.id)
    app = Harness(question)
    async with app.run_test(size=(WIDTH + 2, HEIGHT + 1)) as pilot:
        curve = app.query_one(LiveCurve)
        for event in events:
            curve.add(event.points)
        await pilot.pause()
        live = screen_rows(app)
        curve.show_result(result)
        await pilot.pause()
        final = screen_rows(app)
    assert live[0].startswith("validation loss") and "· live" in live[0] and "when done" not in live[0]
    assert final[0].startswith("validation loss") and "live" not in final[0]
    for rows in (live, final):
        text = "\n".join(rows)
        assert all(label in text for label in ("base", "x8 same lr", "x8 scaled", "x8 scaled+warmup"))
        assert "epoch" in text and all(label.isdigit() for label in tick_labels(rows)[1])


async def test_the_chart_never_takes_focus():
    app = Harness(BANK.get("bs-noisiest-loss-curve"))
    async with app.run_test(size=(WIDTH + 2, HEIGHT + 1)) as pilot:
        await pilot.press("tab")
        assert app.focused is None and not app.query_one(PlotWidget).can_focus


async def test_points_of_an_unknown_metric_only_show_a_waiting_title():
    app = Harness(BANK.get("bs-noisiest-loss-curve"))
    async with app.run_test(size=(WIDTH + 2, HEIGHT + 1)) as pilot:
        curve = app.query_one(LiveCurve)
        curve.add([CurvePoints(metric="grad_norm", variant="16", seed=0, x=[1.0, 2.0], y=[1.0, 0.5])])
        await pilot.pause()
        assert not curve.has_data and screen_rows(app)[0].startswith("loss per update: ")
