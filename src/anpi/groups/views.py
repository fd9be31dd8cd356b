"""The group's schedule page, reached by a signed one-time link from the group chat."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from anpi.engine.clock import get_clock
from anpi.people import schedule_words

from . import actions
from .forms import GroupScheduleForm
from .links import LinkError, group_from_token


def schedule_summary(group) -> str:
    """The saved schedule in the page's language: the words the chat uses too
    (``people.schedule_words``), so what the group reads is when it is asked."""
    return schedule_words.for_person(group)


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
