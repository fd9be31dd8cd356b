"""Tenant admin and staff pages of the group and municipal services.

Every view is behind ``tenants.access.staff_view`` and fetches objects with
``tenant_object_or_404``: another tenant's team, group, alert or invite is a
plain 404. Changing the set-up (organizations, teams, policies, invites) needs
the admin role (the LINE channel is on the dashboard's LINE page); operators see everything of their tenant.
Changes go through ``municipal.actions`` with the staff user as the actor.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from anpi.engine.clock import get_clock
from anpi.groups.models import Alert, Group, Invite, Team
from anpi.tenants.access import (
    StaffRequest,
    forbidden,
    scoped,
    staff_view,
    tenant_object_or_404,
)
from anpi.tenants.actors import Actor
from anpi.tenants.audit import audited, note
from anpi.tenants.models import LineChannel, Organization

from . import actions, forms, qr


def admin_view(view):
    """Staff with the admin role only (others get the 403 page)."""

    @staff_view
    @wraps(view)
    def wrapper(request: StaffRequest, *args, **kwargs) -> HttpResponse:
        if request.membership.role != "admin":
            return forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def open_alerts(request: StaffRequest):
    return (
        scoped(request, Alert.objects)
        .filter(state__in=[Alert.State.OPEN, Alert.State.CLAIMED], check_run__state="open")
        .select_related("person", "team", "group")
        .order_by("created_at")
    )


@staff_view
@audited("municipal.overview")
def overview(request: StaffRequest) -> HttpResponse:
    """City staff: every team's open alerts, the teams and the peer groups."""
    alerts = list(open_alerts(request))
    note(request, person_ids=sorted({a.person_id for a in alerts}))
    return render(
        request,
        "municipal/overview.html",
        {
            "nav": "municipal",
            "alerts": alerts,
            "teams": scoped(request, Team.objects).select_related("organization").order_by("name"),
            "groups": scoped(request, Group.objects).order_by("status", "name"),
            "organizations": scoped(request, Organization.objects).order_by("name"),
            "is_admin": request.membership.role == "admin",
        },
    )


@admin_view
def channel_settings(request: StaffRequest) -> HttpResponse:
    """The LINE channel moved to the dashboard's LINE page, which every tenant kind has."""
    return redirect("dashboard:line-settings")


@admin_view
def organization_new(request: StaffRequest) -> HttpResponse:
    form = forms.OrganizationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        org = actions.do_create_organization(
            request.tenant, form.cleaned_data, Actor.staff(request.user), get_clock().now()
        )
        messages.success(
            request,
            pgettext("municipal", "Registered the organization “%(name)s”.") % {"name": org.name},
        )
        return redirect("municipal:overview")
    return render(
        request,
        "municipal/form.html",
        {"form": form, "title": pgettext("municipal", "New organization")},
    )


@admin_view
def team_new(request: StaffRequest) -> HttpResponse:
    form = forms.TeamForm(request.POST if request.method == "POST" else None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        team = actions.do_create_team(
            request.tenant, form.cleaned_data, Actor.staff(request.user), get_clock().now()
        )
        messages.success(
            request, pgettext("municipal", "Created the team “%(name)s”.") % {"name": team.name}
        )
        return redirect("municipal:team", team_id=team.pk)
    return render(
        request,
        "municipal/form.html",
        {"form": form, "title": pgettext("municipal", "Create a team")},
    )


@admin_view
def policy_new(request: StaffRequest) -> HttpResponse:
    form = forms.PolicyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.do_create_policy(
            request.tenant,
            form.cleaned_data["name"],
            form.cleaned_data["steps"],
            Actor.staff(request.user),
            get_clock().now(),
        )
        messages.success(request, pgettext("municipal", "Saved the escalation policy."))
        return redirect("municipal:overview")
    return render(
        request,
        "municipal/form.html",
        {"form": form, "title": pgettext("municipal", "Escalation policy")},
    )


@staff_view
@audited("team.view", "Team", "team_id")
def team_detail(request: StaffRequest, team_id: int) -> HttpResponse:
    team = tenant_object_or_404(request, Team.objects.select_related("organization"), pk=team_id)
    people = team.people.select_related("person").order_by("person__nickname")
    note(request, person_ids=[link.person_id for link in people])
    channel = scoped(request, LineChannel.objects).order_by("pk").first()
    now = get_clock().now()
    invites = [
        {"invite": i, "svg": qr.invite_svg(i, channel.basic_id if channel else "")}
        for i in team.invites.filter(used_at__isnull=True, expires_at__gt=now).order_by("-pk")[:20]
    ]
    return render(
        request,
        "municipal/team.html",
        {
            "nav": "municipal",
            "team": team,
            "people": people,
            "watchers": team.watchers.order_by("name"),
            "alerts": open_alerts(request).filter(team=team),
            "alert_group": team.alert_group(),
            "invites": invites,
            "invite_form": forms.InviteForm(),
            "is_admin": request.membership.role == "admin",
        },
    )


@admin_view
@require_POST
def invite_new(request: StaffRequest, team_id: int) -> HttpResponse:
    team = tenant_object_or_404(request, Team.objects, pk=team_id)
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        invite = actions.do_create_invite(
            team,
            form.cleaned_data["role"],
            Actor.staff(request.user),
            get_clock().now(),
            form.cleaned_data["label"],
        )
        messages.success(
            request,
            pgettext("municipal", "Created the invite code %(code)s.") % {"code": invite.code},
        )
    else:
        messages.error(request, pgettext("municipal", "Please choose who is invited."))
    return redirect("municipal:team", team_id=team.pk)


@staff_view
def invite_qr(request: StaffRequest, invite_id: int) -> HttpResponse:
    invite = tenant_object_or_404(request, Invite.objects, pk=invite_id)
    channel = scoped(request, LineChannel.objects).order_by("pk").first()
    svg = qr.invite_svg(invite, channel.basic_id if channel else "")
    return HttpResponse(svg, content_type="image/svg+xml")


@staff_view
@audited("alert.view", "Alert", "alert_id")
def alert_detail(request: StaffRequest, alert_id: int) -> HttpResponse:
    alert = tenant_object_or_404(
        request, Alert.objects.select_related("person", "team", "group", "check_run"), pk=alert_id
    )
    note(request, person_ids=[alert.person_id])
    entries = alert.person.timeline.filter(check_run=alert.check_run)[:50]
    return render(
        request, "municipal/alert.html", {"nav": "municipal", "alert": alert, "entries": entries}
    )


@staff_view
@audited("group.view", "Group", "group_id")
def group_detail(request: StaffRequest, group_id: int) -> HttpResponse:
    group = tenant_object_or_404(request, Group.objects.select_related("team"), pk=group_id)
    members = group.members.select_related("person").order_by("left_at", "display_name")
    note(request, person_ids=sorted({m.person_id for m in members if m.person_id}))
    return render(
        request, "municipal/group.html", {"nav": "municipal", "group": group, "members": members}
    )
