"""Reading the control API's input: bad input is a 400 (or 404 for an unknown id) with
a JSON ``{"message": …}``, never a 500 or a traceback.

Every control route reads its body with :func:`read_json` and each field with one of
the typed readers below (:func:`opt_str`, :func:`req_str`, :func:`opt_int`,
:func:`opt_number`, :func:`opt_bool`, :func:`str_list`, :func:`int_map`), which raise
:class:`ControlError` naming the field. :func:`control_errors` turns that into JSON;
it also answers aiohttp's own errors under ``/_sim/`` (unknown route, wrong method,
body too large) in JSON, and, as a last resort, a bug in a control route becomes a
JSON 500 whose traceback goes to the log rather than to the caller.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from aiohttp import web
from yarl import URL

log = logging.getLogger(__name__)

#: Lengths far above anything LINE allows, but small enough to keep the state sane.
MAX_ID = 200
MAX_NAME = 1000
MAX_URL = 4000
MAX_TEXT = 10_000
MAX_ITEMS = 1000
MAX_COUNT = 10**12


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; ``{}`` without a body."""
    if not request.can_read_body:
        return {}
    try:
        raw = await request.text()
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, too deeply nested
        raise ControlError(400, "the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", str: "a string"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )


def opt_str(data: dict[str, Any], key: str, max_len: int = MAX_NAME) -> str | None:
    """``data[key]`` as a string, or ``None`` when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"{key} must be a string, not {_type_name(value)}")
    if len(value) > max_len:
        raise ControlError(400, f"{key} must be at most {max_len} characters")
    return value


def opt_url(data: dict[str, Any], key: str) -> str | None:
    """``data[key]`` as an http(s) URL with a host; ``""`` (none) is allowed."""
    value = opt_str(data, key, MAX_URL)
    if not value:
        return value
    try:
        url = URL(value)
        valid = url.scheme in ("http", "https") and bool(url.host)
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise ControlError(400, f"{key} must be an http or https URL")
    return value


def req_str(data: dict[str, Any], key: str, max_len: int = MAX_NAME) -> str:
    """``data[key]`` as a non-empty string."""
    value = opt_str(data, key, max_len)
    if not value:
        raise ControlError(400, f"{key} is required")
    return value


def opt_int(data: dict[str, Any], key: str, low: int = 0, high: int = MAX_COUNT) -> int | None:
    """``data[key]`` as a whole number in ``[low, high]``, or ``None``."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"{key} must be a whole number, not {_type_name(value)}")
    if not low <= value <= high:
        raise ControlError(400, f"{key} must be between {low} and {high}")
    return value


def opt_number(data: dict[str, Any], key: str, low: float, high: float) -> float | None:
    """``data[key]`` as a finite number in ``[low, high]``, or ``None``."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, f"{key} must be a number, not {_type_name(value)}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ControlError(400, f"{key} must be between {low} and {high}")
    return float(value)


def opt_bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ControlError(400, f"{key} must be true or false, not {_type_name(value)}")
    return value


def str_list(
    data: dict[str, Any], key: str, max_items: int = MAX_ITEMS, max_len: int = MAX_ID
) -> list[str]:
    """``data[key]`` as a list of strings (``[]`` when absent or null)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ControlError(400, f"{key} must be an array of strings, not {_type_name(value)}")
    if len(value) > max_items:
        raise ControlError(400, f"{key} must have at most {max_items} items")
    for item in value:
        if not isinstance(item, str) or not item or len(item) > max_len:
            raise ControlError(400, f"{key} must be an array of non-empty strings")
    return value


def int_map(data: dict[str, Any], key: str, high: int = MAX_COUNT) -> dict[str, int] | None:
    """``data[key]`` as an object of whole numbers in ``[0, high]``, or ``None``."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ControlError(400, f"{key} must be an object, not {_type_name(value)}")
    result: dict[str, int] = {}
    for name in value:
        if len(name) > MAX_ID:
            raise ControlError(400, f"{key} has a name longer than {MAX_ID} characters")
        number = opt_int(value, name, 0, high)
        if number is None:
            raise ControlError(400, f"{key}.{name} must be a whole number")
        result[name] = number
    return result


def query_offset(request: web.Request) -> int:
    """The ``offset`` query parameter of the inspection routes (0 when absent)."""
    raw = request.query.get("offset", "") or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
        raise ControlError(400, "offset must be a whole number of at least 0")
    return int(raw)


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ControlError as exc:
        return web.json_response({"message": exc.message}, status=exc.status)
    except web.HTTPException as exc:
        if not request.path.startswith("/_sim/") or exc.status < 400:
            raise
        return web.json_response(
            {"message": exc.reason or "error"}, status=exc.status, headers=_allow(exc)
        )
    except Exception:
        if not request.path.startswith("/_sim/"):
            raise
        log.exception("control route %s %s failed", request.method, request.path)
        return web.json_response({"message": "internal error in the simulator"}, status=500)


def _allow(exc: web.HTTPException) -> dict[str, str]:
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else {}
