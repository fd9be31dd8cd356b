"""The report's charts as SVG: one drawing for the page (inline, no JavaScript,
nothing from a CDN, so the CSP has nothing to allow) and for the PDF.

matplotlib draws them (its object API, no pyplot state, so threads may share the
process). Text stays text (``svg.fonttype = none``): the page and the PDF set
the font, a screen reader and a PDF search find the words, and the SVG is small.
matplotlib is imported on first use so that processes that never draw a chart
(workers, most of the test suite) do not pay for it.

Every word on a chart is translated (eagerly, ``pgettext``) while the chart is
drawn, so each drawing is in the language of the request that asked for it;
nothing is cached between requests.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

from .figures import Answers, FunnelStage, LineMessages

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FONT_FAMILY = ["Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "sans-serif"]
BLUE = "#1f5fa8"
GREY = "#b8c2cc"
ORANGE = "#d9822b"
RED = "#b3261e"
CTX = "reports"
_configured = False


def _new_figure(width: float, height: float) -> Figure:
    global _configured
    import matplotlib

    if not _configured:
        matplotlib.use("Agg")  # no display; SVG only
        matplotlib.rcParams.update(
            {
                "svg.fonttype": "none",
                "font.family": "sans-serif",
                "font.sans-serif": FONT_FAMILY,
                "font.size": 10,
                "axes.spines.top": False,
                "axes.spines.right": False,
            }
        )
        _configured = True
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(figure: Figure, name: str, label: str) -> SafeString:
    """The figure as an inline ``<svg>`` element with an accessible name. Its
    ids (matplotlib's ``patch_1``, clip paths …) get the chart's ``name`` as a
    prefix, so several charts in one page or PDF never share an id."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE inside HTML
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{name}-\1"', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(svg)  # noqa: S308 - matplotlib's output; the label is escaped


def daily_checks(answers: Answers) -> SafeString:
    """Checks sent and answered each day of the month (bars)."""
    figure = _new_figure(7.5, 2.6)
    ax = figure.add_subplot()
    days = [d.day.day for d in answers.by_day]
    ax.bar(days, [d.sent for d in answers.by_day], color=GREY, label=pgettext(CTX, "Sent"))
    answered = pgettext(CTX, "Answered")
    ax.bar(days, [d.answered for d in answers.by_day], color=BLUE, width=0.5, label=answered)
    ax.set_xlabel(pgettext(CTX, "Day"))
    ax.set_ylabel(pgettext(CTX, "Checks"))
    ax.set_xticks([d for d in days if d == 1 or d % 5 == 0])
    ax.set_xlim(0.4, len(days) + 0.6)
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    return _svg(figure, "daily", pgettext(CTX, "Checks sent and answered, by day"))


def funnel(stages: list[FunnelStage]) -> SafeString:
    """Escalations by step: horizontal bars from the sent checks down."""
    figure = _new_figure(7.5, 0.45 * max(len(stages), 2) + 0.8)
    ax = figure.add_subplot()
    labels = [stage.label for stage in stages]
    counts = [stage.count for stage in stages]
    total = counts[0] if counts else 0
    positions = list(range(len(stages)))[::-1]
    colors = [GREY] + [ORANGE] * (len(stages) - 1)
    ax.barh(positions, counts, color=colors, height=0.6)
    ax.set_ylim(-0.6, max(len(stages), 2) - 0.4)
    ax.set_yticks(positions, labels)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.set_xticks([])
    peak = max(counts, default=0) or 1
    ax.set_xlim(0, peak * 1.3)
    for y, count in zip(positions, counts, strict=True):
        text = f"{count:,}"
        if total:
            share = {"count": text, "share": f"{count / total:.1%}"}
            text = pgettext(CTX, "%(count)s (%(share)s)") % share
        ax.text(count + peak * 0.01, y, text, va="center")
    return _svg(figure, "funnel", pgettext(CTX, "Escalations by step"))


def line_messages(line: LineMessages) -> SafeString:
    """Paid pushes (and the month-end forecast) against the plan; free replies apart."""
    figure = _new_figure(7.5, 1.8)
    ax = figure.add_subplot()
    ax.barh([1], [line.paid], color=BLUE, label=pgettext(CTX, "Paid (push)"))
    if line.forecast is not None and line.forecast > line.paid:
        ax.barh(
            [1],
            [line.forecast - line.paid],
            left=[line.paid],
            color=BLUE,
            alpha=0.3,
            hatch="//",
            label=pgettext(CTX, "Forecast to month end"),
        )
    ax.barh([0], [line.free], color=GREY, label=pgettext(CTX, "Free (reply)"))
    ax.set_yticks([1, 0], [pgettext(CTX, "Paid"), pgettext(CTX, "Free")])
    right = max(line.paid, line.forecast or 0, line.free, line.limit or 0, 1)
    if line.limit:
        ax.axvline(line.limit, color=RED, linewidth=1.5)
        limit = pgettext(CTX, "Plan limit %(limit)s") % {"limit": f"{line.limit:,}"}
        ax.text(line.limit, 1.45, limit, color=RED, ha="right", va="bottom")
    ax.set_xlim(0, right * 1.1)
    ax.set_ylim(-0.6, 1.9)
    ax.set_xlabel(pgettext(CTX, "Messages"))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), frameon=False)
    return _svg(figure, "line", pgettext(CTX, "LINE messages and the plan's limit"))


def all_charts(report: Any) -> dict[str, SafeString]:
    """Every chart of a ``MonthlyReport``, by the name the templates use."""
    return {
        "daily": daily_checks(report.answers),
        "funnel": funnel(report.funnel),
        "line": line_messages(report.line),
    }
