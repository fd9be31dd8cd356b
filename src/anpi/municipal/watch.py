"""The small watcher view: a 見守る人 with a login sees their own teams' people.

Team scoping and break-glass (docs/security.md, "Roles"):

- a watcher login (``Membership`` with role ``watcher``, not disabled) sees the
  people of the teams it watches (``TeamWatcher.user``) on ``/m/watch/`` and
  opens each one on ``/m/watch/people/<id>/`` (phone, emergency contacts,
  recent checks);
- opening a person of the same tenant *outside* those teams is break-glass: the
  page first asks for a reason (``BreakGlassForm``), then shows the person and
  writes an audit row flagged ``break_glass=True`` with the reason; every
  opening asks again;
- a person of another tenant, or an unknown id, is a plain 404.

Operators and tenant admins are tenant-wide (they run the city's call queue)
and never need break-glass; their every look is in the audit log all the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from anpi.engine.models import Check
from anpi.groups.models import Alert, Team, TeamPerson
from anpi.people.models import Contact, Person
from anpi.tenants.access import forbidden, no_store, require_second_factor
from anpi.tenants.audit import audited, note
from anpi.tenants.models import Membership

from .forms import BreakGlassForm

RECENT_CHECKS = 10
P = ParamSpec("P")


def _watcher_tenants(request: HttpRequest) -> QuerySet[Membership, Any]:
    """The tenant ids where this user is an enabled watcher (a values queryset)."""
    return Membership.objects.filter(
        user_id=request.user.pk or 0, role="watcher", disabled_at__isnull=True
    ).values("tenant_id")


def _own_teams(request: HttpRequest) -> QuerySet[Team]:
    return Team.objects.filter(
        tenant_id__in=_watcher_tenants(request), watchers__user=request.user
    ).distinct()


def watcher_view(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Decorator: signed in with a verified second factor (else the login or
    2FA redirect), an enabled watcher membership (else 403), never cached."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        refused = require_second_factor(request)
        if refused is not None:
            return refused
        if not _watcher_tenants(request).exists():
            return forbidden(request)
        return no_store(view(request, *args, **kwargs))

    return wrapper


@watcher_view
@audited("watch.view")
def watcher_home(request: HttpRequest) -> HttpResponse:
    teams = _own_teams(request)
    if not teams:
        return forbidden(request)
    links = TeamPerson.objects.filter(team__in=teams).select_related("person", "team")
    rows: list[dict[str, Any]] = []
    for link in links.order_by("team__name", "person__nickname"):
        latest = Check.objects.filter(person=link.person).order_by("-due_at").first()
        rows.append({"team": link.team, "person": link.person, "latest": latest})
    alerts = Alert.objects.filter(
        team__in=teams, state__in=[Alert.State.OPEN, Alert.State.CLAIMED]
    ).select_related("person", "team")
    note(
        request,
        tenant_id=teams[0].tenant_id,
        person_ids=sorted({row["person"].pk for row in rows} | {a.person_id for a in alerts}),
    )
    return render(request, "municipal/watch.html", {"teams": teams, "rows": rows, "alerts": alerts})


@watcher_view
@audited("person.view", "Person", "person_id")
def watcher_person(request: HttpRequest, person_id: int) -> HttpResponse:
    """One person for a watcher: in their teams at once; outside them (same
    tenant) only with a reason, flagged break-glass. GET of the reason form or
    an invalid reason shows no personal data and writes no audit row."""
    tenants = _watcher_tenants(request)
    person = Person.objects.filter(pk=person_id, tenant_id__in=tenants).first()
    if person is None:
        raise Http404
    own = TeamPerson.objects.filter(person=person, team__in=_own_teams(request)).exists()
    reason = ""
    if not own:
        form = BreakGlassForm(request.POST if request.method == "POST" else None)
        if not form.is_valid():
            note(request, skip=True)
            status = 400 if request.method == "POST" else 200
            return render(
                request,
                "municipal/break_glass.html",
                {"form": form, "person_id": person.pk},
                status=status,
            )
        reason = form.cleaned_data["reason"]
    contacts = Contact.objects.filter(tenant_id=person.tenant_id, person=person).order_by("id")
    note(
        request,
        tenant_id=person.tenant_id,
        break_glass=not own,
        contact_ids=[c.pk for c in contacts],
        **({"reason": reason} if reason else {}),
    )
    checks = Check.objects.filter(person=person).order_by("-due_at")[:RECENT_CHECKS]
    return render(
        request,
        "municipal/watch_person.html",
        {"person": person, "contacts": contacts, "checks": checks, "break_glass": not own},
    )
