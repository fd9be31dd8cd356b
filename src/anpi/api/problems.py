"""Problem details (RFC 9457, ``application/problem+json``) for every API error.

Every error the API answers has the same body::

    {"type": "urn:anpi:problem:validation", "title": "Invalid input", "status": 422,
     "detail": "…", "errors": [{"field": "body.check_time", "message": "…"}]}

``type`` is one of the ``urn:anpi:problem:*`` names below (docs/api.md lists
them) or ``about:blank`` when the HTTP status says it all. ``errors`` is an
extension member: one entry per field that failed, empty otherwise.

``install`` registers the handlers on a ``NinjaAPI``: bad input is a 4xx
(400 unparsable body, 422 invalid fields), an unknown or revoked token 401,
another tenant's object or an unknown id 404. A bug still answers a problem
(500), logged with its traceback; the schemathesis test holds that none occurs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

VALIDATION = "urn:anpi:problem:validation"
UNPARSABLE = "urn:anpi:problem:unparsable-body"
UNAUTHENTICATED = "urn:anpi:problem:unauthenticated"
NOT_FOUND = "urn:anpi:problem:not-found"
CONFLICT = "urn:anpi:problem:conflict"
SERVER_ERROR = "urn:anpi:problem:server-error"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}


class ProblemError(Schema):
    """One field that failed: where (``body.schedule.check_time``) and why."""

    field: str
    message: str


class Problem(Schema):
    """An RFC 9457 problem details object."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError]


class Problematic(Exception):
    """Raise from an endpoint to answer a problem with a chosen type."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str = "about:blank",
        errors: Iterable[Mapping[str, str]] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type
        self.errors = [dict(e) for e in errors]


def problem_response(
    status: int,
    detail: str,
    *,
    type: str = "about:blank",
    errors: Iterable[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": type,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": [{"field": e["field"], "message": e["message"]} for e in errors],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field(loc: Iterable[Any]) -> str:
    """``body.schedule.check_time``, ``query.page``: ninja's location less the
    name of the endpoint's body parameter (``("body", "body", "outcome")``)."""
    parts = [str(part) for part in loc]
    if parts[:2] == ["body", "body"]:
        del parts[1]
    return ".".join(parts)


def ninja_errors(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """pydantic's error list (``loc``, ``msg``) as problem ``errors``."""
    return [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in errors]


def form_errors(form: Any, prefix: str = "body") -> list[dict[str, str]]:
    """A Django form's errors as problem ``errors`` (``__all__`` for the form's own)."""
    return [
        {"field": f"{prefix}.{name}", "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` with problem details.

    (The handlers take ``exc: Any``: ninja types a handler's argument as the
    exception *or its class*.)"""

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            422,
            "The request has invalid fields; see errors.",
            type=VALIDATION,
            errors=ninja_errors(exc.errors),
        )

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(
            401,
            "Send a live API token: Authorization: Bearer anpi_…",
            type=UNAUTHENTICATED,
            headers={"WWW-Authenticate": 'Bearer realm="anpi"'},
        )

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        kind = UNPARSABLE if exc.status_code == 400 else "about:blank"
        return problem_response(exc.status_code, str(exc), type=kind)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(404, "No such object in this tenant.", type=NOT_FOUND)

    def on_problem(request: HttpRequest, exc: Any) -> HttpResponse:
        return problem_response(exc.status, exc.detail, type=exc.type, errors=exc.errors)

    def on_bug(request: HttpRequest, exc: Any) -> HttpResponse:
        log.error("API error on %s %s", request.method, request.path, exc_info=exc)
        return problem_response(500, "Something went wrong on our side.", type=SERVER_ERROR)

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(Problematic, on_problem)
    api.add_exception_handler(Exception, on_bug)
