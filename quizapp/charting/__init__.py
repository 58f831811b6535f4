"""Charts of a question's run, shared by the terminal app and the study reports.

`choose` decides from the question alone what to plot (which metric, along which axis, on which
scale); `chart_for` draws that from a finished run and `LiveChart` from the points streamed
while it trains. A `Chart` is plain data: no torch, Textual or pygal is imported here.
"""

from quizapp.charting.build import chart_for, draw, median_line
from quizapp.charting.choice import Choice, choose
from quizapp.charting.figure import PALETTE, Chart, Line, Tick, make_chart, number
from quizapp.charting.live import LiveChart

__all__ = [
    "PALETTE",
    "Chart",
    "Choice",
    "Line",
    "LiveChart",
    "Tick",
    "chart_for",
    "choose",
    "draw",
    "make_chart",
    "median_line",
    "number",
]
