"""The LINE link code of an emergency contact cannot be guessed, and people type it
any way they like."""

from __future__ import annotations

import pytest

from anpi.engine.models import TimelineEntry
from anpi.individual.contact_link import issue_code
from anpi.people import linkcodes
from anpi.people.models import Contact, LinkCodeAttempt, Person

from .conftest import text_event

STRANGER = "U" + "d" * 32
SON = "U" + "e" * 32


@pytest.fixture
def contact(make_person, clock):
    person = make_person(
        contacts=[{"name": "一郎", "relation": "長男", "email": "ichiro@example.jp"}]
    )
    found = person.contacts.get()
    issue_code(found, clock.now())
    found.save()
    return found


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code,
        lambda code: linkcodes.display(code),
        lambda code: "れんらく " + linkcodes.display(code),
        lambda code: _full_width(linkcodes.display(code)),
        lambda code: linkcodes.display(code).replace("-", "ー").lower(),
    ],
    ids=["as stored", "as printed", "after れんらく", "full width", "long-vowel dashes, lower"],
)
def test_the_code_links_the_contact_however_it_is_typed(typed, contact, post, work, clock):
    post(text_event(SON, typed(contact.link_code), clock.now()))
    work()
    contact.refresh_from_db()
    assert contact.line_user_id == SON
    assert contact.link_code == ""  # single use


def test_a_code_works_once(contact, post, work, clock):
    code = contact.link_code
    post(text_event(SON, code, clock.now()))
    work()
    post(text_event(STRANGER, code, clock.now()))
    work()
    assert Contact.objects.get(pk=contact.pk).line_user_id == SON


def test_a_code_expires_after_24_hours(contact, post, work, clock):
    clock.advance(hours=24, minutes=1)
    post(text_event(SON, contact.link_code, clock.now()))
    work()
    assert Contact.objects.get(pk=contact.pk).line_user_id == ""


def test_a_stranger_guessing_is_stopped_after_five_wrong_codes(contact, post, work, clock):
    for n in range(5):
        post(text_event(STRANGER, f"{contact.pk + 1000}-{'ABCDE'[n] * 8}", clock.now()))
    work()
    # Even the right code is refused now, for the rest of the hour.
    post(text_event(STRANGER, contact.link_code, clock.now()))
    work()
    assert Contact.objects.get(pk=contact.pk).line_user_id == ""
    assert LinkCodeAttempt.objects.filter(line_user_id=STRANGER, ok=False).count() == 5
    clock.advance(hours=1, minutes=1)
    post(text_event(STRANGER, contact.link_code, clock.now()))
    work()
    assert Contact.objects.get(pk=contact.pk).line_user_id == STRANGER  # they had the code


def test_a_contacts_code_is_revoked_after_five_wrong_secrets_and_staff_see_why(
    contact, post, work, clock
):
    guessers = [f"U{n:032x}" for n in range(5)]  # many accounts, one contact id
    for user in guessers:
        post(text_event(user, f"{contact.pk}-BBBBBBBB", clock.now()))
    work()
    contact.refresh_from_db()
    assert contact.link_code == ""
    entry = TimelineEntry.objects.get(person=contact.person, kind="contact_code_revoked")
    assert "スタッフが新しいコードを発行" in entry.text


def test_the_code_space_makes_guessing_hopeless():
    tries_per_hour = linkcodes.MAX_USER_FAILURES
    space = len(linkcodes.ALPHABET) ** linkcodes.SECRET_LENGTH
    assert space / tries_per_hour > 10**11  # hours for one user to expect a hit


def test_someone_who_came_to_be_a_contact_is_not_left_registering(contact, post, work, clock):
    post(text_event(SON, "れんらくさきに なる", clock.now()))
    post(text_event(SON, contact.link_code, clock.now()))
    work()
    assert Contact.objects.get(pk=contact.pk).line_user_id == SON


def test_a_friend_who_links_as_a_contact_stops_being_a_registering_person(
    contact, post, work, clock
):
    from .conftest import line_event

    post(line_event("follow", SON, clock.now()))
    work()
    assert Person.objects.get(line_user_id=SON).status == Person.Status.REGISTERING
    post(text_event(SON, contact.link_code, clock.now()))
    work()
    assert Person.objects.get(line_user_id=SON).status == Person.Status.STOPPED


def test_the_consent_link_expires(client, contact, clock):
    from django.urls import reverse

    Contact.objects.filter(pk=contact.pk).update(token_issued_at=clock.now())
    clock.advance(days=15)
    response = client.get(reverse("individual:contact-confirm", args=[contact.token]))
    assert response.status_code == 404
