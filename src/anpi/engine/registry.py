"""The one registry through which services plug into the engine.

The engine knows no service by name (layers depend downward). Each service
(``anpi.individual``, ``anpi.groups``, ``anpi.municipal``) registers what it
brings from its ``AppConfig.ready()``; the engine only calls what was registered.

- ``actions``: escalation actions by name (``register_action``). A policy may use
  only registered actions; each declares its parameters, so a policy is checked
  against them when it is saved (``engine.policies.validate_policy``). The
  engine registers its own person-level actions (``engine.steps``).
- ``purposes``: what an outgoing message is for (``register_purpose``): a label
  for the timeline, and what happens when its free reply is refused (expired or
  used reply token): ``"push"`` for essential messages (sent again as a paid
  push), ``"drop"`` for courtesies (dropped, and the drop is on the timeline).
- ``planners``: extra planners run by the worker after ``plan_due_checks``; each
  takes the clock and returns how many checks it created.
- ``policy_resolvers``: asked in order by ``plan.policies_for`` with a batch of
  persons; each returns {person id: policy (a list of steps)} for the persons it
  decides; the first to decide a person wins. ``fallback_policy`` is the policy
  of everyone nobody decided and whose tenant has no default policy.
- ``event_handlers``: asked in ``order`` (lowest first) by
  ``ingest.handle_event``; the first that returns a word (for logs and tests)
  has handled the event, ``None`` passes it on. They get the event's lookups.
- ``chat_size_providers``: how many members a group chat has (paid messages).
- ``lookup_providers``: asked by ``ingest.lookups_before_transaction`` (calls to
  LINE such as display names, made before the event's transaction opens so
  that no lock is held across HTTP); their dicts are merged.
- ``alarms``: purposes of messages that alarm someone about a person (the
  engine's ``notify_contact``, the groups' ``alert``), each with how to word
  the all-clear and how to name its recipient on the timeline
  (``register_alarm``). When an incident closes as safe, engine.allclear tells
  every recipient of such a message on the same chat or address.
- ``incident_closed``: called with (person, check, reason, now) when a check
  closes as safe or settled, inside that transaction; services close what
  they opened for it (the groups' alerts).
- ``links``: URL builders by name (``register_link``), for pages a service
  serves and the engine's messages point to (``contact_report``: where a
  contact reports back; built from (check, contact)).

Registration is idempotent: ``ready()`` may run more than once in some test
set-ups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .clock import Clock

Planner = Callable[[Clock], int]
PolicyResolver = Callable[[list[Any]], dict[int, list[dict[str, Any]]]]
EventHandler = Callable[[Any, Any, Clock, dict[str, Any]], "str | None"]
LookupProvider = Callable[[Any, dict[str, Any]], dict[str, Any]]
StepHandler = Callable[[Any, dict[str, Any], Any], Any]

DAY = 24 * 3600


@dataclass(frozen=True)
class Param:
    """One parameter of an action: seconds (an int in ``[low, high]``) or one of
    ``choices``. Booleans are refused as numbers (``True`` is an int in Python)."""

    kind: Literal["seconds", "choice"]
    required: bool = False
    low: int = 1
    high: int = 30 * DAY
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """An escalation action. ``first``: it may open a policy (it sends the check);
    ``alert``: it opens a claimable alert (``outcome_deadline`` applies);
    ``last``: a policy may end with it (nothing waits forever);
    ``held_in_quiet_hours``: it calls staff or tells contacts, watchers or a
    group, so it waits for the end of the tenant's quiet hours unless the step
    is marked ``"emergency": true`` (engine.quiet)."""

    name: str
    handler: StepHandler
    # What the step does, shown on staff pages (the alerts board): a lazy
    # translation (msgctxt "step description"), read in the viewer's language.
    label: Any
    params: dict[str, Param] = field(default_factory=dict)
    first: bool = False
    alert: bool = False
    last: bool = False
    held_in_quiet_hours: bool = False


@dataclass(frozen=True)
class Purpose:
    name: str
    label: str
    on_reply_refused: Literal["push", "drop"]


@dataclass(frozen=True)
class Alarm:
    """Recipients of ``purpose`` messages hear the all-clear. ``all_clear``:
    (person name, close reason: one of engine.allclear.ANNOUNCED_REASONS) → a LINE message; ``describe``: (channel
    id, recipient) → who that is, for the timeline. ``all_clear_for_person``, if
    given, is used instead of ``all_clear`` with the person (not only the name),
    for messages that follow the person's language (the contacts' all-clear)."""

    purpose: str
    all_clear: Callable[[str, str], dict[str, Any]]
    describe: Callable[[Any, str], str]
    all_clear_for_person: Callable[[Any, str], dict[str, Any]] | None = None


IncidentHook = Callable[[Any, Any, str, Any], None]

actions: dict[str, Action] = {}
alarms: dict[str, Alarm] = {}
incident_closed: list[IncidentHook] = []
links: dict[str, Callable[..., str]] = {}
purposes: dict[str, Purpose] = {}
planners: list[Planner] = []
policy_resolvers: list[PolicyResolver] = []
_event_handlers: list[tuple[int, EventHandler]] = []
lookup_providers: list[LookupProvider] = []
# {group or room id: members} for the services' chats: LINE counts a push to a
# group once per member (engine.cost).
chat_size_providers: list[Callable[[list[str]], dict[str, int]]] = []
fallback_policy: list[dict[str, Any]] = []


def register_action(action: Action) -> None:
    """Make ``action`` usable in policies; a second registration replaces the first."""
    actions[action.name] = action


def register_purpose(name: str, label: str, *, on_reply_refused: Literal["push", "drop"]) -> None:
    """Declare an outgoing purpose; ``label`` is Japanese (timeline text)."""
    purposes[name] = Purpose(name, label, on_reply_refused)


def register_alarm(alarm: Alarm) -> None:
    alarms[alarm.purpose] = alarm


def register_link(name: str, builder: Callable[..., str]) -> None:
    links[name] = builder


def on_incident_closed(hook: IncidentHook) -> None:
    if hook not in incident_closed:
        incident_closed.append(hook)


def purpose_label(name: str) -> str:
    found = purposes.get(name)
    return found.label if found else name


def set_fallback_policy(steps: list[dict[str, Any]]) -> None:
    fallback_policy[:] = steps


def register(
    *,
    planner: Planner | None = None,
    policy_resolver: PolicyResolver | None = None,
    event_handler: EventHandler | None = None,
    order: int = 100,
    lookup_provider: LookupProvider | None = None,
) -> None:
    """Add hooks once. ``order`` sorts event handlers (lowest asked first)."""
    if planner is not None and planner not in planners:
        planners.append(planner)
    if policy_resolver is not None and policy_resolver not in policy_resolvers:
        policy_resolvers.append(policy_resolver)
    if lookup_provider is not None and lookup_provider not in lookup_providers:
        lookup_providers.append(lookup_provider)
    if event_handler is not None and all(h is not event_handler for _, h in _event_handlers):
        _event_handlers.append((order, event_handler))
        _event_handlers.sort(key=lambda pair: pair[0])


def event_handlers() -> list[EventHandler]:
    return [handler for _, handler in _event_handlers]
