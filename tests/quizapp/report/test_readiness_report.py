"""The progress report's readiness part: the statements first, the trend over review days, the review heatmap."""

import re
from datetime import UTC, datetime

import pytest

from quizapp.bank import load_bank
from quizapp.report.export import progress_text
from quizapp.report.readiness_content import heatmap_lines
from quizapp.schedule.trend import review_heatmap
from quizapp.store import Store
from tests.quizapp.report.reviews import Clock, study

BANK = load_bank()
TOPICS = BANK.by_topic()
START = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Three days of study: day 0 two batch-size questions (one prediction wrong), day 2 a mock interview on
    learning rates, day 5 the batch-size questions again, right. Both formats, as of day 10."""
    monkeypatch = pytest.MonkeyPatch()
    clock = Clock(START).install(monkeypatch)
    batch, rates = TOPICS["batch-size"][:2], TOPICS["learning-rate"][:3]
    with Store(tmp_path_factory.mktemp("db") / "s.db") as store:
        clock.day(0)
        study(store, batch, right=[True, False])
        clock.day(2)
        study(store, rates, rubric=0.4, source="mock")
        clock.day(5)
        study(store, batch)
        texts = {fmt: progress_text(store, BANK, fmt, NOW) for fmt in ("html", "md")}
    monkeypatch.undo()
    return texts


def test_the_html_report_opens_with_readiness_and_has_a_heatmap_cell_per_day(reports):
    html = reports["html"]
    assert html.index("<h2>Readiness</h2>") < html.index("<h2>Reviews by day</h2>") < html.index("<h2>By topic</h2>")
    assert "from 14 reviews over 3 days" in html
    rows = re.findall(r'<td class="statement ([a-z-]+)">([a-z ]+)</td>', html)
    assert len(rows) == len(TOPICS) and ("not-yet", "not yet") in rows
    assert "0 of 4 cards seen" in html  # data-order, never started
    titles = re.findall(r'<span class="cell l(\d)( mock)?" title="([^"]+)"', html)
    assert len(titles) == 7 * 11 + 4  # twelve weeks, the last one up to Thursday
    assert ("3", "", "2026-11-16: 4 reviews, 1 lapse") in titles  # the wrong prediction
    assert ("4", " mock", "2026-11-18: 6 reviews, 3 lapses, mock interview") in titles  # answers under half
    assert ("0", "", "2026-11-17: 0 reviews, 0 lapses") in titles
    assert "busiest day: 6 reviews" in html


def test_the_html_report_draws_readiness_over_the_days_with_the_mock_day_named(reports):
    html = reports["html"]
    readiness = html.split("<h2>Readiness</h2>")[1].split("<h2>Reviews by day</h2>")[0]
    assert readiness.count("<svg") == 2 and html.count("<svg") == 4  # and the two per-session charts
    assert "11-18 mock" in readiness and "11-16" in readiness and "11-21" in readiness
    assert "recall (FSRS)" in readiness and "share of topics" in readiness
    assert "<script" not in html and "http" not in html


def test_the_markdown_report_has_the_statements_the_trend_and_a_week_per_line(reports):
    md = reports["md"]
    assert md.index("## Readiness") < md.index("## Reviews by day") < md.index("## By topic")
    assert re.search(r"\| learning-rate \| not yet \| .* \| 20% \| 100% \| 40% \|", md)  # rubric 40%: the weakest
    assert "| data-order | not yet | 0 of 4 cards seen; recall 0% | 0% | - | - |" in md
    assert "Mock interview days: 2026-11-18." in md
    heat = md.split("## Reviews by day")[1].split("## By topic")[0]
    assert "11-16    ▓  ·  █  ·  ·  ▓  ·        14       4  mock: Wed" in heat
    assert "11-23    ·  ·  ·  ·" in heat and "busiest day (6 reviews)" in heat
    assert re.search(r"batch-size +\S+ +\d+% -> \d+%", md)  # the recall sparkline


def test_a_single_day_of_reviews_says_the_trend_starts_tomorrow(tmp_path, monkeypatch):
    clock = Clock(START).install(monkeypatch)
    with Store(tmp_path / "s.db") as store:
        study(store, TOPICS["batch-size"][:1])
        clock.day(0, hour=3)
        for fmt in ("html", "md"):
            text = progress_text(store, BANK, fmt, clock.now)
            assert "the readiness trend starts with the next day you review" in text
            assert "recall (FSRS)" not in text


def test_an_empty_store_says_there_are_no_reviews(tmp_path):
    with Store(tmp_path / "s.db") as store:
        for fmt in ("html", "md"):
            text = progress_text(store, BANK, fmt)
            assert "No reviews yet" in text and "No sessions yet" in text and "Reviews by day" not in text


def test_the_text_heatmap_says_so_when_the_weeks_shown_have_no_review():
    assert heatmap_lines(review_heatmap([], NOW.date())) == ["No review in the last 12 weeks."]
