"""Files browsers ask for by a fixed path, outside ``STATIC_URL``."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_safe

FAVICON = Path(__file__).resolve().parent.parent / "static" / "anpi" / "favicon.ico"


@require_safe
def favicon(request: HttpRequest) -> FileResponse:
    """``/favicon.ico``: every browser asks for it, so answer instead of logging a 404."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
