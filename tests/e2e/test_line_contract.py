"""Every request anpi sends to LINE conforms to LINE's official OpenAPI spec.

The scenario makes anpi send each kind of message it has (greeting with a link,
check, re-send, last notice, thank-you, help, a contact alert over LINE) and asks
for a profile; then each request the simulator recorded is validated against
shared/line-openapi/messaging-api.yml with openapi-core.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache

import pytest

from spec_validation import SPEC_DIR, SpecValidator

SPEC = SPEC_DIR / "messaging-api.yml"

pytestmark = pytest.mark.skipif(
    not SPEC.exists(), reason=f"LINE's OpenAPI spec not found at {SPEC}"
)


@lru_cache(maxsize=1)
def openapi():
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(SPEC))


def validate(recorded: dict) -> None:
    from openapi_core.testing import MockRequest

    body = recorded.get("body")
    headers = {k.lower(): v for k, v in recorded["headers"].items()}
    content_type = headers.get("content-type", "application/json").split(";")[0]
    data = json.dumps(body).encode() if body is not None else None
    host = "https://api.line.me"
    if content_type.startswith("image/"):
        # An upload to the data host: the simulator logs its size, not its bytes.
        data, body, host = b"\x89PNG\r\n\x1a\n", None, "https://api-data.line.me"
    request = MockRequest(
        host,
        recorded["method"].lower(),
        recorded["path"],
        args=recorded.get("query") or {},
        headers=headers,
        data=data,
        content_type=content_type,
    )
    openapi().validate_request(request)
    # openapi-core does not follow discriminators into messages and Flex
    # components; the walker does.
    messaging = SpecValidator("messaging-api.yml")
    schema = messaging.request_schema_name(recorded["method"], recorded["path"])
    if schema and body is not None:
        messaging.validate(body, schema)


def test_every_request_anpi_sends_validates_against_lines_spec(line, clock, smtp):
    from anpi.people.models import Person

    user = line.new_user("山田花子")  # profile lookup + greeting reply
    person = line.register(user, "はなこ")
    son = line.new_user("山田一郎", follow=False)
    line.control.follow(son, line.channel.bot_user_id)
    person.contacts.create(
        tenant=person.tenant,
        name="一郎",
        relation="長男",
        confirmed_at=clock.now(),
        link_code="0-K7QX2MPA",
        link_code_expires_at=clock.now() + timedelta(hours=24),
    )
    contact = person.contacts.get()
    contact.link_code = f"{contact.pk}-K7QX2MPA"
    contact.save(update_fields=["link_code"])
    line.work()
    line.control.text(son, f"{contact.pk}-K7QX-2MPA")  # the contact links LINE
    line.control.text(user, "こんにちは")  # help reply
    for hours in (1, 24, 3, 2, 2):  # check, re-send, call, last notice, contacts
        clock.advance(hours=hours)
        line.work()
    line.control.tap(user, "げんきです")  # thank-you reply
    line.work()

    recorded = [r for r in line.control.requests() if r["path"].startswith("/v2/")]
    kinds = {(r["method"], r["path"]) for r in recorded}
    assert ("POST", "/v2/bot/message/push") in kinds
    assert ("POST", "/v2/bot/message/reply") in kinds
    assert any(path.startswith("/v2/bot/profile/") for _, path in kinds)
    assert any(r["body"] and r["body"].get("to") == son for r in recorded)  # the LINE alert
    for r in recorded:
        validate(r)
    assert Person.objects.filter(line_user_id=user).get().checks.filter(state="answered").exists()


def test_the_validator_catches_a_request_that_breaks_the_spec():
    from jsonschema.exceptions import ValidationError
    from openapi_core.exceptions import OpenAPIError

    bad = {
        "method": "POST",
        "path": "/v2/bot/message/push",
        "headers": {"Authorization": "Bearer x", "Content-Type": "application/json"},
        "body": {"to": "U" + "0" * 32, "messages": [{"type": "text"}]},  # text is required
    }
    with pytest.raises((OpenAPIError, ValidationError)):
        validate(bad)


def test_the_validator_follows_discriminators_into_flex_components():
    from jsonschema.exceptions import ValidationError

    from anpi.engine.messages import check_message

    message = check_message("はなこ", 1)
    SpecValidator("messaging-api.yml").validate(message, "Message")
    message["contents"]["footer"]["contents"][0]["action"]["type"] = "teleport"
    with pytest.raises(ValidationError):
        SpecValidator("messaging-api.yml").validate(message, "Message")


def test_connecting_a_channel_sends_requests_that_validate_against_lines_spec(
    sim, live_server, settings, client, tenant_admin, transactional_db
):
    """The LINE page's calls (bot info, set / get / test the webhook URL)."""
    settings.BASE_URL = live_server.url
    settings.ANPI_LINE_API_HOST = sim.url
    sim.control.add_channel("contract-secret", "contract-token")
    client.force_login(tenant_admin)
    page = client.post(
        "/settings/line/", {"channel_secret": "contract-secret", "access_token": "contract-token"}
    )
    assert page.context["outcome"].ok
    recorded = [r for r in sim.control.requests() if r["path"].startswith("/v2/")]
    calls = [(r["method"], r["path"]) for r in recorded]
    assert calls[:4] == [
        ("GET", "/v2/bot/info"),
        ("PUT", "/v2/bot/channel/webhook/endpoint"),
        ("POST", "/v2/bot/channel/webhook/test"),
        ("GET", "/v2/bot/channel/webhook/endpoint"),
    ]
    # Then the 「げんきです」 rich menu: created, its image uploaded, made the default.
    assert calls[4] == ("POST", "/v2/bot/richmenu")
    assert ("POST", "/v2/bot/user/all/richmenu/" + recorded[4]["response"]["richMenuId"]) in calls
    for r in recorded:
        validate(r)
