"""Words staff read on the municipal pages: the labels of model choices.

The models' own choice labels are written for the code and for LINE messages
(some are English, ``Alert.Outcome`` is Japanese because the bot sends it), so
the pages never show them raw. Every label here has the message context
"municipal"; the Japanese wording lives in ``locale/ja``.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

# (model class name, field) -> {stored value: label}
CHOICE_LABELS = {
    ("Group", "kind"): {
        "peer": pgettext_lazy("municipal", "Peer group"),
        "team": pgettext_lazy("municipal", "Team alert group"),
    },
    ("Group", "status"): {
        "registering": pgettext_lazy("municipal", "Waiting for a schedule"),
        "active": pgettext_lazy("municipal", "Active"),
        "left": pgettext_lazy("municipal", "Bot removed"),
    },
    ("Alert", "state"): {
        "open": pgettext_lazy("municipal", "Waiting for someone to claim it"),
        "claimed": pgettext_lazy("municipal", "Claimed"),
        "resolved": pgettext_lazy("municipal", "Outcome recorded"),
        "closed": pgettext_lazy("municipal", "Closed (answered or cancelled)"),
    },
    ("Alert", "outcome"): {
        "safe": pgettext_lazy("municipal", "Safe"),
        "absent": pgettext_lazy("municipal", "Not at home"),
        "hospital": pgettext_lazy("municipal", "Taken to hospital"),
        "other": pgettext_lazy("municipal", "Other"),
    },
    ("Invite", "role"): {
        "watched": pgettext_lazy("municipal", "Watched person"),
        "watcher": pgettext_lazy("municipal", "Watcher"),
    },
    ("Check", "state"): {
        "open": pgettext_lazy("municipal", "Waiting for the answer"),
        "answered": pgettext_lazy("municipal", "Answered"),
        "resolved": pgettext_lazy("municipal", "Resolved by staff"),
        "cancelled": pgettext_lazy("municipal", "Cancelled"),
    },
}


def choice_label(obj, field: str) -> str:
    """The translated label of ``obj.<field>``; the model's own label if unknown."""
    value = getattr(obj, field)
    labels = CHOICE_LABELS.get((type(obj).__name__, field), {})
    if value in labels:
        return str(labels[value])
    return getattr(obj, f"get_{field}_display")()
