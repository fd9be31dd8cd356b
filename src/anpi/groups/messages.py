"""What the bot says in group chats and to watchers.

Peers in a つながり group are often elderly: short やさしい日本語 and one large
button. Buttons are *message actions*: tapping one makes the member say its text
in the chat, and LINE's message event always carries ``source.userId``, so we know
who answered or claimed even where a postback would not say (LINE.md).
Watchers of a municipal team get ordinary Japanese.

Texts carry the alert number (``No.12``) so a claim or outcome names its alert.
"""

from __future__ import annotations

import re
from typing import Any

from anpi.channels.line import flex
from anpi.channels.line.flex import GREEN

OK_TEXT = "げんきです"
JOIN_TEXT = "さんか"
SETTINGS_TEXT = "せってい"
CLAIM_WORDS = {"peer": "確認します", "team": "対応します"}
OUTCOME_LABELS = {
    "safe": "無事でした",
    "absent": "不在でした",
    "hospital": "救急搬送",
    "other": "その他",
}
CLAIM_RE = re.compile(r"^\s*No\.(\d+)\s.*(確認します|対応します)\s*$")
OUTCOME_RE = re.compile(
    r"^\s*No\.(\d+)\s+(無事でした|不在でした|救急搬送|その他)(?:[\s:：]+(.+))?$", re.S
)
OUTCOME_BY_LABEL = {label: key for key, label in OUTCOME_LABELS.items()}


def message_button(label: str, text: str) -> dict[str, Any]:
    return {"type": "message", "label": label, "text": text}


def _buttons_bubble(lines: list[dict[str, Any]], buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": lines},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {"type": "button", "style": "primary", "height": "sm", "color": GREEN, "action": b}
                for b in buttons
            ],
        },
    }


def group_welcome_message(url: str) -> dict[str, Any]:
    return {
        "type": "flex",
        "altText": "つながりの みまもりを はじめます",
        "contents": flex.bubble(
            [
                flex.text("よろしく おねがいします。", weight="bold", size="lg"),
                flex.text(
                    "この グループに ときどき「げんきですか？」と ききます。\n"
                    "まず じかんを きめてください。\n"
                    "みなさん「さんか」と おくってください。",
                    size="md",
                ),
            ],
            {"type": "uri", "label": "じかんを きめる", "uri": url},
        ),
    }


def team_welcome_message() -> dict[str, Any]:
    return {
        "type": "text",
        "text": "招待ありがとうございます。このグループを見守りチームの連絡用にするには、"
        "管理画面に表示されている「チーム番号」を送ってください。",
    }


def group_settings_link_message(url: str) -> dict[str, Any]:
    return {
        "type": "flex",
        "altText": "じかんを きめる",
        "contents": flex.bubble(
            [flex.text("かくにんの じかんは ここで きめます。", size="lg")],
            {"type": "uri", "label": "じかんを きめる", "uri": url},
        ),
    }


def group_settings_saved_message(summary: str) -> dict[str, Any]:
    return {"type": "text", "text": f"じかんを きめました。\n{summary}"}


def member_joined_text(names: list[str]) -> dict[str, Any]:
    who = "、".join(f"{n}さん" for n in names)
    return {"type": "text", "text": f"{who}、ようこそ。\nげんきなら ボタンを おしてください。"}


def group_check_message() -> dict[str, Any]:
    return {
        "type": "flex",
        "altText": "みなさん、げんきですか？",
        "contents": flex.bubble(
            [
                flex.text("みなさん", weight="bold", size="xl"),
                flex.text("げんきですか？\nげんきなら ボタンを おしてください。", size="lg"),
            ],
            message_button(OK_TEXT, OK_TEXT),
        ),
    }


def member_thanks_message(name: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{name}さん、ありがとうございます。"}


def member_answered_after_alert_message(name: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{name}さんから へんじが ありました。あんしんしました。"}


def claim_text(alert_id: int, name: str, kind: str) -> str:
    if kind == "peer":
        return f"No.{alert_id} {name}さんを確認します"
    return f"No.{alert_id} {name}さんの件、対応します"


def alert_message(alert_id: int, name: str, kind: str, *, again: bool = False) -> dict[str, Any]:
    """「○○さんから安否確認が届いていません」 with one claim button."""
    word = CLAIM_WORDS[kind]
    headline = f"{name}さんから安否確認が届いていません"
    body = (
        "だれか ようすを みに いけますか？\nいける ひとは ボタンを おしてください。"
        if kind == "peer"
        else "訪問などで確認できる方は「対応します」を押してください。"
    )
    if again:
        body = (
            "まだ だれも 確認して いません。\n" + body
            if kind == "peer"
            else ("まだ誰も対応していません。" + body)
        )
    return {
        "type": "flex",
        "altText": headline,
        "contents": flex.bubble(
            [flex.text(headline, weight="bold", size="lg"), flex.text(f"No.{alert_id}\n{body}")],
            message_button(word, claim_text(alert_id, name, kind)),
            color="#E8590C",
        ),
    }


def claimed_message(alert_id: int, person: str, claimer: str, kind: str) -> dict[str, Any]:
    """Everyone sees who went; the claimer gets the outcome buttons."""
    headline = f"{claimer}さんが確認に行きます" if kind == "peer" else f"{claimer}さんが対応します"
    buttons = [message_button(label, f"No.{alert_id} {label}") for label in OUTCOME_LABELS.values()]
    return {
        "type": "flex",
        "altText": headline,
        "contents": _buttons_bubble(
            [
                flex.text(headline, weight="bold", size="lg"),
                flex.text(
                    f"No.{alert_id} {person}さん\n{claimer}さん、ようすが わかったら おしてください。"
                ),
            ],
            buttons,
        ),
    }


def already_claimed_message(claimer: str) -> dict[str, Any]:
    return {"type": "text", "text": f"すでに{claimer}さんが確認に行っています。"}


def alert_closed_message(person: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{person}さんの 確認は もう おわっています。"}


def not_claimer_message(claimer: str) -> dict[str, Any]:
    return {"type": "text", "text": f"けっかは 確認に 行った {claimer}さんが おしてください。"}


def ask_note_message() -> dict[str, Any]:
    return {"type": "text", "text": "ようすを ひとことで おくってください。"}


def outcome_recorded_message(person: str, outcome_label: str, safe: bool) -> dict[str, Any]:
    tail = "ありがとうございました。" if safe else "スタッフに つたえました。"
    return {"type": "text", "text": f"{person}さん: {outcome_label}。\n{tail}"}


def claimed_elsewhere_message(person: str, claimer: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{person}さんの件は{claimer}さんが対応します。"}
