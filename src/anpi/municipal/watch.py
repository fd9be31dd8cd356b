"""The small watcher view: a 見守る人 with a login sees only their own teams."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from anpi.engine.models import Check
from anpi.groups.models import Alert, Team, TeamPerson
from anpi.tenants.access import forbidden, no_store, require_second_factor
from anpi.tenants.models import Membership


def watcher_home(request: HttpRequest) -> HttpResponse:
    refused = require_second_factor(request)
    if refused is not None or not request.user.is_authenticated:
        return refused or forbidden(request)
    tenants = Membership.objects.filter(user=request.user, role="watcher").values("tenant_id")
    teams = Team.objects.filter(tenant_id__in=tenants, watchers__user=request.user).distinct()
    if not teams:
        return forbidden(request)
    links = TeamPerson.objects.filter(team__in=teams).select_related("person", "team")
    rows = []
    for link in links.order_by("team__name", "person__nickname"):
        latest = Check.objects.filter(person=link.person).order_by("-due_at").first()
        rows.append({"team": link.team, "person": link.person, "latest": latest})
    alerts = Alert.objects.filter(
        team__in=teams, state__in=[Alert.State.OPEN, Alert.State.CLAIMED]
    ).select_related("person", "team")
    return no_store(
        render(request, "municipal/watch.html", {"teams": teams, "rows": rows, "alerts": alerts})
    )
