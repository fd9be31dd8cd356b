"""Mobile pages reached from LINE: the settings form and the contact consent page.

Both are reached by secret links (a signed one-time settings token, a contact
token), so they need no login. Responses are never cached and send no Referer,
so the token does not leak through a shared proxy or a followed link.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from anpi.channels.line.oamessage import oa_message_url
from anpi.engine.clock import get_clock
from anpi.people import linkcodes
from anpi.people.models import Contact

from . import actions, contact_actions, withdrawal
from .forms import ContactFormSet, SettingsForm, contacts_initial, settings_initial
from .links import LANGUAGE_PARAM, LinkError, page_language, person_from_token

# The session remembers which link was just saved, so that a double-tapped
# "save" button, or the back button, shows the done page instead of "this link
# was used".
SAVED_KEY = "anpi_people_saved"


def _private(response):
    # "same-origin", not "no-referrer": the secret link must not leak to other
    # sites, but with no-referrer browsers send `Origin: null` on the form's
    # POST and Django's CSRF check rejects every save.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _speak_link_language(request, language: str | None) -> None:
    """Show the page in ``language`` (the ``?lang=`` of the settings link,
    links.settings_url: the language anpi speaks to the person on LINE) when
    the pages have it. The visitor's own choice on the page (the language
    cookie of /i18n/setlang/) still wins."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    chosen = page_language(language)
    if chosen is not None:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_error(request, reason: str):
    status = 410 if reason == "expired" else 404
    return _private(render(request, "individual/link_error.html", {"reason": reason}, status=status))


@never_cache
@require_http_methods(["GET", "POST"])
def settings_page(request, token):
    # Before the link is read: a used or expired link is explained in that language too.
    _speak_link_language(request, request.GET.get(LANGUAGE_PARAM))
    try:
        person = person_from_token(token)
    except LinkError as exc:
        # The same browser coming back to a link it has just used (a double tap on
        # 「ほぞん する」, or the back button and a second save) sees what was saved.
        saved = request.session.get(SAVED_KEY)
        if saved and saved.get("token") == _token_hash(token):
            return redirect("individual:settings-done")
        return _link_error(request, str(exc))

    contact_initial, contacts = contacts_initial(person)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        formset = ContactFormSet(request.POST, initial=contact_initial, prefix="contacts")
        if form.is_valid() and formset.is_valid():
            data = {**form.cleaned_data, "contacts": formset.contacts()}
            try:
                person = actions.do_save_registration(person, data, get_clock().now())
            except LinkError as exc:
                return _link_error(request, str(exc))
            request.session[SAVED_KEY] = {
                "token": _token_hash(token),
                "summary": actions.registration_summary(person),
                "name": person.name,
                # The done page keeps the language of this page.
                "language": translation.get_language(),
            }
            return redirect("individual:settings-done")
    else:
        form = SettingsForm(initial=settings_initial(person))
        formset = ContactFormSet(initial=contact_initial, prefix="contacts")

    by_id = {c.pk: c for c in contacts}
    rows = []
    for i, contact_form in enumerate(formset.forms):
        raw_id = contact_form["contact_id"].value()
        try:
            contact = by_id.get(int(raw_id)) if raw_id else None
        except (TypeError, ValueError):
            contact = None
        rows.append({"form": contact_form, "contact": contact, "number": i + 1})
    context = {
        "person": person,
        "form": form,
        "formset": formset,
        "contact_rows": rows,
        "first_time": person.consent_at is None,
        "token": token,
        "has_errors": bool(form.errors or any(formset.errors) or formset.non_form_errors()),
    }
    return _private(render(request, "individual/settings.html", context))


@never_cache
@require_http_methods(["POST"])
def settings_withdraw(request, token):
    """The settings page's 「どういを とりけす」 button (withdrawal.do_withdraw_by_link)."""
    try:
        person = person_from_token(token)
    except LinkError as exc:
        return _link_error(request, str(exc))
    try:
        person = withdrawal.do_withdraw_by_link(person, get_clock().now())
    except LinkError as exc:
        return _link_error(request, str(exc))
    context = {"person": person, "days": person.tenant.erase_after_days}
    return _private(render(request, "individual/withdrawn.html", context))


@never_cache
def settings_done(request):
    saved = request.session.get(SAVED_KEY)
    if saved:
        _speak_link_language(request, saved.get("language"))
    return _private(render(request, "individual/settings_done.html", {"saved": saved}))


def terms(request):
    return render(request, "individual/terms.html")


def _contact_page(request, contact: Contact, status: int = 200, **extra):
    person = contact.person
    now = get_clock().now()
    code_valid = bool(contact.link_code) and (
        contact.link_code_expires_at is not None and now <= contact.link_code_expires_at
    )
    context = {
        "contact": contact,
        "person": person,
        "tenant": person.tenant,
        "channel": person.channel,
        "link_code": linkcodes.display(contact.link_code) if code_valid else "",
        "link_code_expires_at": contact.link_code_expires_at if code_valid else None,
        "line_link": _line_link(person.channel, contact.link_code) if code_valid else "",
        **extra,
    }
    return _private(render(request, "individual/contact_confirm.html", context, status=status))


def _line_link(channel: Any, code: str) -> str:
    """A link that opens the account's chat in LINE with 「れんらく <code>」 typed in
    (LINE URL scheme ``https://line.me/R/oaMessage/{basic id}/?{text}``)."""
    if channel is None:
        return ""
    return oa_message_url(channel.basic_id, "れんらく " + code)


@never_cache
@require_http_methods(["GET", "POST"])
def contact_confirm(request, token):
    contact = (
        Contact.objects.select_related("person__tenant", "person__channel")
        .filter(token=token)
        .first()
    )
    if contact is None or linkcodes.consent_link_expired(
        contact.token_issued_at, get_clock().now()
    ):
        # Unknown and expired links look the same: the page says to ask the person.
        return _private(render(request, "individual/contact_unknown.html", status=404))
    if request.method == "POST":
        answer = request.POST.get("answer")
        now = get_clock().now()
        if answer == "accept":
            contact = contact_actions.do_accept_contact(contact, now)
        elif answer == "decline":
            contact = contact_actions.do_decline_contact(contact, now)
        else:
            return _contact_page(request, contact, status=400)
        # Post/redirect/get: a reload must not answer again.
        return redirect("individual:contact-confirm", token=contact.token)
    return _contact_page(request, contact)
