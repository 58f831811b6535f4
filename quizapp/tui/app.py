"""The Textual app: it only routes between screens; the work lives in quizapp.practice."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from quizapp.bank import Bank
from quizapp.grading import PredictionValue
from quizapp.mock import MockClock, MockPlan
from quizapp.models import Question
from quizapp.practice import Practice, pick_questions
from quizapp.store import SessionOverview, Store
from quizapp.tui.screens.base import QuizScreen
from quizapp.tui.screens.exporting import ExportingScreen
from quizapp.tui.screens.home import HomeScreen

if TYPE_CHECKING:
    from quizapp.tui.mock_runs import MockRuns


class QuizApp(App[None]):
    TITLE = "quizapp"
    SUB_TITLE = "predict, then watch a real model train"
    CSS_PATH = "app.tcss"
    BINDINGS = [Binding("ctrl+t", "toggle_dark", "Light/dark", show=False)]

    def __init__(
        self, bank: Bank, store: Store, topic: str | None = None, count: int = 5, mock: MockPlan | None = None
    ) -> None:
        super().__init__()
        self.bank = bank
        self.store = store
        self.start_topic = topic
        self.start_count = count
        self.start_mock_plan = mock
        self._mock_runs: MockRuns | None = None

    def on_mount(self) -> None:
        from quizapp.tui.warmup import start_warmup

        # The newest unfinished session, for the palette's Resume; the home screen's reader keeps it current.
        self.latest_unfinished: SessionOverview | None = None
        self.last_left: int | None = None  # the session the learner last stepped out of
        self.practised: dict[str, str] = {}  # question id -> last finished, kept current by the home screen
        self.push_screen(HomeScreen())
        if self.start_topic is not None:
            self.start_practice(self.start_topic, self.start_count)
        elif self.start_mock_plan is not None:
            self.start_mock(self.start_mock_plan)
        start_warmup(self)  # torch and the simulations' imports, in the background once the screen is drawn

    def start_practice(self, topic: str | None, count: int) -> None:
        self.go_home()
        questions = pick_questions(self.bank, topic, count, practised=self.practised)
        title = topic or "mixed"
        self._open(Practice.start(self.store, self.bank, title, questions))

    def start_review(self, question_ids: list[str]) -> None:
        """A session of the questions the schedule has due, most overdue first."""
        self.go_home()
        self._open(Practice.start(self.store, self.bank, "review", [self.bank.get(q) for q in question_ids]))

    def resume_practice(self, session_id: int) -> None:
        self.go_home()
        practice = Practice.resume(self.store, self.bank, session_id)
        if practice.record.kind == "mock":  # an interview cannot be paused: coming back opens its debrief
            self.end_mock(practice, push=True)
            return
        self._open(practice)

    # -- mock interviews ------------------------------------------------------------------------------
    def start_mock(self, plan: MockPlan) -> None:
        from quizapp.tui.screens.mock import MockScreen

        self.go_home()
        questions = [self.bank.get(q) for q in plan.question_ids]
        title = f"mock interview, {plan.minutes} min"
        practice = Practice.start(self.store, self.bank, title, questions, kind="mock", minutes=plan.minutes)
        self.push_screen(MockScreen(practice, MockClock(plan)))

    def next_mock_question(self, practice: Practice, clock: MockClock) -> None:
        from quizapp.tui.screens.mock import MockScreen

        self.switch_screen(MockScreen(practice, clock))

    def end_mock(self, practice: Practice, push: bool = False) -> None:
        from quizapp.tui.screens.debrief import DebriefScreen

        if practice.record.finished_at is None:
            practice.end()
        screen = DebriefScreen(practice)
        self.push_screen(screen) if push else self.switch_screen(screen)

    def open_mock_grading(self, practice: Practice) -> None:
        from quizapp.tui.screens.grading import GradingScreen

        self.push_screen(GradingScreen(practice))

    def close_mock_grading(self) -> None:
        self.pop_screen()

    @property
    def mock_runs(self) -> MockRuns:
        if self._mock_runs is None:
            from quizapp.tui.mock_runs import MockRuns

            self._mock_runs = MockRuns(self, self.store.path)
        return self._mock_runs

    def queue_mock_run(self, attempt_id: int, question: Question, given: PredictionValue) -> None:
        self.mock_runs.add(attempt_id, question, given)

    # The app is the only router: screens ask it to move on and never import one another. The
    # screens past home are imported when first opened; together they add about 0.1 s (the chart
    # library, the simulation contract) that the first screen should not wait for.
    def _open(self, practice: Practice) -> None:
        from quizapp.tui.screens.question import QuestionScreen

        self.push_screen(QuestionScreen(practice))

    def open_grading(self, practice: Practice) -> None:
        from quizapp.tui.screens.grading import GradingScreen

        self.switch_screen(GradingScreen(practice))

    def advance(self, practice: Practice) -> None:
        """After grading: the session's next question, or its summary when there is none."""
        from quizapp.tui.screens.question import QuestionScreen
        from quizapp.tui.screens.summary import SummaryScreen

        self.switch_screen(SummaryScreen(practice) if practice.finished else QuestionScreen(practice))

    def open_summary(self, practice: Practice) -> None:
        from quizapp.tui.screens.summary import SummaryScreen

        if practice.record.kind == "mock":
            self.end_mock(practice, push=True)
            return
        self.push_screen(SummaryScreen(practice))

    def go_home(self, note: str | None = None) -> None:
        """Back to the topics from anywhere. A session left on the way is saved and stays resumable,
        and the learner is told so: no command (palette included) drops a session silently."""
        screens = [screen for screen in self.screen_stack if isinstance(screen, QuizScreen)]
        left = next((s.open_session() for s in reversed(screens) if s.open_session() is not None), None)
        if left is not None:
            self.last_left = left  # what `r` on the home screen resumes, as the message below promises
        told = [screen.leave() for screen in screens]
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen):
            self.push_screen(HomeScreen())
        said = note or next((text for text in told if text), None)
        if said:
            self.notify(said, title="Session saved", timeout=6)

    async def action_quit(self) -> None:
        """Quit, saving what the open screens hold first (an answer typed in the last second, say)."""
        for screen in self.screen_stack:
            if isinstance(screen, QuizScreen):
                screen.leave()
        if self._mock_runs is not None:
            self._mock_runs.cancel()  # the run in progress stops; the debrief queues it again next time
        await super().action_quit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The main actions in the command palette (Ctrl+P), beside Textual's own."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Mixed set", "Five questions from every topic", partial(self.start_practice, None, 5))
        for topic, questions in sorted(self.bank.by_topic().items()):
            yield SystemCommand(
                f"Practise {topic}", f"{len(questions)} questions on {topic}", partial(self.start_practice, topic, 5)
            )
        yield SystemCommand("Past sessions", "Browse and reopen earlier sessions", self.open_sessions)
        yield SystemCommand("Mock interview", "Timed questions with follow-ups; i on the home screen", self.ask_mock)
        if isinstance(screen, ExportingScreen):
            yield SystemCommand(
                "Progress report",
                "Write the HTML report over every session",
                partial(screen.write_report, None, "html"),
            )
        latest = self.latest_unfinished  # read in the home screen's worker: no database read here
        if latest is not None:
            yield SystemCommand(
                f"Resume '{latest.title}'", "Continue the unfinished session", partial(self.resume_practice, latest.id)
            )

    def ask_mock(self) -> None:
        """From the palette: home, whose `i` knows the schedule the plan is made from."""
        self.go_home()
        home = self.screen
        if isinstance(home, HomeScreen):
            home.action_mock()

    def open_sessions(self) -> None:
        from quizapp.tui.screens.sessions import SessionsScreen

        self.push_screen(SessionsScreen())

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"


