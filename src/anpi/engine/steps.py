"""What each escalation action does when its step fires.

Each handler runs inside the transaction that already won the check's
compare-and-set, so its side effects (outbox rows, tasks, timeline) commit
together with the step or not at all (invariant 6). A handler returns the time
until which the check must wait for a human (a task deadline), or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import pgettext_lazy

from . import cost, merge, messages, pauses, registry, task_reasons, timeline
from .answer import FOLLOW_UP_RANGE
from .contacts import notify_contacts
from .models import Check, Outbox, Task
from .multicast import coalesce_key
from .outbox import enqueue_email
from .registry import Action, Param
from .tasks import open_task

__all__ = ["PUSH_STEPS", "open_task", "person_push_row"]

Handler = Callable[[Check, dict[str, Any], datetime], Any]


def person_push_row(
    check: Check, message: dict[str, Any], purpose: str, now: datetime, coalesce: bool = False
) -> Outbox | None:
    """The one rule of a push to the watched person, for the per-check steps here
    and the set-based ones of ``engine.advance_batch``.

    A person on LINE gets an outbox row, returned *unsaved* so the caller can
    ``save()`` it or ``bulk_create`` many. A person without LINE (no user id or
    no channel) cannot be asked by LINE: a staff phone task opens instead (never
    silence) and None is returned. ``check.person`` must be loaded with
    ``tenant_id``, ``channel_id`` and ``line_user_id``.
    """
    person = check.person
    if not person.line_user_id or person.channel_id is None:
        open_task(
            check, Task.Kind.CALL_PERSON, now, timedelta(hours=2), task_reasons.NO_LINE
        )
        return None
    return Outbox(
        tenant_id=person.tenant_id,
        channel_id=person.channel_id,
        transport="line",
        method="push",
        recipient=person.line_user_id,
        payload={"messages": [message]},
        purpose=purpose,
        check_run_id=check.pk,
        person_id=person.pk,
        next_attempt_at=now,
        created_at=now,
        coalesce_key=coalesce_key([message]) if coalesce else "",
    )


def due_day(check: Check) -> date:
    """The check's due date in its tenant's time zone: the day whose greeting
    its messages carry (engine.greetings), read from the check, never the clock.
    ``check.person`` must be loaded with its tenant's ``timezone``."""
    return check.due_at.astimezone(ZoneInfo(check.person.tenant.timezone)).date()


# Set by engine.advance_batch on the checks of a chunk (one query for all);
# the per-check path asks engine.pauses itself.
WELCOME_BACK = "welcome_back"


