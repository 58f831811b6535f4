"""Warming the simulation stack in the background, once the first screen is drawn.

The first screen never waits for torch. But a first run that imports torch, the simulation
modules and scikit-learn's digits spends a second or two on it before the first curve point;
done here, while the learner reads and answers, that cost is paid before Ctrl+R instead of
after it. Loading torch's libraries holds the GIL for a few tenths of a second in one piece,
so the warm-up waits until the screen has settled (no loading indicator left) and starts after
the next paint.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

#: The worker group, so tests and the benchmark can find (or wait for) the warm-up.
GROUP = "warmup"
#: How long the warm-up waits for loading indicators to go before starting anyway.
PATIENCE_SECONDS = 2.0


def warm_up() -> dict[str, float]:
    """Import and touch what a first simulation run needs; returns the seconds each step took.

    Everything it loads is cached by Python or by `sims.data`, so a later run (or a second
    call) finds it ready. It never trains anything.
    """
    seconds: dict[str, float] = {}
    mark = time.perf_counter()

    def done(step: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        seconds[step] = now - mark
        mark = now

    import torch

    done("torch")
    # What the simulation bodies import when they run (their `simulate` imports lazily).
    from sims import context, data, engine, hardware, problems, runner, stacked, tracker  # noqa: F401
    from sims.datasizes import DIGITS_VAL_FRACTION

    done("simulation modules")
    # One small product on the device runs will use: starts the CPU thread pool or the CUDA context.
    probe = torch.ones(32, 32, device=hardware.resolve(None))
    float((probe @ probe).sum())
    done("device")
    data.digits(DIGITS_VAL_FRACTION)  # imports scikit-learn and caches the bundled digits
    done("digits")
    return seconds


def start_warmup(app: App[Any]) -> None:
    """Run `warm_up` in a thread worker once the screen on top is drawn without loading indicators."""
    deadline = time.monotonic() + PATIENCE_SECONDS

    def start() -> None:
        if not app.is_running or not app.screen_stack:
            return
        app.run_worker(warm_up, name="warm-up", group=GROUP, thread=True, exclusive=True, exit_on_error=False)

    def when_settled() -> None:
        if not app.is_running or not app.screen_stack:
            return  # the app closed before it settled (a short test, or Ctrl+Q at once): nothing to warm
        still_loading = any(widget.loading for widget in app.screen.query("*"))
        if still_loading and time.monotonic() < deadline:
            app.set_timer(0.05, when_settled)
        else:
            app.call_after_refresh(start)  # after the screen as it is now has been painted

    app.call_after_refresh(when_settled)
