"""Extension points for services built on top of the engine.

The engine serves individuals by itself. Services such as つながり groups and
安否通知 teams (``anpi.groups``) live above it and plug in here from their
``AppConfig.ready()``, so the engine never imports them (layers depend downward).

- ``planners``: extra planners run by the worker after ``plan_due_checks``; each
  takes the clock and returns how many checks it created.
- ``policy_resolvers``: asked in order by ``plan.policy_for``; the first that
  returns a policy (a list of steps) wins, e.g. the policy of a person's team.
- ``event_handlers``: asked in order by ``ingest.handle_event`` before the
  individual service; the first that returns a word (for logs and tests) has
  handled the event, ``None`` passes it on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import Clock

Planner = Callable[[Clock], int]
PolicyResolver = Callable[[Any], list[dict[str, Any]] | None]
EventHandler = Callable[[Any, Any, Clock], str | None]

planners: list[Planner] = []
policy_resolvers: list[PolicyResolver] = []
event_handlers: list[EventHandler] = []


def register(
    *,
    planner: Planner | None = None,
    policy_resolver: PolicyResolver | None = None,
    event_handler: EventHandler | None = None,
) -> None:
    """Add hooks once (``ready()`` may run more than once in some test set-ups)."""
    for hook, registry in (
        (planner, planners),
        (policy_resolver, policy_resolvers),
        (event_handler, event_handlers),
    ):
        if hook is not None and hook not in registry:
            registry.append(hook)  # type: ignore[arg-type]
