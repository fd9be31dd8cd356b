"""Which policy a team's people follow (an engine.registry policy resolver)."""

from __future__ import annotations

from typing import Any

from anpi.groups.models import TeamPerson
from anpi.people.models import Person

from .policy import TEAM_DEFAULT


def team_policies_for(people: list[Person]) -> dict[int, list[dict[str, Any]]]:
    """engine.registry policy resolver: a team's person follows the team's policy
    (one query for the whole batch)."""
    links = TeamPerson.objects.filter(person__in=people).select_related("team__policy")
    found: dict[int, list[dict[str, Any]]] = {}
    for link in links.order_by("id"):
        policy = link.team.policy  # select_related: no query
        found.setdefault(link.person_id, policy.steps if policy is not None else TEAM_DEFAULT)
    return found
