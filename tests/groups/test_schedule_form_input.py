"""The group schedule form reads a time typed on a Japanese keyboard."""

from __future__ import annotations

from datetime import time

import pytest

from anpi.groups.forms import GroupScheduleForm


def form(check_time: str) -> GroupScheduleForm:
    return GroupScheduleForm(
        {"schedule_kind": "interval", "interval_days": "1", "check_time": check_time}
    )


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("09:30", time(9, 30)),
        ("９：３０", time(9, 30)),
        ("　9:30　", time(9, 30)),
        ("9 : 30", time(9, 30)),
        ("２１：００", time(21, 0)),
    ],
)
def test_a_time_typed_in_full_width_is_understood(typed, expected):
    f = form(typed)
    assert f.is_valid(), f.errors
    assert f.cleaned_data["check_time"] == expected


@pytest.mark.parametrize("typed", ["", "　", "ごぜん9じ", "25:00", "９：６１"])
def test_what_is_not_a_time_is_still_refused(typed):
    assert not form(typed).is_valid()
