"""The API's request and response bodies (pydantic, through django-ninja).

Times are ISO 8601 with an offset (UTC); dates and months are the tenant's
local ones. Every string that comes in is checked to be storable
(``Text``: no NUL, no lone surrogate), so odd input is a 422, never a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Path, Schema
from pydantic import AfterValidator, Field

from anpi.engine.tasks import MAX_CALL_MINUTES

MAX_ID = 2**53  # ids beyond this are not ours (and overflow some databases)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


Text = Annotated[str, AfterValidator(_storable)]
CheckTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["09:00"])]
Month = Annotated[str, Field(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$", examples=["2026-12"])]
PersonStatus = Literal["registering", "active", "blocked", "stopped"]


class ScheduleIn(Schema):
    """When checks come. Validated by the rules of the person's own settings
    page: ``check_time`` is 06:00–21:00 on the half hour; ``interval_days``
    counts for ``interval``, ``weekdays`` (0 = Monday) for ``weekdays``."""

    kind: Literal["interval", "weekdays"]
    interval_days: int = Field(1, ge=1, le=7)
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=list, max_length=7)
    check_time: CheckTime
    skip_holidays: bool = False


class ScheduleOut(Schema):
    kind: str
    interval_days: int
    weekdays: list[int]
    check_time: str
    skip_holidays: bool
    anchor: date | None
    summary: str


class PersonCreate(Schema):
    """A person staff enrol from a list, without LINE (they link it later)."""

    nickname: Text = Field(min_length=1, max_length=200)
    phone: Text = Field(min_length=1, max_length=32, examples=["090-1234-5678"])
    schedule: ScheduleIn | None = None


class PersonOut(Schema):
    id: int
    nickname: str
    display_name: str
    status: str
    phone: str
    line_linked: bool
    consent_at: datetime | None
    next_check_at: datetime | None
    created_at: datetime
    schedule: ScheduleOut | None


class ContactOut(Schema):
    id: int
    name: str
    relation: str
    consent: Literal["confirmed", "declined", "waiting"]


class PersonDetail(PersonOut):
    contacts: list[ContactOut]


class PeoplePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonOut]


class CheckOut(Schema):
    id: int
    person_id: int
    due_at: datetime
    state: str
    step: int
    current_action: str | None
    next_action_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    close_reason: str
    answer_grade: Literal["", "ok", "unwell", "talk"] = Field(
        description="How the person answered: ok (元気), unwell (少し不調), talk (話したい); "
        "empty when they did not answer themselves."
    )
    created_at: datetime


class ChecksPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CheckOut]


class AlertOut(Schema):
    id: int
    person_id: int
    check_id: int
    team_id: int | None
    group_id: int | None
    state: str
    rounds: int
    claimed_by_name: str
    claimed_at: datetime | None
    outcome: str
    note: str
    outcome_at: datetime | None
    created_at: datetime


class AlertsPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AlertOut]


class TaskOut(Schema):
    id: int
    person_id: int
    check_id: int
    kind: str
    state: str
    reason: str
    deadline: datetime
    outcome: str
    note: str
    duration_minutes: int | None = Field(
        description="Minutes staff spent on the call; null when not recorded."
    )
    created_at: datetime
    done_at: datetime | None


class TasksPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TaskOut]


class OutcomeIn(Schema):
    """What came of a staff task: ``safe`` resolves the check."""

    outcome: Literal["safe", "unreachable", "other"]
    note: Text = Field("", max_length=2000)
    duration_minutes: int | None = Field(
        None,
        ge=0,
        le=MAX_CALL_MINUTES,
        description="How long the call took, in whole minutes (the pilot report's staff "
        "minutes); omit when not measured.",
    )


class StepCount(Schema):
    action: str
    checks: int


class MonthlySummaryOut(Schema):
    month: str
    checks_sent: int
    checks_answered: int
    checks_resolved_by_staff: int
    answer_rate: float | None
    escalations_by_step: list[StepCount]