def run(
    bank_path: Path | None, db_path: Path | None, topic: str | None, count: int, mock_minutes: int | None = None
) -> int:
    """Open the app; bad banks and databases are reported as messages, not tracebacks."""
    import sys

    from quizapp.bank import BankError, load_bank
    from quizapp.store import StoreError

    try:
        bank = load_bank(bank_path)
        store = Store(db_path)
    except (BankError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if topic is not None and topic not in bank.by_topic():
        print(f"error: unknown topic {topic!r}; topics: {', '.join(sorted(bank.by_topic()))}", file=sys.stderr)
        return 2
    plan = None
    if mock_minutes is not None:  # planned before the first screen, from the schedule as it stands
        from datetime import UTC, datetime

        from quizapp.mock import plan_mock
        from quizapp.schedule.deck import Deck
        from quizapp.schedule.plan import StudyPlan

        try:
            study = StudyPlan.from_settings(store.settings())
            deck = Deck(bank, store.reviews(), interview=study.interview, new_per_day=study.new_per_day)
            plan = plan_mock(deck, datetime.now(UTC), mock_minutes)
        except (StoreError, ValueError) as exc:  # PlanError is a ValueError
            store.close()
            print(f"error: {exc}", file=sys.stderr)
            return 2
    with store:
        QuizApp(bank, store, topic, count, mock=plan).run()
    return 0
