"""The tenant admin's LINE page: connect the official account, see its add-friend QR code.

Admins only (``admin_view``), for every tenant kind (NPO individual service,
つながり, 安否通知). The POST runs ``dashboard.line_setup.connect_channel`` and
shows each step's result on the same page (no redirect: the results are the
answer). Secrets are never shown or put back into the form.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from anpi.channels.line.oamessage import qr_svg
from anpi.engine.clock import get_clock
from anpi.tenants.access import StaffRequest, admin_view, staff_view
from anpi.tenants.actors import Actor
from anpi.tenants.channel_setup import tenant_channel

from ..line_setup import ChannelCredentialsForm, Outcome, connect_channel, webhook_url


def friend_qr_svg(url: str, scale: int = 6) -> str:
    """An SVG QR code of ``url`` (segno), to print on a leaflet."""
    return qr_svg(url, scale=scale)


@admin_view
def line_settings(request: StaffRequest) -> HttpResponse:
    channel = tenant_channel(request.tenant)
    outcome: Outcome | None = None
    if request.method == "POST":
        form = ChannelCredentialsForm(request.POST, connected=channel is not None)
        if form.is_valid():
            outcome = connect_channel(
                request.tenant,
                form.cleaned_data["channel_secret"],
                form.cleaned_data["access_token"],
                Actor.staff(request.user),
                get_clock().now(),
            )
            channel = outcome.channel or tenant_channel(request.tenant)
            form = ChannelCredentialsForm(connected=channel is not None)
    else:
        form = ChannelCredentialsForm(connected=channel is not None)
    friend_url = channel.add_friend_url() if channel else ""
    return render(
        request,
        "dashboard/line_settings.html",
        {
            "nav": "line",
            "form": form,
            "channel": channel,
            "outcome": outcome,
            "webhook_url": webhook_url(channel) if channel else "",
            "friend_url": friend_url,
            "friend_qr": friend_qr_svg(friend_url) if friend_url else "",
        },
    )


@staff_view
def friend_qr(request: StaffRequest) -> HttpResponse:
    """The add-friend QR code alone, large, as an SVG file (for a leaflet)."""
    channel = tenant_channel(request.tenant)
    if channel is None or not channel.basic_id:
        raise Http404
    return HttpResponse(
        friend_qr_svg(channel.add_friend_url(), scale=12), content_type="image/svg+xml"
    )
