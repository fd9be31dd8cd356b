"""Extension points for services built on top of the engine.

The engine serves individuals by itself. Services such as つながり groups and
安否通知 teams (``anpi.groups``) live above it and plug in here from their
``AppConfig.ready()``, so the engine never imports them (layers depend downward).

- ``planners``: extra planners run by the worker after ``plan_due_checks``; each
  takes the clock and returns how many checks it created.
- ``policy_resolvers``: asked in order by ``plan.policies_for`` with a batch of
  persons; each returns {person id: policy (a list of steps)} for the persons it
  decides, e.g. those of a team; the first to decide a person wins.
- ``event_handlers``: asked in order by ``ingest.handle_event`` before the
  individual service; the first that returns a word (for logs and tests) has
  handled the event, ``None`` passes it on. They get the event's ``lookups``.
- ``lookup_providers``: asked by ``ingest.lookups_before_transaction`` (calls to
  LINE such as display names, made before the event's transaction opens so that
  no lock is held across HTTP); the first non-empty dict is the event's lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import Clock

Planner = Callable[[Clock], int]
PolicyResolver = Callable[[list[Any]], dict[int, list[dict[str, Any]]]]
EventHandler = Callable[[Any, Any, Clock, dict[str, Any]], str | None]
LookupProvider = Callable[[Any, dict[str, Any]], dict[str, Any]]

planners: list[Planner] = []
policy_resolvers: list[PolicyResolver] = []
event_handlers: list[EventHandler] = []
lookup_providers: list[LookupProvider] = []


def register(
    *,
    planner: Planner | None = None,
    policy_resolver: PolicyResolver | None = None,
    event_handler: EventHandler | None = None,
    lookup_provider: LookupProvider | None = None,
) -> None:
    """Add hooks once (``ready()`` may run more than once in some test set-ups)."""
    for hook, registry in (
        (planner, planners),
        (policy_resolver, policy_resolvers),
        (event_handler, event_handlers),
        (lookup_provider, lookup_providers),
    ):
        if hook is not None and hook not in registry:
            registry.append(hook)  # type: ignore[arg-type]