def check_message_for(check: Check, params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The check message in the person's language, and whether it is identical
    for everyone of that language on that day (multicast). A policy opts in
    with ``params: {"message": "identical"}`` on send_check; the cost guard
    switches a tenant to it (``cost_guarded``). The first check after a pause
    also says おかえりなさい (engine.pauses): that one is the person's own,
    never part of a multicast."""
    language, day = check.person.language, due_day(check)
    if params.get("message") == "identical":
        message, identical = messages.identical_check_message(language=language, day=day), True
    else:
        message = messages.check_message(check.person.name, check.pk, language=language, day=day)
        identical = False
    welcome = getattr(check, WELCOME_BACK, None)
    if welcome is None:
        welcome = check.pk in pauses.welcome_back_ids([check])
    if welcome:
        return messages.with_welcome_back(message, language), False
    return message, identical


def resend_message_for(check: Check, params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    message = messages.resend_message(
        check.person.name, check.pk, language=check.person.language, day=due_day(check)
    )
    return message, False


def last_notice_for(check: Check, params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    message = messages.last_notice_message(
        check.person.name, check.pk, language=check.person.language
    )
    return message, False


COST_GUARD_TEXT = "（費用対策: 共通の文面でまとめ送信）"


def cost_guarded(action: str, params: dict[str, Any], switched: bool) -> dict[str, Any]:
    """A step's params with the cost guard applied: when the tenant is switched
    to identical check messages (``engine.cost.switch_to_identical``; the
    caller looks it up), send_check sends the identical form, and the params
    say so (``cost_guard``) for the timeline."""
    if action != "send_check" or not switched or params.get("message") == "identical":
        return params
    return {**params, "message": "identical", "cost_guard": True}


def step_text(spec: PushStep, params: dict[str, Any]) -> str:
    """The timeline text of a push step (says when the cost guard shaped it)."""
    return spec.text + (COST_GUARD_TEXT if params.get("cost_guard") else "")


class Merged:
    """A handler's answer meaning: close this check, it is folded into an older one."""


MERGED = Merged()


def send_check(check: Check, params: dict[str, Any], now: datetime) -> Merged | None:
    older = merge.older_open_checks({check.person_id: check.due_at}, now)
    if check.person_id not in older:
        return _push_step("send_check")(check, params, now)
    if older[check.person_id]:
        timeline.record(check.person, *merge.MERGED_SILENT, now, check)
    else:
        _push_step("send_check")(check, params, now)
        timeline.record(check.person, *merge.MERGED_ASKED, now, check)
    return MERGED


@dataclass(frozen=True)
class PushStep:
    """A step that only pushes one message to the person (and notes it in the
    timeline). engine.advance_batch fires these for many checks at once."""

    message: Callable[[Check, dict[str, Any]], tuple[dict[str, Any], bool]]
    purpose: str
    kind: str
    text: str


PUSH_STEPS: dict[str, PushStep] = {
    "send_check": PushStep(check_message_for, "check", "check_sent", "安否確認を送信"),
    "resend": PushStep(
        resend_message_for,
        "resend",
        "resent",
        "応答がないため再送信",
    ),
    "last_notice": PushStep(
        last_notice_for,
        "last_notice",
        "last_notice",
        "緊急連絡先に連絡する前の最終メッセージを送信",
    ),
}


def _push_step(action: str) -> Handler:
    spec = PUSH_STEPS[action]

    def handler(check: Check, params: dict[str, Any], now: datetime) -> None:
        switched = bool(cost.identical_tenants({check.tenant_id}, now))
        params = cost_guarded(action, params, switched)
        message, identical = spec.message(check, params)
        row = person_push_row(check, message, spec.purpose, now, coalesce=identical)
        if row is not None:
            row.save()
        timeline.record(check.person, spec.kind, step_text(spec, params), now, check)
        return None

    handler.__name__ = action
    return handler


resend = _push_step("resend")
last_notice = _push_step("last_notice")


NO_PHONE_REASON = task_reasons.NO_PHONE


def call_task(check: Check, params: dict[str, Any], now: datetime) -> datetime | None:
    """Open a staff call to the person (deadline: ``params["deadline"]`` seconds).

    A person with no phone number (typical of group and team members, who joined
    by LINE alone) goes to the call queue only if the policy says so:
    ``no_phone`` is ``"queue"`` (the default: a card that says what else staff
    can do) or ``"skip"`` (the step is passed over, on the timeline, and the
    ladder goes on at once)."""
    if not check.person.phone and params.get("no_phone", "queue") == "skip":
        timeline.record(
            check.person,
            "call_skipped",
            "電話番号がないため、スタッフの電話は飛ばしました（エスカレーションポリシーの設定）",
            now,
            check,
        )
        return None
    reason = task_reasons.NO_ANSWER if check.person.phone else NO_PHONE_REASON
    task = open_task(check, Task.Kind.CALL_PERSON, now, timedelta(seconds=params["deadline"]), reason)
    return task.deadline


def decide_task(check: Check, params: dict[str, Any], now: datetime) -> datetime:
    expired = Task.objects.filter(
        check_run=check, kind__in=[Task.Kind.DECIDE, Task.Kind.VISIT], state=Task.State.EXPIRED
    ).count()
    reason = task_reasons.DECIDE
    if expired:
        reason = task_reasons.expired(expired, reason)
    task = open_task(check, Task.Kind.DECIDE, now, timedelta(seconds=params["deadline"]), reason)
    tenant = check.person.tenant
    if expired and tenant.staff_email:
        enqueue_email(
            tenant_id=tenant.pk,
            to=tenant.staff_email,
            subject=f"【anpi】{check.person.name}さんの対応が決まっていません",
            body=f"{check.person.name}さんの安否が確認できないまま、対応の期限が過ぎました。ダッシュボードで対応を決めてください。",
            purpose="staff_alert",
            now=now,
            person=check.person,
            check=check,
        )
    return task.deadline


def close(check: Check, params: dict[str, Any], now: datetime) -> None:
    timeline.record(check.person, "closed", "手順の最後に達したため終了", now, check)
    return None


_DEADLINE = Param("seconds", required=True, low=60)

for _action in (
    Action("send_check", send_check,
           pgettext_lazy("step description", "Send the safety check"), first=True,
           params={"message": Param("choice", choices=("personal", "identical")),
                   # engine.early: a 「げんきです」 this long before due answers in advance.
                   "early_window": Param("seconds", low=0, high=86400),
                   # engine.answer: staff's deadline for the follow-up of a
                   # 少し不調 / 話したい answer (absent: 24 h).
                   "follow_up_deadline": Param(
                       "seconds", low=FOLLOW_UP_RANGE[0], high=FOLLOW_UP_RANGE[1]
                   )}),
    Action("resend", resend, pgettext_lazy("step description", "Send it again")),
    Action("last_notice", last_notice,
           pgettext_lazy("step description", "Last message before the contacts are told")),
    Action("call_task", call_task, pgettext_lazy("step description", "Staff phone the person"),
           params={"deadline": _DEADLINE,
                   "no_phone": Param("choice", choices=("queue", "skip"))},
           held_in_quiet_hours=True),
    Action("notify_contacts", notify_contacts,
           pgettext_lazy("step description", "Tell the emergency contacts"),
           held_in_quiet_hours=True),
    Action("decide_task", decide_task,
           pgettext_lazy("step description", "Staff decide what comes next"), last=True,
           params={"deadline": _DEADLINE}),
    Action("close", close, pgettext_lazy("step description", "End"), last=True),
):
    registry.register_action(_action)

for _name, _label in (
    ("check", "安否確認"),
    ("resend", "再送信"),
    ("last_notice", "最終メッセージ"),
    ("notify_contact", "緊急連絡先への連絡"),
    ("staff_alert", "スタッフへの警告メール"),
):
    registry.register_purpose(_name, _label, on_reply_refused="push")
registry.register_purpose("thanks", "お礼", on_reply_refused="drop")
