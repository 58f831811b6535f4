"""`quizapp serve`: the same app in a web browser, through textual-serve.

textual-serve runs a command per browser tab (here `python -m quizapp` with the same --db and
--questions) and relays its screen to xterm.js in the page, so the browser gets exactly the
app the terminal gets; only downloads differ (see ExportingScreen). The bank and the database
are checked here first, so a bad path is said in the shell rather than in a blank page.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import shlex
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual_serve.server import Server

if TYPE_CHECKING:
    from aiohttp import web


class QuizServer(Server):
    """textual-serve's Server, announced in one plain line, that stops at once with tabs open.

    aiohttp waits up to a minute for open connections on shutdown, and a tab's websocket stays
    open for as long as the tab does; so each tab's handler is cancelled at shutdown, which
    makes textual-serve tell that tab's app to quit and wait for it.
    """

    def __init__(self, command: str, **options: Any) -> None:
        super().__init__(command, **options)
        self.tabs: set[asyncio.Task[Any]] = set()

    def initialize_logging(self) -> None:
        super().initialize_logging()
        # One four-line entry per static file buries the URL and the errors that matter.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        logging.getLogger("asyncio").addFilter(_drop_late_exit_notice)

    async def on_startup(self, app: web.Application) -> None:
        # aiohttp binds the port right after this; serve() has just checked that it is free.
        print(f"quizapp is served at {self.public_url} (Ctrl+C stops it)", flush=True)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        assert task is not None
        self.tabs.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self.tabs.discard(task)

    async def on_shutdown(self, app: web.Application) -> None:
        tabs = list(self.tabs)
        for task in tabs:
            task.cancel()
        await asyncio.gather(*tabs, return_exceptions=True)


def _drop_late_exit_notice(record: logging.LogRecord) -> bool:
    """Drop asyncio's "Loop ... that handles pid N is closed" after Ctrl+C with tabs open.

    textual-serve waits for each tab's app to close its output, not for the process to end, so
    the process may be reaped (it is: the warning comes after waitpid returned) just after the
    event loop has closed. Nothing is lost; the warning would only alarm.
    """
    return not (isinstance(record.msg, str) and record.msg.startswith("Loop %r that handles pid"))


def _quiet_closed_loop_transports() -> None:
    """Drop "Event loop is closed" raised when a tab's finished subprocess transport is collected late.

    The same race as above: a tab's app has quit and closed its output, but its transport's pipes
    are garbage-collected only after the loop has closed, and closing them then raises inside
    `__del__`, which Python prints as an ignored exception. Anything else still goes through.
    """
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        late = isinstance(unraisable.exc_value, RuntimeError) and str(unraisable.exc_value) == "Event loop is closed"
        if late and "SubprocessTransport" in repr(unraisable.object):
            return
        previous(unraisable)

    sys.unraisablehook = hook


def app_command(db: Path | None, bank: Path | None) -> str:
    """The shell command textual-serve runs for each browser tab: this interpreter, this app."""
    args = [sys.executable, "-m", "quizapp"]
    if db is not None:
        args += ["--db", str(db)]
    if bank is not None:
        args += ["--questions", str(bank)]
    return shlex.join(args)


def url_for(host: str, port: int) -> str:
    """The address to open; IPv6 hosts go in brackets."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`; anything else earns a warning."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may well reach beyond this machine
        return False


def serve(host: str, port: int, db: Path | None, bank: Path | None) -> int:
    """Serve the app until Ctrl+C (or SIGTERM); bad banks, databases and busy ports are messages."""
    from quizapp.bank import BankError, load_bank
    from quizapp.store import Store, StoreError

    try:
        load_bank(bank)
        with Store(db) as store:  # creates the file now, so every tab shares one database
            db_path = store.path.resolve()
    except (BankError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(host):
        print(
            f"warning: serving on {host}: anyone who can reach this port can use the app, "
            "run simulations and write reports on this machine",
            file=sys.stderr,
        )
    command = app_command(db_path, bank.resolve() if bank is not None else None)
    server = QuizServer(command, host=host, port=port, title="quizapp", public_url=url_for(host, port))
    _quiet_closed_loop_transports()
    try:
        # A taken port is found before textual-serve starts, which would announce the URL first.
        socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET).close()
        server.serve()
    except OSError as exc:  # most often: the port is taken
        print(f"error: cannot serve on {url_for(host, port)}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
