"""The mobile settings page reached by the one-time link from LINE."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from anpi.engine.models import Outbox, TimelineEntry
from anpi.individual import links
from anpi.individual.links import settings_token
from anpi.people.models import Contact, Person

from .helpers import contact_fields, management

JST = ZoneInfo("Asia/Tokyo")


def settings_path(person: Person) -> str:
    return reverse("individual:settings", args=[settings_token(person)])


def reload(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


# --- showing the form ---------------------------------------------------------------


def test_the_link_shows_a_japanese_form_without_using_the_link_up(client, newcomer):
    nonce = newcomer.settings_nonce
    response = client.get(settings_path(newcomer))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="ja"' in html
    assert "ニックネーム" in html
    assert "しゅくじつは おやすみ" in html
    assert "りようきやく" in html
    assert "ほぞん する" in html
    assert reload(newcomer).settings_nonce == nonce


def test_the_form_offers_times_in_half_hour_steps_from_six_to_nine_pm(client, newcomer):
    html = client.get(settings_path(newcomer)).content.decode()
    assert '<option value="06:00"' in html
    assert '<option value="06:30"' in html
    assert '<option value="21:00"' in html
    assert '<option value="21:30"' not in html
    assert '<option value="05:30"' not in html


def test_the_page_is_large_type_and_tells_proxies_not_to_keep_it(client, newcomer):
    response = client.get(settings_path(newcomer))
    assert "font-size: 20px" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


def test_the_line_name_is_suggested_as_nickname(client, newcomer):
    html = client.get(settings_path(newcomer)).content.decode()
    assert 'value="山田花子"' in html


# --- saving --------------------------------------------------------------------------


def test_saving_the_form_activates_checks_at_the_chosen_time(client, newcomer, form_data):
    form_data.update(check_time="09:30", skip_holidays="on")
    response = client.post(settings_path(newcomer), form_data)
    assert response.status_code == 302
    assert response["Location"] == reverse("individual:settings-done")

    person = reload(newcomer)
    assert person.status == Person.Status.ACTIVE
    assert person.nickname == "はなこ"
    assert person.phone == "+819012345678"
    assert person.schedule_kind == "interval"
    assert person.interval_days == 1
    assert person.check_time == time(9, 30)
    assert person.skip_holidays is True
    assert person.schedule_anchor == date(2026, 12, 1)
    # The clock says 08:00 JST on Tue 1 Dec 2026: today's 09:30 is still ahead.
    assert person.next_check_at == datetime(2026, 12, 1, 9, 30, tzinfo=JST)
    assert person.consent_at == datetime(2026, 12, 1, 8, 0, tzinfo=JST)


def test_a_time_already_past_today_starts_tomorrow(client, newcomer, form_data):
    form_data.update(check_time="07:00")
    client.post(settings_path(newcomer), form_data)
    assert reload(newcomer).next_check_at == datetime(2026, 12, 2, 7, 0, tzinfo=JST)


def test_chosen_weekdays_put_the_first_check_on_the_next_chosen_day(client, newcomer, form_data):
    # 2026-12-01 is a Tuesday; Monday and Thursday are chosen.
    form_data.update(schedule_kind="weekdays", weekdays=["0", "3"], check_time="10:00")
    client.post(settings_path(newcomer), form_data)
    person = reload(newcomer)
    assert person.schedule_kind == "weekdays"
    assert person.weekdays == "0,3"
    assert person.next_check_at == datetime(2026, 12, 3, 10, 0, tzinfo=JST)


def test_every_three_days_counts_from_today(client, newcomer, form_data):
    form_data.update(interval_days="3", check_time="06:00")
    client.post(settings_path(newcomer), form_data)
    person = reload(newcomer)
    assert person.interval_days == 3
    assert person.next_check_at == datetime(2026, 12, 4, 6, 0, tzinfo=JST)


def test_full_width_digits_are_accepted_for_the_phone_number(client, newcomer, form_data):
    form_data.update(phone="０９０－１２３４－５６７８")
    client.post(settings_path(newcomer), form_data)
    assert reload(newcomer).phone == "+819012345678"


def test_a_landline_number_is_stored_in_international_form(client, newcomer, form_data):
    form_data.update(phone="03-1234-5678")
    client.post(settings_path(newcomer), form_data)
    assert reload(newcomer).phone == "+81312345678"


def test_saving_records_the_registration_on_the_timeline(client, newcomer, form_data):
    client.post(settings_path(newcomer), form_data)
    entry = TimelineEntry.objects.get(person=newcomer, kind="registered")
    assert entry.text == "設定を保存"
    assert entry.at == datetime(2026, 12, 1, 8, 0, tzinfo=JST)


def test_the_registered_push_lands_in_the_outbox_in_easy_japanese(client, newcomer, form_data):
    client.post(settings_path(newcomer), form_data)
    row = Outbox.objects.get(purpose="registered")
    assert row.transport == "line"
    assert row.method == "push"
    assert row.recipient == newcomer.line_user_id
    assert row.channel_id == newcomer.channel_id
    text = row.payload["messages"][0]["text"]
    assert "まいにち 9:00 に ききます" in text
    assert "つぎは 12がつ 1にち 9:00 です" in text


def test_the_done_page_shows_the_summary(client, newcomer, form_data):
    response = client.post(settings_path(newcomer), form_data, follow=True)
    html = response.content.decode()
    assert "せっていが おわりました" in html
    assert "まいにち 9:00 に ききます" in html


# --- one use only ---------------------------------------------------------------------


def test_the_link_works_once(client, newcomer, form_data):
    path = settings_path(newcomer)
    client.post(path, form_data)
    saved = reload(newcomer)

    other_browser = client.__class__()
    form_data.update(nickname="べつの なまえ", check_time="12:00")
    response = other_browser.post(path, form_data)
    assert response.status_code == 404
    assert "せってい" in response.content.decode()
    assert "もう つかいました" in response.content.decode()
    after = reload(newcomer)
    assert after.nickname == "はなこ"
    assert after.check_time == saved.check_time
    assert Outbox.objects.filter(purpose="registered").count() == 1


def test_a_double_tapped_save_button_shows_the_done_page(client, newcomer, form_data):
    path = settings_path(newcomer)
    client.post(path, form_data)
    response = client.post(path, form_data)
    assert response.status_code == 302
    assert response["Location"] == reverse("individual:settings-done")
    assert Outbox.objects.filter(purpose="registered").count() == 1


def test_a_used_link_cannot_even_be_opened_by_another_browser(client, newcomer, form_data):
    path = settings_path(newcomer)
    client.post(path, form_data)
    assert client.__class__().get(path).status_code == 404


def test_going_back_to_a_used_link_shows_what_was_saved(client, newcomer, form_data):
    path = settings_path(newcomer)
    client.post(path, form_data)
    response = client.get(path, follow=True)
    html = response.content.decode()
    assert "せっていが おわりました" in html and "まいにち" in html
    assert "つかいました" not in html


def test_an_expired_link_says_to_ask_for_a_new_one_in_line(
    client, newcomer, form_data, monkeypatch
):
    path = settings_path(newcomer)
    monkeypatch.setattr(links, "MAX_AGE", -1)
    response = client.post(path, form_data)
    assert response.status_code == 410
    html = response.content.decode()
    assert "きげんが きれました" in html
    assert "「せってい」と おくってください" in html
    assert reload(newcomer).status == Person.Status.REGISTERING


def test_the_link_expires_after_a_week_on_anpis_clock_not_the_computers(
    client, clock, newcomer, form_data
):
    # The demo's fast clock and a test's fixed clock both age links: a week of
    # anpi time is a week, however little real time went by.
    path = settings_path(newcomer)
    clock.advance(days=6, hours=23)
    assert client.get(path).status_code == 200
    clock.advance(hours=2)
    response = client.post(path, form_data)
    assert response.status_code == 410
    assert reload(newcomer).status == Person.Status.REGISTERING


def test_a_forged_link_is_a_friendly_404(client, newcomer):
    response = client.get(reverse("individual:settings", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "リンクが ただしく ありません" in response.content.decode()


def test_a_link_to_a_deleted_person_is_a_404(client, newcomer):
    path = settings_path(newcomer)
    newcomer.delete()
    assert client.get(path).status_code == 404


# --- validation: nothing is half-saved ----------------------------------------------


def assert_nothing_saved(person: Person) -> None:
    after = reload(person)
    assert after.status == Person.Status.REGISTERING
    assert after.settings_nonce == person.settings_nonce
    assert after.nickname == ""
    assert after.next_check_at is None
    assert not Contact.objects.filter(person=person).exists()
    assert not Outbox.objects.exists()
    assert not TimelineEntry.objects.filter(person=person).exists()


def post_invalid(client, person, data) -> str:
    response = client.post(settings_path(person), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "なおす ところが あります" in html
    return html


def test_an_invalid_phone_number_gets_a_japanese_error_and_saves_nothing(
    client, newcomer, form_data
):
    form_data.update(
        phone="12345",
        **contact_fields(0, name="さとう", relation="ともだち", email="sato@example.com"),
    )
    html = post_invalid(client, newcomer, form_data)
    assert "でんわばんごうが ただしく ありません" in html
    assert_nothing_saved(newcomer)


def test_a_missing_nickname_is_an_error(client, newcomer, form_data):
    form_data.update(nickname="  ")
    html = post_invalid(client, newcomer, form_data)
    assert "ニックネームを かいてください" in html
    assert_nothing_saved(newcomer)


def test_a_nickname_longer_than_twenty_characters_is_an_error(client, newcomer, form_data):
    form_data.update(nickname="あ" * 21)
    html = post_invalid(client, newcomer, form_data)
    assert "20 もじ までです" in html


def test_a_contact_with_neither_phone_nor_email_is_an_error(client, newcomer, form_data):
    form_data.update(contact_fields(0, name="さとう", relation="ともだち"))
    html = post_invalid(client, newcomer, form_data)
    assert "でんわばんごうか メールアドレスの どちらかを かいてください" in html
    assert_nothing_saved(newcomer)


def test_a_contact_with_an_invalid_phone_is_an_error(client, newcomer, form_data):
    form_data.update(contact_fields(1, name="さとう", relation="ともだち", phone="0000"))
    html = post_invalid(client, newcomer, form_data)
    assert "でんわばんごうが ただしく ありません" in html
    assert_nothing_saved(newcomer)


def test_a_contact_without_a_relation_is_an_error(client, newcomer, form_data):
    form_data.update(contact_fields(0, name="さとう", phone="090-1111-2222"))
    html = post_invalid(client, newcomer, form_data)
    assert "かんけいを かいてください" in html


def test_missing_consent_to_the_terms_is_an_error(client, newcomer, form_data):
    del form_data["agree"]
    html = post_invalid(client, newcomer, form_data)
    assert "りようきやくを よんで、チェックを いれてください" in html
    assert_nothing_saved(newcomer)


def test_choosing_weekdays_but_no_day_is_an_error(client, newcomer, form_data):
    form_data.update(schedule_kind="weekdays")
    html = post_invalid(client, newcomer, form_data)
    assert "ようびを 1つ いじょう えらんでください" in html
    assert_nothing_saved(newcomer)


@pytest.mark.parametrize("days", ["0", "8", "abc"])
def test_an_interval_outside_one_to_seven_days_is_an_error(client, newcomer, form_data, days):
    form_data.update(interval_days=days)
    html = post_invalid(client, newcomer, form_data)
    assert "1にちから 7にちの なかから えらんでください" in html
    assert_nothing_saved(newcomer)


def test_a_time_outside_the_offered_ones_is_an_error(client, newcomer, form_data):
    form_data.update(check_time="03:00")
    html = post_invalid(client, newcomer, form_data)
    assert "じかんを えらびなおしてください" in html


def test_the_unused_schedule_kind_is_ignored(client, newcomer, form_data):
    # Weekdays ticked but "every N days" chosen: the weekdays do not count.
    form_data.update(weekdays=["2"], interval_days="2")
    client.post(settings_path(newcomer), form_data)
    person = reload(newcomer)
    assert person.schedule_kind == "interval"
    assert person.weekdays == ""
    assert person.interval_days == 2


def test_a_failure_while_saving_leaves_nothing_behind(client, newcomer, form_data, monkeypatch):
    from anpi.individual import actions

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(actions, "enqueue_push", broken)
    form_data.update(contact_fields(0, name="さとう", relation="ともだち", phone="090-1111-2222"))
    client.raise_request_exception = False
    response = client.post(settings_path(newcomer), form_data)
    assert response.status_code == 500
    assert_nothing_saved(newcomer)


def test_errors_keep_what_was_typed(client, newcomer, form_data):
    form_data.update(phone="12345", nickname="はなちゃん")
    html = post_invalid(client, newcomer, form_data)
    assert 'value="はなちゃん"' in html


def test_more_than_three_contacts_cannot_be_sent(client, newcomer, form_data):
    form_data.update(management(total=4))
    for n in range(4):
        form_data.update(
            contact_fields(n, name=f"ひと{n}", relation="ともだち", phone="0312345678")
        )
    post_invalid(client, newcomer, form_data)
    assert_nothing_saved(newcomer)


# --- editing later ----------------------------------------------------------------------


@pytest.fixture
def registered(client, newcomer, form_data):
    """A person who registered with one e-mail contact that has since accepted."""
    from anpi.individual.contact_actions import do_accept_contact

    form_data.update(
        contact_fields(0, name="さとう", relation="ともだち", email="sato@example.com")
    )
    client.post(settings_path(newcomer), form_data)
    contact = Contact.objects.get(person=newcomer)
    do_accept_contact(contact, datetime(2026, 12, 1, 8, 30, tzinfo=JST))
    return reload(newcomer)


def edit_data(person: Person, **changes) -> dict:
    contacts = list(person.contacts.order_by("id"))
    data = {
        "nickname": person.nickname,
        "phone": person.phone,
        "schedule_kind": person.schedule_kind,
        "interval_days": str(person.interval_days),
        "weekdays": [d for d in person.weekdays.split(",") if d],
        "check_time": person.check_time.strftime("%H:%M"),
        "agree": "on",
        **management(initial=len(contacts)),
    }
    for n, c in enumerate(contacts):
        data.update(
            contact_fields(
                n,
                contact_id=str(c.pk),
                name=c.name,
                relation=c.relation,
                phone=c.phone,
                email=c.email,
            )
        )
    data.update(changes)
    return data


def test_a_new_link_shows_the_saved_settings_and_contacts(client, registered):
    html = client.get(settings_path(registered)).content.decode()
    assert 'value="はなこ"' in html
    assert 'value="090-1234-5678"' in html
    assert 'value="sato@example.com"' in html
    assert "ひきうけて くれました" in html
    assert "この れんらくさきを けす" in html


def test_editing_the_schedule_recomputes_the_next_check(client, clock, registered):
    clock.set(datetime(2026, 12, 3, 20, 0, tzinfo=JST))
    data = edit_data(registered, schedule_kind="weekdays", weekdays=["4"], check_time="08:00")
    assert client.post(settings_path(registered), data).status_code == 302
    person = reload(registered)
    # Thursday 3 Dec 20:00 → the next Friday is 4 Dec.
    assert person.next_check_at == datetime(2026, 12, 4, 8, 0, tzinfo=JST)
    assert person.schedule_anchor == date(2026, 12, 3)
    assert person.consent_at == datetime(2026, 12, 1, 8, 0, tzinfo=JST)


def test_an_unchanged_rhythm_keeps_its_anchor(client, clock, newcomer, form_data):
    form_data.update(interval_days="3")
    client.post(settings_path(newcomer), form_data)
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=JST))
    person = reload(newcomer)
    client.post(settings_path(person), edit_data(person, nickname="はなさん"))
    person = reload(newcomer)
    assert person.schedule_anchor == date(2026, 12, 1)
    assert person.next_check_at == datetime(2026, 12, 4, 9, 0, tzinfo=JST)


def test_a_contact_can_be_removed(client, registered):
    data = edit_data(registered, **contact_fields(0, DELETE="on"))
    client.post(settings_path(registered), data)
    assert not Contact.objects.filter(person=registered).exists()
    assert TimelineEntry.objects.filter(person=registered, kind="contact_removed").exists()


def test_clearing_a_contacts_fields_removes_it(client, registered):
    data = edit_data(registered, **contact_fields(0, name="", relation="", phone="", email=""))
    client.post(settings_path(registered), data)
    assert not Contact.objects.filter(person=registered).exists()


def test_renaming_a_confirmed_contact_keeps_the_confirmation(client, registered):
    data = edit_data(registered, **contact_fields(0, name="さとう たろう"))
    client.post(settings_path(registered), data)
    contact = Contact.objects.get(person=registered)
    assert contact.name == "さとう たろう"
    assert contact.is_confirmed


def test_a_confirmed_contacts_new_email_needs_confirming_again(client, registered):
    before = Contact.objects.get(person=registered)
    data = edit_data(registered, **contact_fields(0, email="new@example.com"))
    client.post(settings_path(registered), data)
    contact = Contact.objects.get(person=registered)
    assert contact.email == "new@example.com"
    assert contact.confirmed_at is None
    assert not contact.is_confirmed
    assert contact.token != before.token
    mail = Outbox.objects.filter(purpose="contact_confirm").order_by("id").last()
    assert mail.recipient == "new@example.com"
    assert contact.token in mail.payload["body"]
    # The old link no longer answers for the new address.
    assert client.get(reverse("individual:contact-confirm", args=[before.token])).status_code == 404


def test_a_confirmed_contacts_new_phone_needs_confirming_again(client, registered):
    data = edit_data(registered, **contact_fields(0, phone="090-2222-3333"))
    client.post(settings_path(registered), data)
    contact = Contact.objects.get(person=registered)
    assert contact.phone == "+819022223333"
    assert contact.confirmed_at is None


def test_a_contact_id_of_someone_else_is_ignored(client, registered, make_person):
    other = make_person(
        "たろう", contacts=[{"name": "すずき", "relation": "むすこ", "phone": "+81311112222"}]
    )
    foreign = Contact.objects.get(person=other)
    data = edit_data(
        registered,
        **management(initial=1),
        **contact_fields(
            1, contact_id=str(foreign.pk), name="のっとり", relation="x", phone="0312345678"
        ),
    )
    client.post(settings_path(registered), data)
    foreign.refresh_from_db()
    assert foreign.name == "すずき"
    assert foreign.person_id == other.pk


def test_a_person_who_blocked_the_account_stays_without_checks(client, newcomer, form_data):
    Person.objects.filter(pk=newcomer.pk).update(status=Person.Status.BLOCKED)
    client.post(settings_path(newcomer), form_data)
    person = reload(newcomer)
    assert person.status == Person.Status.BLOCKED
    assert person.next_check_at is None
    assert person.check_time == time(9, 0)
    assert not Outbox.objects.filter(purpose="registered").exists()


def test_of_two_saves_of_one_link_only_the_first_wins(newcomer, clock):
    from datetime import time as t

    from anpi.individual.actions import do_save_registration
    from anpi.individual.links import LinkError

    data = {
        "nickname": "はなこ",
        "phone": "+819012345678",
        "schedule_kind": "interval",
        "interval_days": 1,
        "weekdays": [],
        "check_time": t(9, 0),
        "skip_holidays": False,
        "contacts": [],
    }
    stale = Person.objects.get(pk=newcomer.pk)
    do_save_registration(newcomer, data, clock.now())
    with pytest.raises(LinkError, match="used"):
        do_save_registration(stale, {**data, "nickname": "にばんめ"}, clock.now())
    assert reload(newcomer).nickname == "はなこ"
