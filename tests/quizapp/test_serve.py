"""`quizapp serve` as a user meets it: a real server process, the app in headless Chromium.

The page draws the terminal on a canvas (xterm.js), so its text is read from xterm's own
screen buffer. textual-serve keeps its Terminal inside a closure; a script installed before
the page loads catches it when xterm's fit addon stores it (`this._terminal = terminal`).
"""

import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from quizapp.store import Store

pytestmark = pytest.mark.browser

# Runs before textual.js: the first object given a `_terminal` with an xterm buffer is kept.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "_terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "_terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && !window.__quizTerminal) window.__quizTerminal = value;
  },
});
"""
SCREEN_TEXT = """
const t = window.__quizTerminal;
if (!t) return null;
const buffer = t.buffer.active, rows = [];
for (let y = 0; y < t.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  rows.push(line ? line.translateToString(true) : "");
}
return rows.join("\\n");
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from /proc (the app that textual-serve starts per tab)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float, what: str):
    """Poll `condition` until it returns something truthy; fail saying `what` was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


class Served:
    """`quizapp serve` in a subprocess, its output collected by a thread so the pipe never fills."""

    def __init__(self, db: Path, reports: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "QUIZAPP_REPORTS": str(reports), "SIMS_DEVICE": "cpu"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "quizapp", "serve", "--port", str(self.port), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_line(self, fragment: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if fragment in line:
                return line
        pytest.fail(f"no {fragment!r} from quizapp serve; it said: {''.join(self.output)!r}")

    def rest_of_output(self) -> str:
        """Everything it printed, once it has exited."""
        self.reader.join(timeout=5)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return "".join(self.output)

    def kill_leftovers(self) -> None:
        """Teardown for a failed test: end whatever is left of the session this test started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path / "sessions.db", tmp_path / "reports")
    yield server
    server.kill_leftovers()


def screen(browser) -> str:
    return browser.execute_script(SCREEN_TEXT) or ""


def showing(browser, fragment: str) -> str:
    """The screen's text when it shows `fragment`, else "" (for wait_for)."""
    text = screen(browser)
    return text if fragment in text else ""


def press(browser, keys: str) -> None:
    """Key presses into xterm's input (a hidden textarea, focused as a click on the terminal would)."""
    browser.execute_script("document.querySelector('.xterm-helper-textarea').focus()")
    ActionChains(browser).send_keys(keys).perform()


def test_serve_opens_the_app_in_a_browser_exports_as_a_download_and_stops_clean(served, browser, downloads, tmp_path):
    started = time.monotonic()
    line = served.wait_for_line("quizapp is served at", timeout=20)
    url = f"http://127.0.0.1:{served.port}"
    assert url in line

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
    browser.get(url)
    wait_for(lambda: showing(browser, "i: mock interview"), 20, "the home screen in the page")
    wait_for(lambda: showing(browser, "batch-size"), 10, "the topics table to fill in")
    app = wait_for(lambda: descendants(served.process.pid), 5, "the app process under the server")
    assert any(b"quizapp\0--db" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in app)

    # p writes the progress report: saved under QUIZAPP_REPORTS and downloaded by the browser.
    press(browser, "p")
    saved = tmp_path / "reports" / "quizapp-progress.html"
    downloaded = downloads / "quizapp-progress.html"
    wait_for(lambda: downloaded.exists() and downloaded.stat().st_size > 0, 15, "the report's download")
    wait_for(lambda: showing(browser, "Downloading quizapp-progress.html"), 5, "the notification")
    assert downloaded.read_bytes() == saved.read_bytes()
    assert b"<html" in downloaded.read_bytes()[:500]

    # Enter starts a session on the highlighted topic: the question screen replaces the home screen.
    press(browser, Keys.ENTER)
    text = wait_for(lambda: showing(browser, "Predict:"), 20, "the question screen")
    assert "1/5 · " in text and "i: mock interview" not in text
    with Store(tmp_path / "sessions.db") as store:
        assert len(store.unfinished()) == 1  # the page's app writes to the --db given to serve

    # Ctrl+C with the tab still open: the server and the tab's app both end, quietly.
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=15) == 0
    wait_for(lambda: not any(alive(pid) for pid in app), 10, "the app process to end")
    output = served.rest_of_output()
    assert "Traceback" not in output and "ERROR" not in output and "WARNING" not in output, output
    assert time.monotonic() - started < 30


def test_a_late_subprocess_transport_error_is_dropped_and_others_still_print(monkeypatch, capsys):
    import gc

    from quizapp import serve as serving

    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    serving._quiet_closed_loop_transports()

    class LateSubprocessTransport:
        def __del__(self):
            raise RuntimeError("Event loop is closed")

    class Unrelated:
        def __del__(self):
            raise RuntimeError("Event loop is closed")

    LateSubprocessTransport()
    gc.collect()
    assert "Event loop is closed" not in capsys.readouterr().err
    Unrelated()
    gc.collect()
    assert "Unrelated.__del__" in capsys.readouterr().err
