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
# やさしい日本語 on the buttons; the kanji words of buttons sent before are still
# understood (OUTCOME_RE), so an old message tapped today records the same.
OUTCOME_LABELS = {
    "safe": "ぶじでした",
    "absent": "るすでした",
    "hospital": "びょういんへ はこばれた",
    "other": "そのほか",
}
OLD_OUTCOME_LABELS = {
    "safe": "無事でした",
    "absent": "不在でした",
    "hospital": "救急搬送",
    "other": "その他",
}
# 救急搬送 is never the green of 無事: a warning colour, and grey for the rest.
WARNING = "#C92A2A"
OUTCOME_COLORS = {"safe": GREEN, "absent": "#868E96", "hospital": WARNING, "other": "#868E96"}
CLAIM_RE = re.compile(r"^\s*No\.(\d+)\s.*(確認します|対応します)\s*$")
_OUTCOME_WORDS = "|".join(
    re.escape(label) for label in [*OUTCOME_LABELS.values(), *OLD_OUTCOME_LABELS.values()]
)
OUTCOME_RE = re.compile(rf"^\s*No\.(\d+)\s+({_OUTCOME_WORDS})(?:[\s:：]+(.+))?$", re.S)
OUTCOME_BY_LABEL = {
    **{label: key for key, label in OLD_OUTCOME_LABELS.items()},
    **{label: key for key, label in OUTCOME_LABELS.items()},
}


def message_button(label: str, text: str) -> dict[str, Any]:
    return {"type": "message", "label": label, "text": text}


def _buttons_bubble(
    lines: list[dict[str, Any]], buttons: list[tuple[dict[str, Any], str]]
) -> dict[str, Any]:
    """A bubble with one primary button per (action, colour)."""
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": lines},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {"type": "button", "style": "primary", "height": "sm", "color": color, "action": b}
                for b, color in buttons
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
    """One welcome per join event, naming everyone who joined in it. It asks
    for no button: the check message brings its own."""
    who = "、".join(f"{n}さん" for n in names)
    return {
        "type": "text",
        "text": f"{who}、ようこそ。\n「げんきですか？」が とどいたら「げんきです」を おしてください。",
    }


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


def all_clear_message(name: str, reason: str) -> dict[str, Any]:
    """The all-clear after an alert (engine.allclear), in やさしい日本語."""
    why = {
        "ok": f"{name}さんから へんじが ありました。",
        "staff_safe": f"スタッフが {name}さんと はなしました。ぶじです。",
        "watcher_safe": f"{name}さんに あいに いきました。ぶじでした。",
        "contact_safe": f"かぞくなどから {name}さんは ぶじと れんらくが ありました。",
        "away": f"{name}さんは にゅういん・おでかけ ちゅうと わかりました。",
        "paused": f"{name}さんから「しばらく るすに する」と れんらくが ありました。",
        # Graded answers (engine.answer): the person answered, but is not quite fine.
        "unwell": f"{name}さんから へんじが ありました。すこし ぐあいが わるい そうです。"
        "かかりの ひとが れんらくします。",
        "talk": f"{name}さんから へんじが ありました。はなしたい そうです。"
        "かかりの ひとが れんらくします。",
    }[reason]
    return {"type": "text", "text": f"{why}\nありがとうございました。"}


def member_thanks_message(name: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{name}さん、ありがとうございます。"}


def member_answered_after_alert_message(name: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{name}さんから へんじが ありました。あんしんしました。"}


def claim_text(alert_id: int, name: str, kind: str) -> str:
    if kind == "peer":
        return f"No.{alert_id} {name}さんを確認します"
    return f"No.{alert_id} {name}さんの件、対応します"


def alert_message(alert_id: int, name: str, kind: str, *, again: bool = False) -> dict[str, Any]:
    """「○○さんから へんじが ありません」 with one claim button (やさしい日本語)."""
    word = CLAIM_WORDS[kind]
    headline = f"{name}さんから へんじが ありません"
    body = (
        "だれか ようすを みに いけますか？\nいける ひとは ボタンを おしてください。"
        if kind == "peer"
        else "ようすを みに いける ひとは「たいおうします」の ボタンを おしてください。"
    )
    if again:
        body = "まだ だれも いって いません。\n" + body
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
    headline = f"{claimer}さんが みに いきます"
    buttons = [
        (message_button(label, f"No.{alert_id} {label}"), OUTCOME_COLORS[key])
        for key, label in OUTCOME_LABELS.items()
    ]
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
    return {"type": "text", "text": f"もう {claimer}さんが みに いって います。"}


def alert_closed_message(person: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{person}さんの かくにんは もう おわって います。"}


def not_claimer_message(claimer: str) -> dict[str, Any]:
    return {"type": "text", "text": f"けっかは みに いった {claimer}さんが おしてください。"}


def ask_note_message() -> dict[str, Any]:
    return {"type": "text", "text": "ようすを ひとことで おくってください。"}


def outcome_recorded_message(person: str, outcome_label: str, safe: bool) -> dict[str, Any]:
    tail = "ありがとうございました。" if safe else "スタッフに つたえました。"
    return {"type": "text", "text": f"{person}さん: {outcome_label}。\n{tail}"}


def claimed_elsewhere_message(person: str, claimer: str) -> dict[str, Any]:
    return {"type": "text", "text": f"{person}さんの ところへは {claimer}さんが いきます。"}
