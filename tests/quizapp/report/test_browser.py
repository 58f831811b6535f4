"""The HTML report opened in a real headless Chromium: it renders, charts show, nothing errors.

The `browser` fixture (tests/quizapp/conftest.py) skips without Chromium, or fails under CI.
Set QUIZAPP_SCREENSHOTS=DIR to keep the screenshots for a look.
"""

import base64
import os
import re
from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.practice import Practice
from quizapp.report.export import progress_text, session_text
from quizapp.store import Store
from tests.quizapp.report.sessions import FAST, answer_fully, fast_questions

pytestmark = pytest.mark.browser


def keep(png: bytes, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("QUIZAPP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(png)
    return folder / name


def full_page_png(driver) -> bytes:
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    return base64.b64decode(shot["data"])


def test_the_session_report_renders_with_its_charts_and_no_console_errors(stored, browser, tmp_path):
    store, bank, session_id = stored
    page = tmp_path / "report.html"
    page.write_text(session_text(store, bank, session_id, "html"))
    browser.get(page.as_uri())
    height = browser.execute_script("return document.documentElement.scrollHeight")
    assert height > 4000  # four questions, each with prompt, chart, tables and answers
    charts = browser.execute_script(
        "return [...document.querySelectorAll('figure.chart svg')].map(s => {"
        " const r = s.getBoundingClientRect();"
        " return {w: r.width, h: r.height, lines: s.querySelectorAll('path.line').length}; })"
    )
    assert len(charts) == len(FAST)
    assert all(c["w"] > 500 and c["h"] > 150 and c["lines"] >= 1 for c in charts), charts
    assert browser.find_element("css selector", "h1").text == f"mixed: session {session_id}"
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    png = full_page_png(browser)
    assert png.startswith(b"\x89PNG") and len(png) > 100_000
    keep(png, "session-report.png", tmp_path)


def test_on_a_phone_nothing_overflows_and_printing_gives_a_page_per_question(stored, browser, tmp_path):
    store, bank, session_id = stored
    page = tmp_path / "report.html"
    page.write_text(session_text(store, bank, session_id, "html"))
    browser.set_window_size(390, 844)
    browser.get(page.as_uri())
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    keep(browser.get_screenshot_as_png(), "session-report-phone.png", tmp_path)
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})["data"])
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 1 + len(FAST)  # the print stylesheet starts each question on a page


def test_a_script_in_an_answer_shows_as_text_and_never_runs(browser, tmp_path):
    bank = load_bank()
    with Store(tmp_path / "s.db") as store:
        practice = Practice.start(store, bank, "escape", fast_questions(bank, 1))
        answer_fully(
            practice, "<script>document.title = 'owned'</script> and 10,000 / 100", right=True, confidence=None
        )
        page = tmp_path / "report.html"
        page.write_text(session_text(store, bank, practice.record.id, "html"))
    browser.get(page.as_uri())
    assert browser.title == "escape: session 1"
    answer = browser.find_element("css selector", ".answer").text
    assert answer.startswith("<script>document.title = 'owned'</script>")


def test_the_progress_report_renders_its_trend_charts(stored, browser, tmp_path):
    store, bank, _ = stored
    page = tmp_path / "progress.html"
    page.write_text(progress_text(store, bank, "html"))
    browser.get(page.as_uri())
    charts = browser.execute_script(
        "return [...document.querySelectorAll('figure.chart svg')].map(s => s.getBoundingClientRect().height)"
    )
    assert len(charts) == 2 and all(height > 150 for height in charts)  # one review day: no readiness trend yet
    heat = browser.execute_script(
        "const r = document.querySelector('.heat').getBoundingClientRect();"
        " const c = document.querySelector('.heat .cell.l4').getBoundingClientRect();"
        " return [r.width, r.height, c.width, c.height]"
    )
    assert heat[0] > 150 and heat[1] > 80 and heat[2] > 8 and heat[3] > 8, heat  # the grid and today's shaded cell
    assert "Revisit first" in browser.find_element("css selector", "body").text
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
    keep(full_page_png(browser), "progress-report.png", tmp_path)
