"""The first screen: topics with the learner's progress; start, mix or resume.

It is drawn at once, the topics table loading; the sessions are read in a worker
(`SessionsReader`) and the table fills in when they arrive. They are read again whenever the
screen comes back, and whenever another screen comes up (a session may have started or
finished), which keeps the app's `latest_unfinished` (the command palette's Resume) true.
"""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from quizapp.formatting import count, percent, spark
from quizapp.mock import MockPlan
from quizapp.practice import last_practised
from quizapp.progress import TopicProgress, topic_progress
from quizapp.schedule.deck import Deck
from quizapp.schedule.plan import PlanError, StudyPlan
from quizapp.schedule.readiness import Readiness, topic_readiness
from quizapp.schedule.trend import DayReadiness
from quizapp.store import SessionOverview
from quizapp.tui.messages import SessionsRead
from quizapp.tui.screens.exporting import ExportingScreen
from quizapp.tui.screens.reading import SessionsReader

SESSION_LENGTH = 5


class HomeScreen(SessionsReader, ExportingScreen):
    TREND_DAYS = 14
    BINDINGS = [
        Binding("enter", "start_topic", "Practise", priority=True),
        Binding("m", "start_mixed", "Mixed"),
        Binding("d", "review_due", "Due"),
        Binding("i", "mock", "Mock"),
        Binding("t", "plan", "Plan", show=False),  # said in the hint line: the footer is full at 80 columns
        Binding("r", "resume", "Resume"),
        Binding("s", "sessions", "Sessions"),
        Binding("p", "progress_report", "Report"),
        Binding("q", "app.quit", "Quit", show=False),  # the footer's room goes to the rest at 80 columns
    ]

    #: Progress per topic; None until the first read arrives (the table shows a loading indicator).
    topics: reactive[list[TopicProgress] | None] = reactive(None, init=False, always_update=True)  # due may change
    #: The newest unfinished session, which r resumes.
    unfinished: reactive[SessionOverview | None] = reactive(None, init=False)
    #: The spaced-repetition schedule, rebuilt from the reviews at each read.
    deck: reactive[Deck | None] = reactive(None, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.readiness: dict[str, Readiness] = {}
        self.trend: list[DayReadiness] = []
        self.plan = StudyPlan()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Enter: practise · m: mixed · d: due · i: mock interview · t: interview date", id="home-hint")
        yield DataTable(id="topics", cursor_type="row", zebra_stripes=True)
        yield Static("", id="readiness-hint")
        yield Static("", id="due-hint")
        yield Static("", id="resume-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#topics", DataTable)
        table.add_columns("topic", "qs", "due", "seen", "score", "predicted", "readiness")
        table.loading = True
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def on_screen_resume(self) -> None:
        # Also sent when the screen is first pushed, so this is the first read too.
        self.refresh_progress()

    def _screen_changed(self, screen: Screen) -> None:
        """Another screen came up, maybe as a session started or finished: keep the palette's Resume true."""
        if screen is not self:  # coming back here is on_screen_resume's
            self.refresh_progress()

    def refresh_progress(self) -> None:
        """Read the sessions again in a worker; the table keeps what it shows until they arrive."""
        self.read_sessions()

    def on_sessions_read(self, message: SessionsRead) -> None:
        if message.error is not None:
            self.notify(message.error, title="Past sessions not read", severity="error")
            if self.topics is None:  # still offer the topics, without progress
                self.topics = topic_progress([], self.quiz.bank)
            return
        unfinished = [s for s in message.sessions if s.finished_at is None]
        # The session just left comes first: leaving it said "r resumes it"; else the newest.
        latest = next((s for s in unfinished if s.id == self.quiz.last_left), unfinished[0] if unfinished else None)
        self.quiz.latest_unfinished = latest  # the command palette's Resume
        self.quiz.practised = last_practised(message.sessions)  # new questions first in the next session
        self.unfinished = latest
        try:
            self.plan = StudyPlan.from_settings(message.settings)
        except PlanError as exc:  # the schedule still works, on the defaults; the learner is told why
            self.notify(f"{exc}; using the defaults until it is set again (t).", severity="warning")
            self.plan = StudyPlan()
        self.deck = Deck(
            self.quiz.bank, message.reviews, interview=self.plan.interview, new_per_day=self.plan.new_per_day
        )
        self.readiness = {r.topic: r for r in topic_readiness(self.deck, datetime.now(UTC))}
        self.trend = message.trend
        self.topics = topic_progress(message.sessions, self.quiz.bank)

    def watch_topics(self, topics: list[TopicProgress] | None) -> None:
        table = self.query_one("#topics", DataTable)
        kept = table.cursor_row  # refreshed after a session: the cursor stays on the topic just practised
        table.clear()
        due = self.deck.due_by_topic(datetime.now(UTC)) if self.deck is not None else {}
        for row in topics or []:
            right = "-" if not row.predictions else f"{row.predictions_right}/{row.predictions}"
            ready = self.readiness.get(row.topic)
            cells = (str(row.questions), str(due.get(row.topic, 0)), str(row.seen), percent(row.average_score), right)
            table.add_row(row.topic, *cells, ready.statement if ready else "-", key=row.topic)
        if table.row_count:
            table.move_cursor(row=min(kept, table.row_count - 1))
        if table.loading:
            table.loading = False
            table.focus()  # a loading widget cannot take focus, so it gets it now

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted topic's readiness, with the reason: what to work on next."""
        ready = self.readiness.get(str(event.row_key.value))
        hint = self.query_one("#readiness-hint", Static)
        if ready is None:
            hint.update("")
            return
        recall = [day.topic(ready.topic).recall for day in self.trend]
        while recall and recall[0] == 0:  # from the topic's first review on
            recall.pop(0)
        trend = f"  Recall by day: {''.join(spark(r) for r in recall)}" if len(recall) > 1 else ""
        hint.update(f"{ready.topic}: {ready.statement}; {ready.reason}.{trend}")

    def watch_deck(self, deck: Deck | None) -> None:
        if deck is None:
            return
        now = datetime.now(UTC)
        cards, questions = deck.due(now), deck.due_questions(now)
        week = " ".join(f"{day:%a} {n}" for day, n in deck.forecast(now)[1:])
        today = (
            f"Due: {count(len(cards), 'card')} ({count(len(questions), 'question')})." if cards else "Nothing due now."
        )
        left = self.plan.days_left(now.date())
        interview = "" if left is None else f"  Interview in {count(left, 'day')}."
        self.query_one("#due-hint", Static).update(f"{today}  Next: {week}{interview}")

    def watch_unfinished(self, latest: SessionOverview | None) -> None:
        hint = self.query_one("#resume-hint", Static)
        if latest is None:
            hint.update("")
        elif latest.kind == "mock":  # an interview is not paused: it is reviewed
            hint.update(f"Unfinished: '{latest.title}'. Press r for its debrief.")
        else:
            hint.update(
                f"Unfinished: '{latest.title}', question {latest.next_position + 1} of "
                f"{len(latest.question_ids)}. Press r to resume."
            )

    def action_start_topic(self) -> None:
        table = self.query_one("#topics", DataTable)
        if table.row_count == 0:
            return
        topic = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.quiz.start_practice(topic, SESSION_LENGTH)

    def action_start_mixed(self) -> None:
        self.quiz.start_practice(None, SESSION_LENGTH)

    def action_review_due(self) -> None:
        if self.deck is None:
            self.notify("Still reading your sessions; try again in a moment.")
            return
        questions = self.deck.due_questions(datetime.now(UTC))
        if not questions:
            self.notify("Nothing is due: every card is scheduled for later.")
            return
        self.quiz.start_review(questions[:SESSION_LENGTH])

    def action_mock(self) -> None:
        """Choose the length, see what it will probe, and start: the plan comes from the schedule."""
        from quizapp.tui.screens.mock_setup import MockSetupScreen

        if self.deck is None:
            self.notify("Still reading your sessions; try again in a moment.")
            return

        def start(plan: MockPlan | None) -> None:
            if plan is not None:
                self.quiz.start_mock(plan)

        self.app.push_screen(MockSetupScreen(self.deck), start)

    def action_plan(self) -> None:
        """The interview date and new cards a day, saved; the schedule is read again under them."""
        from quizapp.tui.screens.plan import PlanScreen

        def save(plan: StudyPlan | None) -> None:
            if plan is None:
                return
            self.quiz.store.save_settings(plan.settings())
            when = "no interview date" if plan.interview is None else f"interview on {plan.interview:%a %d %b}"
            self.notify(f"Plan saved: {when}, {plan.new_per_day} new cards a day.")
            self.refresh_progress()

        self.app.push_screen(PlanScreen(self.plan), save)

    def action_progress_report(self) -> None:
        """The HTML progress report over every session, as `quizapp report --all` writes it."""
        self.write_report(None, "html")

    def action_sessions(self) -> None:
        self.quiz.open_sessions()

    def action_resume(self) -> None:
        if self.topics is None:
            self.notify("Still reading your sessions; try again in a moment.")
        elif self.unfinished is not None:
            self.quiz.resume_practice(self.unfinished.id)
        else:
            self.notify("No unfinished session.")
