"""What 安否通知 says about teams: invite answers and a team's LINE group.

Claims, outcomes and alert texts are shared with つながり (``groups.messages``).
"""

from __future__ import annotations

from typing import Any

from anpi.engine.phrases import contact_language, say, say_to_contact


def group_linked_message(team: str) -> dict[str, Any]:
    return {"type": "text", "text": f"このグループを「{team}」の連絡用にしました。"}


def invite_done_message(
    role: str, team: str, summary: str = "", language: str | None = None
) -> dict[str, Any]:
    """The answer to an invite code, in ``language`` (the LINE user's, as far as
    anpi knows it: ``individual.follow_language`` takes it from the LINE app at
    the follow). A watcher (民生委員, volunteer) is told in ordinary language, as
    contacts are; a watched person in the person texts (やさしい日本語 by default)."""
    if role == "watcher":
        text = say_to_contact(contact_language(language), "watcher_joined", team=team)
    else:
        text = say(language, "team_joined", team=team, summary=summary)
    return {"type": "text", "text": text}


def invite_invalid_message(language: str | None = None) -> dict[str, Any]:
    return {"type": "text", "text": say(language, "invite_invalid")}
