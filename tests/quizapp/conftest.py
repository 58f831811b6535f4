"""Headless Chromium for the tests that need a real browser (HTML reports, `quizapp serve`).

Needs Debian's `chromium` and `chromium-driver` (CI installs them). Without them a test that
asks for `browser` is skipped, unless QUIZAPP_REQUIRE_BROWSER=1 (set by CI), where a missing
browser is a failure.
"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
# Chromium on a machine with no network: no background fetches, no first-run work.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-popup-blocker",  # textual-serve opens each download in a new tab, from a websocket message
)


@pytest.fixture
def downloads(tmp_path):
    """The folder the `browser` fixture's Chromium saves downloads in, without asking."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(tmp_path, downloads):
    if not (CHROMIUM and DRIVER):
        message = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("QUIZAPP_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1000,900"):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()
