"""What anpi says, as LINE message objects.

Messages to watched persons are short, in やさしい日本語 (easy Japanese, mostly
hiragana, short sentences) with one large button. Messages to contacts and staff
are ordinary Japanese. Every builder returns plain dicts in the Messaging API's
JSON shape; the LINE transport hands them to the official SDK.
"""

from __future__ import annotations

from typing import Any

OK_LABEL = "げんきです"
GREEN = "#06C755"


def postback_data(action: str, check_id: int | None = None) -> str:
    return f"anpi:{action}:{check_id or 0}"


def parse_postback_data(data: str) -> tuple[str, int | None] | None:
    """Inverse of postback_data; None for data that is not ours."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "anpi":
        return None
    try:
        check_id = int(parts[2]) or None
    except ValueError:
        return None
    return parts[1], check_id


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": text, "wrap": True, **style}


def _bubble(
    lines: list[dict[str, Any]], button: dict[str, Any], color: str = GREEN
) -> dict[str, Any]:
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": lines},
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "height": "md",
                    "color": color,
                    "action": button,
                }
            ],
        },
    }


def ok_button(check_id: int | None) -> dict[str, Any]:
    return {
        "type": "postback",
        "label": OK_LABEL,
        "data": postback_data("ok", check_id),
        "displayText": OK_LABEL,
    }


def _question(
    alt: str, title: str, body: str, check_id: int | None, color: str = GREEN
) -> dict[str, Any]:
    """A question to the person: a title, a short text and the one big OK button."""
    return {
        "type": "flex",
        "altText": alt,
        "contents": _bubble(
            [_text(title, weight="bold", size="xl"), _text(body, size="lg")],
            ok_button(check_id),
            color=color,
        ),
    }


def check_message(name: str, check_id: int) -> dict[str, Any]:
    return _question(
        f"{name}さん、げんきですか？",
        f"{name}さん",
        "げんきですか？\nげんきなら ボタンを おしてください。",
        check_id,
    )


def identical_check_message() -> dict[str, Any]:
    """The check message without a name or check id: the same bytes for every
    person, so LINE can take it as one multicast (engine.multicast). The OK
    needs no check id: ``answer_ok`` answers every open check of the person."""
    return _question(
        "げんきですか？",
        "あんぴの かくにん",
        "げんきですか？\nげんきなら ボタンを おしてください。",
        None,
    )


def resend_message(name: str, check_id: int) -> dict[str, Any]:
    return _question(
        f"{name}さん、へんじが ありません。げんきですか？",
        f"{name}さん",
        "へんじが ありません。\nげんきですか？ ボタンを おしてください。",
        check_id,
    )


def last_notice_message(name: str, check_id: int) -> dict[str, Any]:
    return _question(
        f"{name}さん、れんらくが とれません。",
        f"{name}さん",
        "れんらくが とれません。\nこのあと かぞくなどに れんらくします。\n"
        "げんきなら ボタンを おしてください。",
        check_id,
        color="#E8590C",
    )


def thanks_message() -> dict[str, Any]:
    return {"type": "text", "text": "ありがとうございます。あんしんしました。"}


def settings_link_message(url: str, *, welcome: bool) -> dict[str, Any]:
    intro = (
        "ともだち ついか ありがとうございます。\nこれから ときどき「げんきですか？」と ききます。\n"
        "まず せっていを してください。"
        if welcome
        else "せっていは ここから かえられます。"
    )
    return {
        "type": "flex",
        "altText": "せっていを してください",
        "contents": _bubble(
            [_text(intro, size="lg")],
            {"type": "uri", "label": "せってい する", "uri": url},
        ),
    }


def welcome_back_message() -> dict[str, Any]:
    return {"type": "text", "text": "おかえりなさい。また「げんきですか？」と ききますね。"}


def help_message() -> dict[str, Any]:
    return {
        "type": "text",
        "text": "「げんきです」の ボタンを おしてください。\nせっていを かえるときは「せってい」と おくってください。",
    }


def registered_message(summary: str) -> dict[str, Any]:
    return {"type": "text", "text": f"せっていが おわりました。\n{summary}"}


def contact_linked_message(person_name: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": f"{person_name}さんの緊急連絡先として登録しました。応答がないときにLINEでお知らせします。",
    }


def contact_alert_text(person_name: str, tenant_name: str) -> str:
    return (
        f"【{tenant_name}】{person_name}さんから安否確認の応答がありません。"
        "スタッフからの電話にもつながりませんでした。"
        f"可能であれば{person_name}さんに連絡を取るか、様子を見に行ってください。"
    )


def contact_alert_message(person_name: str, tenant_name: str) -> dict[str, Any]:
    return {"type": "text", "text": contact_alert_text(person_name, tenant_name)}


def contact_request_email(
    person_name: str, tenant_name: str, relation: str, url: str
) -> tuple[str, str]:
    """Subject and body of the e-mail asking someone to be an emergency contact."""
    subject = f"【{tenant_name}】緊急連絡先になっていただけますか（{person_name}さんより）"
    body = (
        f"{person_name}さん（あなたとの関係：{relation}）が、{tenant_name}の見守りサービスで、"
        "あなたを緊急連絡先として登録しようとしています。\n\n"
        f"このサービスでは、{person_name}さんにLINEで定期的に「げんきですか？」と確認します。"
        "応答がなく、スタッフからの電話にもつながらないとき、緊急連絡先のあなたにお知らせします。"
        f"そのときは、できる範囲で{person_name}さんに連絡を取るか、様子を見に行ってください。\n\n"
        "引き受けていただけるかどうか、次のページでお答えください"
        "（お断りいただくこともできます）。\n"
        f"{url}\n\n"
        "お心当たりのない場合は、このメールを破棄してください。あなたが引き受けるまで、"
        "緊急連絡先として扱われることはありません。\n"
    )
    return subject, body


def contact_accepted_message(contact_name: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": f"{contact_name}さんが れんらくさきに なってくれました。",
    }


def contact_declined_message(contact_name: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": (
            f"{contact_name}さんは れんらくさきに なれない そうです。\n"
            "ほかの ひとを えらぶときは「せってい」と おくってください。"
        ),
    }
