"""The overview board (概況): today's checks, open escalations and who needs a
call now, refreshing itself with htmx.

The page works without JavaScript (it is complete, and a ``<noscript>``
refresh reloads it); with it, htmx asks the same URL every 30 seconds and gets
only the board (``request.htmx``), which replaces the old one in place.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from anpi.engine.clock import get_clock
from anpi.tenants.access import StaffRequest, staff_view
from anpi.tenants.audit import audited, note

from ..overview import overview as board_figures

# How often the board asks for fresh figures (htmx polling), in seconds.
REFRESH_SECONDS = 30


@staff_view
@audited("overview.view")
def overview(request: StaffRequest) -> HttpResponse:
    """The whole page, or only the board for htmx's polling (``HX-Request``).
    The names of the people to call are personal data: each look is audited."""
    board = board_figures(request.tenant, get_clock().now())
    note(request, person_ids=sorted({task.person_id for task in board.calls}))
    context = {"board": board, "nav": "overview", "refresh_seconds": REFRESH_SECONDS}
    if getattr(request, "htmx", False):
        response = render(request, "dashboard/_overview_board.html", context)
    else:
        response = render(request, "dashboard/overview.html", context)
    # One URL, two bodies: caches must key on the header.
    patch_vary_headers(response, ("HX-Request",))
    return response
