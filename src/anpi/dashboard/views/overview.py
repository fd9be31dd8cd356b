"""The overview board (概況): today's checks, open escalations and who needs a
call now, refreshing itself with htmx.

The page works without JavaScript (it is complete, and a ``<noscript>``
refresh reloads it); with it, htmx asks the same URL every 30 seconds and gets
only the board (``request.htmx``), which replaces the old one in place.

Audit: every page load writes an ``overview.view`` row naming the people
shown. A refresh writes one only when it shows someone this session's last row
did not name, or that row is an hour old: an open board would otherwise write
2,880 rows a day that say nothing new, and bury the looks that matter.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from anpi.engine.clock import get_clock
from anpi.tenants.access import StaffRequest, staff_view
from anpi.tenants.audit import audited, note

from ..overview import overview as board_figures

# How often the board asks for fresh figures (htmx polling), in seconds.
REFRESH_SECONDS = 30
# A refresh showing nobody new is audited again after this long.
REFRESH_AUDIT_EVERY = timedelta(hours=1)
# Session key: the people and time (epoch seconds) of the last audited look.
LAST_AUDITED = "overview_audited"


def _audit_look(request: StaffRequest, person_ids: list[int], refresh: bool) -> None:
    """Name the people shown in this request's audit row, or skip the row for
    a refresh that shows nobody the session's last row left out (module docstring).
    The audit row's own time is the wall clock (``tenants.audit``), so is this."""
    now = timezone.now().timestamp()
    last = request.session.get(LAST_AUDITED) or {}
    if (
        refresh
        and set(person_ids) <= set(last.get("ids", ()))
        and now - float(last.get("at", 0)) < REFRESH_AUDIT_EVERY.total_seconds()
    ):
        note(request, skip=True)
        return
    note(request, person_ids=person_ids)
    request.session[LAST_AUDITED] = {"ids": person_ids, "at": now}


@staff_view
@audited("overview.view")
def overview(request: StaffRequest) -> HttpResponse:
    """The whole page, or only the board for htmx's polling (``HX-Request``).
    The names of the people to call are personal data: looks are audited
    (module docstring)."""
    board = board_figures(request.tenant, get_clock().now())
    refresh = bool(getattr(request, "htmx", False))
    _audit_look(request, sorted({task.person_id for task in board.calls}), refresh)
    context = {"board": board, "nav": "overview", "refresh_seconds": REFRESH_SECONDS}
    if refresh:
        response = render(request, "dashboard/_overview_board.html", context)
    else:
        response = render(request, "dashboard/overview.html", context)
    # One URL, two bodies: caches must key on the header.
    patch_vary_headers(response, ("HX-Request",))
    return response
