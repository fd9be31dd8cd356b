"""The audit log: an append-only record of every change and every look at personal data.

Two ways in, one table (``AuditEntry``):

- ``record`` — called by an action inside its transaction, so the row exists
  iff the change committed (``team.create``, ``staff.disable`` …);
- ``audited`` — a view decorator, the one place where staff *looks* (and the
  staff changes whose actions write no audit row themselves) are recorded:
  after the view answered with a status below 400 it appends one row naming
  the user, the client address, the action, the object of the URL and what the
  view reported with ``note`` (for a list: the ids it showed and the query).

Every row written while a request is served carries that request's client
address (``AuditAddressMiddleware`` puts it in a context variable), read the
way django-axes reads it: ``REMOTE_ADDR``, or ``X-Forwarded-For`` behind
``ANPI_PROXY_COUNT`` reverse proxies.

Rows are never updated or deleted through the app (``AuditEntry.save`` refuses
an update, ``delete`` refuses outright); on PostgreSQL a trigger refuses both
too (migration ``tenants.0007``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .actors import Actor
from .models import AuditEntry

P = ParamSpec("P")
R = TypeVar("R", bound=HttpRequest)

# The client address of the request being served (None outside a request).
_REQUEST_ADDRESS: ContextVar[str | None] = ContextVar("anpi_audit_address", default=None)
# Where ``note`` keeps what a view reports for its audit row.
_NOTE_ATTR = "_anpi_audit_note"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as django-axes is configured to read it, or None when
    it is missing or not an address (a proxy's garbage never reaches the table)."""
    from axes.helpers import get_client_ip_address  # needs settings: import late

    raw = get_client_ip_address(request)
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


@contextmanager
def request_address(address: str | None) -> Iterator[None]:
    """Within the block, ``record`` stamps rows with ``address``."""
    token = _REQUEST_ADDRESS.set(address)
    try:
        yield
    finally:
        _REQUEST_ADDRESS.reset(token)


def person_list(ids: Iterable[Any]) -> str:
    """``[12, 34]`` → ``",12,34,"`` (the ``person_ids`` column; empty for none)."""
    text = ",".join(str(int(i)) for i in ids)
    return f",{text}," if text else ""


def record(
    tenant_id: int,
    actor: Actor,
    action: str,
    obj: Any,
    at: datetime,
    *,
    object_type: str = "",
    object_id: Any = "",
    person_ids: Iterable[Any] = (),
    break_glass: bool = False,
    **detail: Any,
) -> AuditEntry:
    """Append one row and return it.

    ``action`` is a dotted verb (``team.create``, ``person.view``); ``obj`` the
    model instance concerned (its class name and pk are kept) or None, in which
    case ``object_type`` / ``object_id`` may name it; ``person_ids`` the persons
    whose data the row shows or changes (a ``Person`` object counts itself);
    ``detail`` must be JSON-serialisable. Raises whatever the insert raises."""
    if obj is not None:
        object_type = type(obj).__name__
        object_id = getattr(obj, "pk", "") or ""
    persons = [int(i) for i in person_ids]
    if object_type == "Person" and object_id not in ("", None) and int(object_id) not in persons:
        persons.insert(0, int(object_id))
    return AuditEntry.objects.create(
        tenant_id=tenant_id,
        at=at,
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_line_user_id=actor.line_user_id,
        actor_label=actor.label,
        ip_address=_REQUEST_ADDRESS.get(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_ids=person_list(persons),
        break_glass=break_glass,
        detail=detail,
    )


def note(request: HttpRequest, **fields: Any) -> None:
    """Tell ``audited`` what this request showed or did; merged into its row.

    Keys with a meaning: ``person_ids`` (iterable of ints), ``tenant_id`` (when
    the request has no ``request.tenant``, e.g. the watcher page),
    ``object_id``, ``break_glass`` (bool), ``skip=True`` (nothing personal was
    shown: write no row). Everything else goes into ``detail``."""
    current = getattr(request, _NOTE_ATTR, None)
    if current is None:
        current = {}
        setattr(request, _NOTE_ATTR, current)
    current.update(fields)


def audited(
    action: str, object_type: str = "", id_kwarg: str = ""
) -> Callable[
    [Callable[Concatenate[R, P], HttpResponse]], Callable[Concatenate[R, P], HttpResponse]
]:
    """Decorator for a staff view: one audit row per request that succeeded.

    Put it *below* ``staff_view`` / ``admin_view`` (so the user is verified and
    ``request.tenant`` is set). After the view returns a response with a status
    below 400 (a 403 or 404 showed nothing), it writes ``action`` on
    ``object_type`` with the id from the URL keyword ``id_kwarg``, by
    ``request.user``, plus whatever the view passed to ``note``. A view that
    raises (``Http404``) writes nothing."""

    def decorate(
        view: Callable[Concatenate[R, P], HttpResponse],
    ) -> Callable[Concatenate[R, P], HttpResponse]:
        @wraps(view)
        def wrapper(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if response.status_code < 400:
                _write_view_entry(request, action, object_type, kwargs.get(id_kwarg, ""))
            return response

        return wrapper

    return decorate


def _write_view_entry(request: HttpRequest, action: str, object_type: str, object_id: Any) -> None:
    fields = dict(getattr(request, _NOTE_ATTR, None) or {})
    if fields.pop("skip", False):
        return
    tenant = getattr(request, "tenant", None)
    tenant_id = fields.pop("tenant_id", None) or (tenant.pk if tenant is not None else None)
    if tenant_id is None:
        raise RuntimeError(f"{action}: no tenant to audit under (call note(request, tenant_id=…))")
    object_id = fields.pop("object_id", object_id)
    record(
        tenant_id,
        Actor.staff(request.user),
        action,
        None,
        timezone.now(),
        object_type=object_type,
        object_id=object_id if object_id is not None else "",
        person_ids=fields.pop("person_ids", ()),
        break_glass=bool(fields.pop("break_glass", False)),
        method=request.method,
        **fields,
    )
