"""Who acts: every state change in anpi names its actor (Zulip's acting user).

An ``Actor`` is a staff user (dashboard), a LINE user (a person, contact,
member or watcher in a chat), an API token (a tenant's program calling the
JSON API, ``anpi.api``) or the system (the engine's worker, a command).
Actions take one and write it into their timeline or audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Actor:
    kind: Literal["staff", "line", "api", "system"]
    user: Any = None  # the Django user, for staff
    line_user_id: str = ""
    label: str = ""

    @classmethod
    def staff(cls, user: Any) -> Actor:
        """A signed-in staff user (``request.user``)."""
        return cls("staff", user=user, label=user.get_username())

    @classmethod
    def line(cls, line_user_id: str, name: str = "") -> Actor:
        return cls("line", line_user_id=line_user_id, label=name)

    @classmethod
    def api(cls, token_name: str, prefix: str) -> Actor:
        """A tenant's API token (``anpi.api``): named by the admin who made it,
        with its public prefix so that two tokens of one name stay apart."""
        return cls("api", label=f"API: {token_name} ({prefix})")

    @classmethod
    def system(cls, label: str = "anpi") -> Actor:
        return cls("system", label=label)

    def as_data(self) -> dict[str, Any]:
        """JSON for a timeline entry's ``data["actor"]`` or an audit row."""
        data: dict[str, Any] = {"kind": self.kind, "label": self.label}
        if self.user is not None:
            data["user_id"] = self.user.pk
        if self.line_user_id:
            data["line_user_id"] = self.line_user_id
        return data


SYSTEM = Actor.system()
