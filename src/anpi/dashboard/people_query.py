"""The people list's query: search, filters, sort and one page of persons.

A page costs two queries however many persons the tenant has: the count, and
the page's rows with their status light (``status.with_status``). Every
filter and sort below is part of those two statements (no query per row, no
second pass in Python).

Search (``q``), each term of the query must match one of:

- the nickname, the LINE name or the full name (氏名), as a substring;
- the reading (``Person.name_kana``, stored as ``textnorm.kana_key``): the term
  is keyed the same way, so 「やまだ」 and 「ﾔﾏﾀﾞ」 find 「ヤマダ ハナコ」;

or the whole query is a phone number (``people.lookups.looks_like_phone``),
matched exactly through the keyed hash of the normalised number (encrypted
at rest: a part of a number finds nothing).

Filters: the light, the team (municipal ``TeamPerson``), the kind of schedule,
and the last answer (today in the tenant's time zone / 3 days ago or more /
never). Sorts: name, reading, last answer (longest silent first), state
(most urgent first).

Speed at 20,000 persons: sorting by name or reading walks an index
(``person_list_name_idx``, ``person_list_kana_idx``) and stops after one page;
the light and the last answer are correlated subqueries on indexes of the
person's checks and tasks, computed for the page's rows only unless a filter
or sort needs them. ``bench/run.py --only people`` measures it
(``people_list_page_ms``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import StrIndex

from anpi.engine.models import Check, Task
from anpi.people.lookups import looks_like_phone, phone_q
from anpi.people.models import Person
from anpi.people.textnorm import kana_key

from .status import PersonWithStatus, with_status

PER_PAGE = 50
STALE_DAYS = 3

# Most urgent first: what staff must do, what is under way, then the rest.
LIGHT_ORDER = ("red", "yellow", "grey", "new", "settled", "green")

# sort key → ORDER BY; every one ends in "id" so that pages never overlap.
SORTS: dict[str, tuple[Any, ...]] = {
    "name": ("nickname", "display_name", "id"),
    "kana": ("name_kana", "nickname", "id"),
    "last_answer": (F("last_answer_at").asc(nulls_first=True), "nickname", "id"),
    "state": ("light_rank", "nickname", "id"),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class PeopleQuery:
    """What staff asked for (cleaned ``forms.PeopleFilterForm`` data)."""

    q: str = ""
    light: str = ""
    team: int | None = None
    schedule: str = ""
    answered: str = ""
    sort: str = DEFAULT_SORT


def search_q(text: str) -> Q:
    """The filter for the search box (module docstring); ``Q()`` for blank text."""
    match = Q()
    for term in text.split():
        term_q = (
            Q(nickname__icontains=term)
            | Q(display_name__icontains=term)
            | Q(full_name__icontains=term)
        )
        kana = kana_key(term)
        if kana:
            term_q |= Q(name_kana__contains=kana)
        match &= term_q
    if looks_like_phone(text):
        match = match | phone_q(text) if match else phone_q(text)
    return match


def schedule_q(kind: str) -> Q:
    """``daily`` / ``interval`` (every 2–7 days) / ``weekdays`` / ``none`` (no time yet)."""
    if kind == "daily":
        return Q(
            schedule_kind=Person.ScheduleKind.INTERVAL, interval_days=1, check_time__isnull=False
        )
    if kind == "interval":
        return Q(
            schedule_kind=Person.ScheduleKind.INTERVAL,
            interval_days__gt=1,
            check_time__isnull=False,
        )
    if kind == "weekdays":
        return Q(schedule_kind=Person.ScheduleKind.WEEKDAYS, check_time__isnull=False)
    if kind == "none":
        return Q(check_time__isnull=True)
    return Q()


def answered_q(choice: str, now: datetime, tz: ZoneInfo) -> Q:
    """On ``last_answer_at``: ``today`` (since local midnight), ``stale`` (the last
    answer is ``STALE_DAYS`` days old or more), ``never``."""
    if choice == "today":
        midnight = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        return Q(last_answer_at__gte=midnight)
    if choice == "stale":
        return Q(last_answer_at__lte=now - timedelta(days=STALE_DAYS))
    if choice == "never":
        return Q(last_answer_at__isnull=True)
    return Q()


def _light_rank() -> StrIndex:
    """The light's place in ``LIGHT_ORDER`` as a number to sort by.

    Its position in the string "red,yellow,grey,…" rather than a CASE over
    the light: a CASE would repeat the light's whole expression (and its
    subqueries) once per light; this names it once."""
    return StrIndex(Value(",".join(LIGHT_ORDER)), F("light"))


def _light_q(light: str) -> Q:
    """``light = <light>`` (``status.with_status``), with a cheaper necessary
    condition first for the lights staff filter by most: red needs an open task
    and yellow an open check (sets read from ``task_queue_idx`` and
    ``check_open_person_idx``), grey a status other than active. The exact
    light still decides, so the filter never disagrees with the light shown."""
    exact = Q(light=light)
    if light == "red":
        return Q(pk__in=Task.objects.filter(state=Task.State.OPEN).values("person_id")) & exact
    if light == "yellow":
        return Q(pk__in=Check.objects.filter(state=Check.State.OPEN).values("person_id")) & exact
    if light == "grey":
        return ~Q(status=Person.Status.ACTIVE) & exact
    return exact


def _ordering(sort: str) -> tuple[Any, ...]:
    return SORTS.get(sort, SORTS[DEFAULT_SORT])


def matching_ids(
    people: QuerySet[Person], query: PeopleQuery, now: datetime, tz: ZoneInfo
) -> QuerySet[Any, Any]:
    """The ids of ``people`` (already scoped to the tenant) that match ``query``,
    in its order: the first of the page's two steps. The light and the last
    answer are computed here only when a filter or the sort needs them; the
    count and one page's slice of this query are the list's SQL."""
    people = people.filter(search_q(query.q), schedule_q(query.schedule))
    if query.team is not None:
        people = people.filter(team_link__team_id=query.team)
    annotated = with_status(people)
    if query.light:
        annotated = annotated.filter(_light_q(query.light))
    if query.answered:
        annotated = annotated.filter(answered_q(query.answered, now, tz))
    if query.sort == "state":
        annotated = annotated.annotate(light_rank=_light_rank())
    return annotated.order_by(*_ordering(query.sort)).values("pk")


def page_rows(ids: QuerySet[Any], sort: str) -> list[PersonWithStatus]:
    """The persons of one page (``ids``: a slice of ``matching_ids``) with their
    status light, in the list's order: one query, the light computed for these
    rows only."""
    rows = with_status(Person.objects.filter(pk__in=ids))
    if sort == "state":
        rows = rows.annotate(light_rank=_light_rank())
    # Staff notes are not shown in the list: not decrypted either.
    return list(rows.defer("notes", "health_notes").order_by(*_ordering(sort)))
