"""What 安否通知 says about teams: invite answers and a team's LINE group.

Claims, outcomes and alert texts are shared with つながり (``groups.messages``).
"""

from __future__ import annotations

from typing import Any


def group_linked_message(team: str) -> dict[str, Any]:
    return {"type": "text", "text": f"このグループを「{team}」の連絡用にしました。"}


def invite_done_message(role: str, team: str, summary: str = "") -> dict[str, Any]:
    if role == "watcher":
        text = f"「{team}」の見守る人として登録しました。見守り対象の方から応答がないとき、ここでお知らせします。"
    else:
        text = f"「{team}」の みまもりに はいりました。\n{summary}\nかえるときは「せってい」と おくってください。"
    return {"type": "text", "text": text}


def invite_invalid_message() -> dict[str, Any]:
    return {"type": "text", "text": "この ばんごうは つかえません。もういちど たしかめてください。"}
