"""The status light of each person, computed in SQL (one query per page).

``with_status`` annotates a Person queryset with:

- ``light``: one of (states that mean what they say)
  - ``red``: staff must act — an open task (a call, contacts to phone, a
    decision, a visit). After 「つながらない」 the ladder goes on by itself
    (the last notice, then the contacts): yellow until the next task opens;
  - ``grey``: otherwise, not being checked (registering / blocked / stopped);
  - ``yellow``: an open check and no open task (waiting for the person's
    answer, or for the ladder's next step);
  - ``new``: active, but never checked yet;
  - ``green``: the person answered their last check themselves;
  - ``settled``: the last check was closed otherwise (staff or a contact
    found the person safe, in hospital or away; the ladder ended).
- ``last_answer_at``: when the person last answered a check themselves.

Each piece is a correlated ``EXISTS`` / scalar subquery on the person's id, so
the list costs one query however many people it shows (no N+1):

- open checks and the latest answer read an index that leads with the
  person (``check_person_recent_idx`` (person, -due_at), or the FK index);
- tasks read the index Django creates for the ``Task.person`` foreign key
  (a task's check state is a join on the check's primary key).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value, When

from anpi.engine.models import Check, Task
from anpi.people.models import Person

if TYPE_CHECKING:  # django-stubs-ext is a test/typing dependency only
    from django_stubs_ext import WithAnnotations


class Status(TypedDict):
    light: str  # red | grey | yellow | new | green | settled
    last_answer_at: datetime | None


PersonWithStatus: TypeAlias = "WithAnnotations[Person, Status]"


def with_status(people: QuerySet[Person]) -> QuerySet[PersonWithStatus]:
    # A follow-up (the person answered 少し不調 / 話したい) is not an emergency: no red.
    needs_staff = Task.objects.filter(person=OuterRef("pk"), state=Task.State.OPEN).exclude(
        kind=Task.Kind.FOLLOW_UP
    )
    open_check = Check.objects.filter(person=OuterRef("pk"), state=Check.State.OPEN)
    any_check = Check.objects.filter(person=OuterRef("pk"))
    last_state = (
        Check.objects.filter(person=OuterRef("pk"))
        .exclude(close_reason="merged")
        .order_by("-due_at")
        .values("state")[:1]
    )
    last_answer = (
        Check.objects.filter(person=OuterRef("pk"), state=Check.State.ANSWERED)
        .order_by("-due_at")
        .values("answered_at")[:1]
    )
    return people.annotate(last_state=Subquery(last_state)).annotate(
        light=Case(
            # Safety first: work for staff shows red even for a blocked person.
            When(Exists(needs_staff), then=Value("red")),
            When(~Q(status=Person.Status.ACTIVE), then=Value("grey")),
            When(Exists(open_check), then=Value("yellow")),
            When(~Exists(any_check), then=Value("new")),
            When(last_state=Check.State.ANSWERED, then=Value("green")),
            default=Value("settled"),
            output_field=CharField(),
        ),
        last_answer_at=Subquery(last_answer),
    )
