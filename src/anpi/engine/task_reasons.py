"""Why a staff task was opened: the fixed reasons the engine writes on tasks.

A task's ``reason`` is stored as written, in the site language (Japanese), like
the timeline: it is a record of what the engine said. Staff pages show it in
the viewer's language: a stored reason that is one of the fixed texts below is
shown as its translation (msgctxt "task reason", the Japanese in the ja
catalogue is the stored text itself); any other reason (one naming a person or
a delivery error) is free text and is shown as stored.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import pgettext, pgettext_lazy

CTX = "task reason"

NO_ANSWER = "応答がありません"
NO_PHONE = (
    "応答がありません。電話番号がありません: 訪問、連絡先への確認、チーム・グループへの依頼を"
)
DECIDE = "訪問・警察への連絡など次の対応を決めてください"
NO_LINE = "LINEが未登録のため電話で確認"
CALL_CONTACT = "緊急連絡先に電話で連絡"
QUARANTINED = "システムの不具合で手順を進められません。本人に電話で確認し、管理者に連絡してください"
POLICE = "警察・消防に連絡済み: 結果がわかったら記録してください"

LABELS: dict[str, Any] = {
    NO_ANSWER: pgettext_lazy(CTX, "No answer"),
    NO_PHONE: pgettext_lazy(
        CTX,
        "No answer. No phone number: visit, ask a contact, or ask the team or group",
    ),
    DECIDE: pgettext_lazy(CTX, "Decide what comes next, such as a visit or calling the police"),
    NO_LINE: pgettext_lazy(CTX, "Not on LINE: check by phone"),
    CALL_CONTACT: pgettext_lazy(CTX, "Phone the emergency contact"),
    QUARANTINED: pgettext_lazy(
        CTX,
        "A system fault stopped the steps. Phone the person, and tell the administrator",
    ),
    POLICE: pgettext_lazy(CTX, "Police or fire service called: record the result when known"),
}

# The decide step's repeat after a deadline passed: 「期限切れ（2回目）: …」.
_EXPIRED = re.compile(r"^期限切れ（(\d+)回目）: (.+)$")


def expired(times: int, reason: str) -> str:
    """The stored reason of a decision asked again after ``times`` deadlines passed."""
    return f"期限切れ（{times}回目）: {reason}"


def reason_label(stored: str) -> str:
    """``stored`` in the active language if it is a fixed reason, else as stored."""
    found = _EXPIRED.match(stored)
    if found is not None:
        return pgettext(CTX, "Deadline passed (time %(n)s): %(reason)s") % {
            "n": found.group(1),
            "reason": reason_label(found.group(2)),
        }
    label = LABELS.get(stored)
    return stored if label is None else str(label)
