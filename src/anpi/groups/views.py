"""The group's schedule page, reached by a signed one-time link from the group chat."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import pgettext

from anpi.engine.clock import get_clock

from . import actions
from .forms import WEEKDAYS, GroupScheduleForm
from .links import LinkError, group_from_token


def schedule_summary(group) -> str:
    """The saved schedule in the page's language ("every day at 09:00").

    ``actions.schedule_summary`` says the same for the LINE chat, always in
    Japanese; the Japanese catalogue makes both read alike.
    """
    at = group.check_time.strftime("%H:%M") if group.check_time else "--:--"
    if group.schedule_kind == "weekdays":
        names = dict(WEEKDAYS)
        days = pgettext("groups", ", ").join(
            str(names[d]) for d in group.weekdays.split(",") if d.strip() in names
        )
        return pgettext("groups", "on %(days)s at %(time)s") % {"days": days, "time": at}
    if group.interval_days == 1:
        return pgettext("groups", "every day at %(time)s") % {"time": at}
    return pgettext("groups", "every %(n)s days at %(time)s") % {
        "n": group.interval_days,
        "time": at,
    }


def group_settings(request: HttpRequest, token: str) -> HttpResponse:
    try:
        group = group_from_token(token)
    except LinkError as exc:
        return render(request, "groups/link_error.html", {"reason": str(exc)}, status=410)
    if request.method == "POST":
        form = GroupScheduleForm(request.POST)
        if form.is_valid():
            group = actions.do_save_group_schedule(group, form.cleaned_data, get_clock().now())
            return render(
                request,
                "groups/settings_done.html",
                {"group": group, "summary": schedule_summary(group)},
            )
    else:
        initial = {
            "schedule_kind": group.schedule_kind,
            "interval_days": group.interval_days,
            "weekdays": [d for d in group.weekdays.split(",") if d],
            "check_time": group.check_time,
            "skip_holidays": group.skip_holidays,
        }
        form = GroupScheduleForm(initial=initial)
    return render(request, "groups/settings.html", {"group": group, "form": form})
