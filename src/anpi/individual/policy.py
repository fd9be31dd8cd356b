"""The individual service's default escalation policy: the reference NPO's ladder.

A 「げんきです」 in the 12 h before the check answers it early (no push); a
「すこし ぐあいが わるい」 or 「はなしたい」 answers it and asks staff to call within
24 h (a follow-up, not an emergency). Check →
no OK within 24 h: re-send → 3 h later: a staff phone call (2 h to
call) → one more LINE message → 2 h later: the emergency contacts → staff decide
what comes next (repeats, and e-mails staff, until someone acts). It is the
engine's fallback policy (``registry.fallback_policy``) for any person whose
tenant has no default policy of its own and no other service decides.
"""

from __future__ import annotations

from typing import Any

HOUR = 3600

INDIVIDUAL_DEFAULT: list[dict[str, Any]] = [
    # A 「げんきです」 (rich menu or typed) up to 12 h before the check answers it
    # in advance: no push (engine.early).
    # A 少し不調 / 話したい answer opens a staff follow-up due within 24 h (engine.answer).
    {
        "after": 0,
        "action": "send_check",
        "params": {"early_window": 12 * HOUR, "follow_up_deadline": 24 * HOUR},
    },
    {"after": 24 * HOUR, "action": "resend"},
    {"after": 3 * HOUR, "action": "call_task", "params": {"deadline": 2 * HOUR}},
    {"after": 0, "action": "last_notice"},
    {"after": 2 * HOUR, "action": "notify_contacts"},
    {"after": 0, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
]
