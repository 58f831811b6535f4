"""The progress report's readiness part: where each topic stands now, how that changed, and the review days.

Everything here comes from the stored reviews (one per card per attempt), not from the sessions:
readiness is about the cards, and a mock interview is marked wherever its days show.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from quizapp.bank import Bank
from quizapp.report.charts import Chart, Line, make_chart
from quizapp.schedule.deck import Deck, when
from quizapp.schedule.readiness import Readiness, topic_readiness
from quizapp.schedule.trend import WEEKDAYS, DayReadiness, Heatmap, readiness_by_day, review_heatmap
from quizapp.store import ReviewRecord

#: Review days drawn in the trend charts (the latest ones): more would crowd the axis names.
TREND_DAYS = 30
HEATMAP_WEEKS = 12
#: The statements in the order the share chart draws them, with a colour that says how good each is.
STATEMENTS = (("ready", "#2ca02c"), ("close", "#ff7f0e"), ("not yet", "#d62728"))
#: One character per heatmap level in the Markdown report, from no review to the busiest day.
SHADES = "·░▒▓█"


class ReadinessPart(BaseModel):
    reviews: int
    review_days: int
    topics: list[Readiness]  # now, every topic of the bank
    heatmap: Heatmap | None  # None: no review yet
    recall_chart: Chart | None  # None: fewer than two days with reviews
    statement_chart: Chart | None
    mock_days: list[date]

    @property
    def counts(self) -> dict[str, int]:
        """Topics at each statement now."""
        return {name: sum(t.statement == name for t in self.topics) for name, _ in STATEMENTS}


def readiness_part(bank: Bank, reviews: list[ReviewRecord], now: datetime) -> ReadinessPart:
    shown = readiness_by_day(bank, reviews, days=TREND_DAYS)
    two_days = len(shown) >= 2
    return ReadinessPart(
        reviews=len(reviews),
        review_days=len({when(r.reviewed_at).date() for r in reviews}),
        topics=topic_readiness(Deck(bank, reviews), now),
        heatmap=review_heatmap(reviews, now.date(), HEATMAP_WEEKS) if reviews else None,
        recall_chart=_recall_chart(shown) if two_days else None,
        statement_chart=_statement_chart(shown) if two_days else None,
        mock_days=sorted({when(r.reviewed_at).date() for r in reviews if r.source == "mock"}),
    )


def _names(days: list[DayReadiness]) -> list[str]:
    return [f"{d.day:%m-%d} mock" if d.had_mock else f"{d.day:%m-%d}" for d in days]


def _recall_chart(days: list[DayReadiness]) -> Chart | None:
    """Recall at each day's end, one line per topic reviewed by then, from its first review on."""
    lines: dict[str, Line] = {}
    for index, day in enumerate(days):
        for topic in day.topics:
            if topic.seen:
                line = lines.setdefault(topic.topic, Line(label=topic.topic, x=[], y=[]))
                line.x.append(float(index))
                line.y.append(topic.recall)
    if not lines:
        return None
    return make_chart("recall now", "day", "recall (FSRS)", list(lines.values()), percent=True, x_names=_names(days))


def _statement_chart(days: list[DayReadiness]) -> Chart:
    """The share of the bank's topics ready, close and not yet at each day's end."""
    xs = [float(i) for i in range(len(days))]
    lines = [
        Line(label=name, x=xs, y=[sum(t.statement == name for t in d.topics) / len(d.topics) for d in days])
        for name, _ in STATEMENTS
    ]
    colors = [color for _, color in STATEMENTS]
    return make_chart("topics", "day", "share of topics", lines, percent=True, x_names=_names(days), colors=colors)


def heatmap_lines(heatmap: Heatmap) -> list[str]:
    """The heatmap as text, one line per week from the first with a review: a shade per day, the week's totals."""
    weeks = heatmap.weeks
    while weeks and not any(day.reviews for day in weeks[0].days):
        weeks = weeks[1:]
    if not weeks:
        return [f"No review in the last {len(heatmap.weeks)} weeks."]
    rows = [f"week of  {' '.join(name[:2] for name in WEEKDAYS)}  reviews  lapses"]
    for week in weeks:
        shades = "  ".join(SHADES[day.level] for day in week.days).ljust(20)
        reviews = sum(day.reviews for day in week.days)
        lapses = sum(day.lapses for day in week.days)
        mocks = [WEEKDAYS[day.day.weekday()] for day in week.days if day.mock]
        row = f"{week.start:%m-%d}    {shades}  {reviews:>7}  {lapses:>6}"
        rows.append(f"{row}  mock: {', '.join(mocks)}" if mocks else row)
    rows.append(f"{SHADES[0]} no review, {SHADES[1:]} up to the busiest day ({heatmap.busiest} reviews)")
    return rows
