"""The code on an enrolled person's own LINE sheet: typed any way, single use,
expiring, never taken for a contact's code, and as hard to guess as one."""

from __future__ import annotations

import pytest

from anpi.engine.models import TimelineEntry
from anpi.individual import staff_actions
from anpi.people import linkcodes
from anpi.people.models import Contact, LinkCodeAttempt, Person
from anpi.tenants.actors import Actor

from .conftest import line_event, text_event

HANAKO = "U" + "a" * 32
STRANGER = "U" + "d" * 32


@pytest.fixture
def enrolled(tenant, channel, clock):
    """はなこ, enrolled by staff from a paper list: no LINE yet, a fresh code."""
    return staff_actions.do_enrol_person(
        tenant.pk,
        {"nickname": "はなこ", "phone": "+819012345678", "full_name": "山田 花子"},
        Actor.system("test"),
        clock.now(),
    )


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: linkcodes.person_code_text(code),
        lambda code: "登録 " + code,
        lambda code: _full_width(linkcodes.person_code_text(code)),
        lambda code: linkcodes.person_code_text(code).replace("-", "ー").lower(),
    ],
    ids=["as the QR code types it", "登録 + stored", "full width", "long-vowel dashes, lower"],
)
def test_the_code_links_the_person_however_it_is_typed(typed, enrolled, post, work, clock):
    post(line_event("follow", HANAKO, clock.now()))
    post(text_event(HANAKO, typed(enrolled.link_code), clock.now()))
    work()
    enrolled.refresh_from_db()
    assert enrolled.line_user_id == HANAKO and enrolled.link_code == ""


def test_a_persons_code_is_not_a_contacts_code_and_the_reverse(enrolled):
    assert linkcodes.parse(linkcodes.person_code_text(enrolled.link_code)) is None
    assert linkcodes.parse_person(linkcodes.display(enrolled.link_code)) is None
    assert linkcodes.parse_person("れんらく " + linkcodes.display(enrolled.link_code)) is None


def test_the_code_expires_after_30_days(enrolled, post, work, clock):
    clock.advance(days=30, minutes=1)
    post(text_event(HANAKO, linkcodes.person_code_text(enrolled.link_code), clock.now()))
    work()
    assert Person.objects.get(pk=enrolled.pk).line_user_id == ""


def test_a_stranger_guessing_is_stopped_after_five_wrong_codes_of_either_kind(
    enrolled, post, work, clock
):
    for n in range(5):
        post(text_event(STRANGER, f"とうろく {enrolled.pk + 1000}-{'ABCDE'[n] * 8}", clock.now()))
    work()
    post(text_event(STRANGER, linkcodes.person_code_text(enrolled.link_code), clock.now()))
    work()
    assert Person.objects.get(pk=enrolled.pk).line_user_id == ""
    assert LinkCodeAttempt.objects.filter(line_user_id=STRANGER, ok=False).count() == 5


def test_a_persons_code_is_revoked_after_five_wrong_secrets_and_staff_see_why(
    enrolled, post, work, clock
):
    for n in range(5):  # many accounts, one person id
        post(text_event(f"U{n:032x}", f"とうろく {enrolled.pk}-BBBBBBBB", clock.now()))
    work()
    enrolled.refresh_from_db()
    assert enrolled.link_code == ""
    entry = TimelineEntry.objects.get(person=enrolled, kind="link_code_revoked")
    assert "新しいコードを印刷" in entry.text


def test_a_line_user_who_is_already_watched_cannot_take_an_enrolled_persons_code(
    enrolled, make_person, post, work, clock
):
    make_person("うめ", line_user_id=HANAKO, phone="+819099998888")
    post(text_event(HANAKO, linkcodes.person_code_text(enrolled.link_code), clock.now()))
    work()
    enrolled.refresh_from_db()
    assert enrolled.line_user_id == "" and enrolled.link_code  # still there for the right person
    assert Person.objects.get(line_user_id=HANAKO).nickname == "うめ"


def test_contacts_keep_linking_with_their_own_codes(enrolled, make_person, post, work, clock):
    from anpi.individual.contact_link import issue_code

    person = make_person(contacts=[{"name": "一郎", "relation": "長男", "email": "i@example.jp"}])
    contact = person.contacts.get()
    issue_code(contact, clock.now())
    contact.save()
    post(text_event(STRANGER, linkcodes.display(contact.link_code), clock.now()))
    work()
    assert Contact.objects.get(pk=contact.pk).line_user_id == STRANGER


def test_the_code_of_an_erased_person_links_nobody(enrolled, post, work, clock):
    from anpi.engine.retention import erase_person

    code = enrolled.link_code
    erase_person(enrolled, clock.now(), actor=Actor.system("test"), reason="request")
    post(line_event("follow", HANAKO, clock.now()))
    post(text_event(HANAKO, linkcodes.person_code_text(code), clock.now()))
    work()
    assert Person.objects.get(pk=enrolled.pk).line_user_id == ""
    assert Person.objects.get(line_user_id=HANAKO).status == Person.Status.REGISTERING
