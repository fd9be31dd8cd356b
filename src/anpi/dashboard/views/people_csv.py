"""CSV import (dry run first) and export of persons and contacts.

Import (staff: operators and admins, as for one registration):

1. the upload is checked row by row (``people_csv.check_file``) and nothing is
   saved; the page lists each row's errors with its line in the file;
2. with no errors, 「取り込む」 saves every row; with errors, nothing can be
   saved unless staff press 「エラーのない行だけ取り込む」 (``mode=valid``).
   The confirming form carries the file back (base64, ``payload``) and it is
   checked again, so what is saved is what the rules allow at that moment;
3. the rows are saved by ``staff_actions.do_enrol_people`` in one
   transaction (all valid rows or, on an unexpected error, none), audited
   ``people.import`` with the counts; each check is audited ``people.import_check``.

Export (admins only: a file of every person's phone numbers and contacts
leaves the system; operators see persons one page at a time): UTF-8 with BOM
or CP932, formula-safe (``csv_export``), audited ``people.export`` with the
row count.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods

from anpi.engine.clock import get_clock
from anpi.individual import staff_actions
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.access import StaffRequest, admin_view, scoped, staff_view
from anpi.tenants.actors import Actor

from .. import people_csv
from ..csv_export import csv_response
from ..display import CTX

ENCODING_CHOICES = [
    ("auto", pgettext_lazy(CTX, "Automatic (UTF-8 or Shift_JIS)")),
    ("utf-8", "UTF-8"),
    ("cp932", "Shift_JIS (CP932)"),
]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=pgettext_lazy(CTX, "CSV file"),
        error_messages={"required": pgettext_lazy(CTX, "Choose a CSV file.")},
    )
    encoding = forms.ChoiceField(
        label=pgettext_lazy(CTX, "Character encoding"),
        choices=ENCODING_CHOICES,
        initial="auto",
    )


class ExportForm(forms.Form):
    encoding = forms.ChoiceField(
        choices=[("utf-8", "UTF-8"), ("cp932", "Shift_JIS (CP932)")], required=False
    )


def _page(request: StaffRequest, form: ImportForm, **context: Any) -> HttpResponse:
    return render(
        request,
        "dashboard/people_import.html",
        {
            "form": form,
            "nav": "people",
            "max_kib": people_csv.MAX_UPLOAD_BYTES // 1024,
            "max_rows": people_csv.MAX_ROWS,
            "columns": [c for _n, c in people_csv.COLUMNS],
            **context,
        },
    )


def _uploaded(request: StaffRequest, form: ImportForm) -> tuple[bytes, str, str] | None:
    """(bytes, encoding choice, file name) of the upload or of the confirming
    form's ``payload``; None (with the form's error set) when there is none."""
    if "payload" in request.POST:
        try:
            raw = base64.b64decode(request.POST["payload"], validate=True)
        except (binascii.Error, ValueError):
            form.add_error(None, pgettext(CTX, "The file was lost. Choose it again."))
            return None
        return raw, request.POST.get("encoding", "auto"), request.POST.get("filename", "")[:200]
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    if upload.size > people_csv.MAX_UPLOAD_BYTES:
        form.add_error(
            "file",
            pgettext(CTX, "The file is larger than %(kib)s KB. Split it into several files.")
            % {"kib": people_csv.MAX_UPLOAD_BYTES // 1024},
        )
        return None
    return upload.read(), form.cleaned_data["encoding"], upload.name[:200]


@staff_view
@require_http_methods(["GET", "POST"])
def people_import(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    uploaded = _uploaded(request, form)
    if uploaded is None:
        return _page(request, form)
    raw, choice, filename = uploaded
    if "payload" in request.POST:
        form = ImportForm()  # the confirming form chose no new file: nothing to complain of
    actor = Actor.staff(request.user)
    now = get_clock().now()
    try:
        checked = people_csv.check_file(request.tenant.pk, raw, choice)
    except people_csv.CsvFileError as exc:
        return _page(request, form, file_error=str(exc), filename=filename)
    source: dict[str, Any] = {
        "filename": filename,
        "encoding": checked.encoding,
        "rows": len(checked.rows),
        "rows_with_errors": len(checked.invalid),
    }
    action = request.POST.get("action")
    valid_only = request.POST.get("mode") == "valid"
    if action == "import" and (valid_only or not checked.invalid) and checked.valid:
        try:
            people = staff_actions.do_enrol_people(
                request.tenant.pk,
                [row.cleaned for row in checked.valid if row.cleaned is not None],
                actor,
                now,
                source={**source, "valid_only": valid_only},
            )
        except (DatabaseError, ValueError):
            return _page(
                request,
                form,
                file_error=pgettext(
                    CTX, "An unexpected error stopped the import. Nobody was registered."
                ),
                filename=filename,
            )
        text = pgettext(CTX, "Registered %(n)s people from the CSV file.") % {"n": len(people)}
        if checked.invalid:
            text += " " + pgettext(CTX, "%(n)s rows with errors were not imported.") % {
                "n": len(checked.invalid)
            }
        messages.success(request, text)
        return redirect("dashboard:people")
    audit.record(
        request.tenant.pk, actor, "people.import_check", None, now, object_type="Person", **source
    )
    return _page(
        request,
        form,
        checked=checked,
        filename=filename,
        payload=base64.b64encode(raw).decode(),
        encoding=checked.encoding,
        refused=action == "import",
    )


@admin_view
def people_export(request: StaffRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    encoding = form.cleaned_data["encoding"] if form.is_valid() else ""
    encoding = encoding or "utf-8"
    people = (
        scoped(request, Person.objects.all())
        .filter(erased_at__isnull=True)
        .prefetch_related("contacts")
        .order_by("id")
    )
    rows = list(people_csv.export_rows(people))
    audit.record(
        request.tenant.pk,
        Actor.staff(request.user),
        "people.export",
        None,
        get_clock().now(),
        object_type="Person",
        person_ids=[row[0] for row in rows],
        rows=len(rows),
        encoding=encoding,
    )
    stamp = timezone.localtime(timezone.now()).strftime("%Y%m%d-%H%M")
    return csv_response(
        f"people-{request.tenant.slug}-{stamp}.csv", people_csv.export_headers(), rows, encoding
    )
