"""The status light of each person, computed in SQL (one query per page).

``with_status`` annotates a Person queryset with:

- ``light``: one of
  - ``red``: staff must act — an open task, or an open check whose ladder has
    already reached a human step (it has a task of any state: the call step,
    contacts to phone, a decision), e.g. after 「つながらない」 while the last
    notice is out;
  - ``grey``: otherwise, not being checked (registering / blocked / stopped);
  - ``yellow``: an open check without such a task (sent, resent: waiting for the
    person's answer);
  - ``green``: nothing open (the last check was answered or resolved).
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
    light: str  # red | grey | yellow | green
    last_answer_at: datetime | None


PersonWithStatus: TypeAlias = "WithAnnotations[Person, Status]"


def with_status(people: QuerySet[Person]) -> QuerySet[PersonWithStatus]:
    needs_staff = Task.objects.filter(person=OuterRef("pk")).filter(
        Q(state=Task.State.OPEN) | Q(check_run__state=Check.State.OPEN)
    )
    open_check = Check.objects.filter(person=OuterRef("pk"), state=Check.State.OPEN)
    last_answer = (
        Check.objects.filter(person=OuterRef("pk"), state=Check.State.ANSWERED)
        .order_by("-due_at")
        .values("answered_at")[:1]
    )
    return people.annotate(
        light=Case(
            # Safety first: work for staff shows red even for a blocked person.
            When(Exists(needs_staff), then=Value("red")),
            When(~Q(status=Person.Status.ACTIVE), then=Value("grey")),
            When(Exists(open_check), then=Value("yellow")),
            default=Value("green"),
            output_field=CharField(),
        ),
        last_answer_at=Subquery(last_answer),
    )
