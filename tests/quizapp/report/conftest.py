import pytest

from tests.quizapp.report.sessions import mixed_session


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A finished four-question session with real runs (one with diverged rates), right and wrong predictions."""
    store, bank, session_id = mixed_session(tmp_path_factory.mktemp("db") / "s.db")
    yield store, bank, session_id
    store.close()
