"""CSV of persons and their emergency contacts: read an import, write an export.

Library choice: **tablib** (already used by ``csv_export``), not
django-import-export. django-import-export saves model instances itself
through its ``Resource`` classes, which would bypass the actions layer
(``staff_actions.do_enrol_person``: timeline, audit, contact consent, link
code) and validate with its own widgets instead of the person's settings form;
anpi needs neither its admin integration nor its model mapping. Export cells
go through ``csv_export.csv_response`` (tablib, formula-injection guard). Reading
uses the ``csv`` module that tablib itself wraps, because only its reader
reports each record's physical line (``line_num``), and staff must be told the
line of the file as their spreadsheet shows it (a cell with a line break spans
two lines).

The file's columns are Japanese and do not follow the page's language (a
file format is not translated): ``COLUMNS``. An export can be imported again:
its extra columns (``EXPORT_ONLY``) are ignored on import.

Limits (documented in docs/staff-guide.ja.md): ``MAX_UPLOAD_BYTES`` (512 KiB,
below the 1 MiB request limit ``ANPI_MAX_BODY_BYTES`` so that the confirming
form, which carries the file back, fits too) and ``MAX_ROWS`` data rows.
Encodings: UTF-8 with or without BOM and Shift_JIS/CP932 (what Excel in Japan
writes), detected or chosen (``decode``).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import pgettext

from anpi.individual.enrol import EnrolmentForms, contact_management_data
from anpi.individual.forms import MAX_CONTACTS
from anpi.people.models import Contact, Person
from anpi.people.phones import display_phone
from anpi.people.schedule_words import clock_time

from .csv_export import BOM
from .display import CTX

MAX_UPLOAD_BYTES = 512 * 1024
MAX_ROWS = 1000

# (form field, column). Contacts are numbered from 1 in the file and in
# EnrolmentForms.errors(), from 0 in the formset's field names.
PERSON_COLUMNS = [
    ("full_name", "氏名"),
    ("name_kana", "フリガナ"),
    ("nickname", "ニックネーム"),
    ("phone", "電話番号"),
    ("interval_days", "確認の間隔（日）"),
    ("weekdays", "確認の曜日"),
    ("check_time", "確認の時刻"),
    ("skip_holidays", "祝日は休み"),
]
CONTACT_FIELDS = [("name", "氏名"), ("relation", "続柄"), ("phone", "電話番号"), ("email", "メール")]
CONTACT_COLUMNS = [
    (f"contacts-{n}-{name}", f"連絡先{n}_{label}")
    for n in range(1, MAX_CONTACTS + 1)
    for name, label in CONTACT_FIELDS
]
COLUMNS = PERSON_COLUMNS + CONTACT_COLUMNS
REQUIRED_COLUMNS = ("氏名", "ニックネーム", "電話番号")
EXPORT_ONLY = ["番号", "状態", "LINE連携"]
SCHEDULE_COLUMNS = ("interval_days", "weekdays", "check_time")

WEEKDAY_NAMES = "月火水木金土日"
YES = {"1", "はい", "○", "◯", "true", "yes", "y", "休み"}
NO = {"", "0", "いいえ", "×", "false", "no", "n"}
STATUS_WORDS = {"registering": "登録中", "active": "見守り中", "blocked": "ブロック", "stopped": "停止"}

ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}


class CsvFileError(Exception):
    """The file as a whole cannot be read; ``str()`` is the message for staff."""


@dataclass
class Row:
    """One data record of the file: its first physical ``line``, the cells by
    column, and either ``errors`` (messages for staff) or ``cleaned`` data."""

    line: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    cleaned: dict[str, Any] | None = None


@dataclass
class Checked:
    rows: list[Row]
    encoding: str

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if not r.errors]

    @property
    def invalid(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def decode(raw: bytes, choice: str = "auto") -> tuple[str, str]:
    """(text, encoding used: ``"utf-8"`` or ``"cp932"``) of an uploaded file.

    ``choice``: ``"auto"`` (a BOM means UTF-8; otherwise UTF-8 if the bytes are
    valid UTF-8, else CP932), ``"utf-8"`` or ``"cp932"``. Raises
    ``CsvFileError`` with a Japanese message for an empty, binary (an Excel
    .xlsx is a ZIP) or undecodable file, and for a UTF-8 file read as CP932
    (which would decode into nonsense rather than fail)."""
    if not raw.strip():
        raise CsvFileError(pgettext(CTX, "The file is empty."))
    if raw.startswith(b"PK\x03\x04") or b"\x00" in raw:
        raise CsvFileError(
            pgettext(CTX, "This is not a CSV file. In Excel, save it as “CSV (comma separated)”.")
        )
    if choice == "auto":
        choice = "utf-8" if raw.startswith(BOM.encode()) or _is_utf8(raw) else "cp932"
    if choice == "cp932" and (raw.startswith(BOM.encode()) or (_is_utf8(raw) and not raw.isascii())):
        raise CsvFileError(
            pgettext(CTX, "This file is in UTF-8, not Shift_JIS. Choose UTF-8 or automatic.")
        )
    try:
        return raw.decode(ENCODINGS[choice]), choice
    except (UnicodeDecodeError, KeyError) as exc:
        message = (
            pgettext(CTX, "The file cannot be read as UTF-8. If Excel saved it as Shift_JIS, choose Shift_JIS (CP932).")
            if choice == "utf-8"
            else pgettext(CTX, "The file cannot be read as Shift_JIS (CP932) or UTF-8. Save it again as CSV.")
        )
        raise CsvFileError(message) from exc


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each record; a csv error names its line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(
            pgettext(CTX, "Line %(line)s: the CSV is broken (%(error)s).")
            % {"line": reader.line_num, "error": exc}
        ) from exc


def _header(cells: list[str]) -> list[str | None]:
    """The form field of each column (None for an export-only column), or
    ``CsvFileError`` naming unknown and missing columns."""
    # Compared after NFKC on both sides: Excel users type （日） or (日) alike.
    by_column = {_norm(column): name for name, column in COLUMNS}
    names: list[str | None] = []
    unknown = []
    for cell in cells:
        column = _norm(cell.lstrip(BOM))
        if column in by_column:
            names.append(by_column[column])
        elif column in EXPORT_ONLY or not column:  # export-only columns are all NFKC-stable
            names.append(None)
        else:
            unknown.append(column)
    missing = [c for c in REQUIRED_COLUMNS if by_column[_norm(c)] not in names]
    problems = []
    if unknown:
        problems.append(pgettext(CTX, "Unknown columns: %(names)s.") % {"names": "、".join(unknown)})
    if missing:
        problems.append(pgettext(CTX, "Missing columns: %(names)s.") % {"names": "、".join(missing)})
    if problems:
        raise CsvFileError(
            " ".join(problems)
            + " "
            + pgettext(CTX, "The first line must name the columns, as in the staff guide.")
        )
    return names


def check_file(tenant_id: int, raw: bytes, choice: str = "auto") -> Checked:
    """Validate every row of an upload without saving anything (the dry run).

    Each row goes through ``EnrolmentForms`` (the single registration's
    validation, including the phone already registered); a phone that an
    earlier row of the file has is an error too. Raises ``CsvFileError`` for
    the file as a whole (size, encoding, header, rows over ``MAX_ROWS``)."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise CsvFileError(
            pgettext(CTX, "The file is larger than %(kib)s KB. Split it into several files.")
            % {"kib": MAX_UPLOAD_BYTES // 1024}
        )
    text, encoding = decode(raw, choice)
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise CsvFileError(pgettext(CTX, "The file is empty."))
    names = _header(first[1])
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue  # Excel writes empty rows as ",,,,"
        if len(rows) >= MAX_ROWS:
            raise CsvFileError(
                pgettext(CTX, "More than %(n)s rows. Split the file into several files.")
                % {"n": MAX_ROWS}
            )
        row = Row(line, {n: c.strip() for n, c in zip(names, cells, strict=False) if n})
        if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
            row.errors.append(pgettext(CTX, "More cells than columns."))
        _check_row(tenant_id, row, seen)
        rows.append(row)
    if not rows:
        raise CsvFileError(pgettext(CTX, "There are no rows under the column names."))
    return Checked(rows, encoding)


def _check_row(tenant_id: int, row: Row, seen: dict[str, int]) -> None:
    data, problems = form_data(row.cells)
    schedule = any(row.cells.get(name) for name in SCHEDULE_COLUMNS)
    forms = EnrolmentForms(tenant_id, data, schedule=schedule)
    valid = forms.is_valid()
    columns = dict(COLUMNS)
    for error in forms.errors():
        where = columns.get(error.field, error.where)
        row.errors.append(f"{where}: {error.message}" if where else error.message)
    row.errors[:0] = problems
    phone = forms.settings.cleaned_data.get("phone")
    if phone and phone in seen:
        row.errors.append(
            pgettext(CTX, "%(column)s: the same number is on line %(line)s.")
            % {"column": "電話番号", "line": seen[phone]}
        )
    elif phone:
        seen[phone] = row.line
    if valid and not row.errors:
        row.cleaned = forms.cleaned()


def form_data(cells: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A row's cells as the enrolment forms' data, and the problems found in
    the cells the forms do not read as typed (weekdays, holidays)."""
    data: dict[str, Any] = {
        name: cells.get(name, "") for name in ("full_name", "name_kana", "nickname", "phone")
    }
    data.update(contact_management_data())
    for n in range(1, MAX_CONTACTS + 1):
        for name, _label in CONTACT_FIELDS:
            data[f"contacts-{n - 1}-{name}"] = cells.get(f"contacts-{n}-{name}", "")
    problems: list[str] = []
    weekdays = _norm(cells.get("weekdays", ""))
    days = [d for d in weekdays if d not in " ,、・/"]
    if any(d not in WEEKDAY_NAMES for d in days):
        problems.append(
            pgettext(CTX, "%(column)s: write weekdays as 月,水,金.") % {"column": "確認の曜日"}
        )
    data["schedule_kind"] = "weekdays" if days else "interval"
    data["weekdays"] = [str(WEEKDAY_NAMES.index(d)) for d in days if d in WEEKDAY_NAMES]
    data["interval_days"] = _norm(cells.get("interval_days", "")) or "1"
    time = _norm(cells.get("check_time", ""))
    # 「9:00」 and Excel's 「9:00:00」 → the form's 「09:00」.
    hours, _sep, rest = time.partition(":")
    minutes = rest.partition(":")[0]
    data["check_time"] = f"{int(hours):02d}:{minutes}" if hours.isdigit() and minutes else time
    holidays = _norm(cells.get("skip_holidays", "")).lower()
    if holidays not in YES | NO:
        problems.append(
            pgettext(CTX, "%(column)s: write はい or leave it empty.") % {"column": "祝日は休み"}
        )
    data["skip_holidays"] = holidays in YES
    return data, problems


# --- export --------------------------------------------------------------------


def export_headers() -> list[str]:
    return EXPORT_ONLY + [column for _name, column in COLUMNS]


def export_rows(people: Iterable[Person]) -> Iterator[list[str]]:
    """One list of cells per person, in ``export_headers()`` order; contacts
    in the order they were added (at most ``MAX_CONTACTS``)."""
    for person in people:
        cells = [
            str(person.pk),
            STATUS_WORDS.get(person.status, person.status),
            "済" if person.line_user_id else "",
            person.full_name,
            person.name_kana,
            person.nickname,
            display_phone(person.phone),
            *_schedule_cells(person),
        ]
        contacts: Sequence[Contact] = list(person.contacts.all())[:MAX_CONTACTS]
        for n in range(MAX_CONTACTS):
            c = contacts[n] if n < len(contacts) else None
            cells += (
                [c.name, c.relation, display_phone(c.phone), c.email] if c else ["", "", "", ""]
            )
        yield cells


def _schedule_cells(person: Person) -> list[str]:
    if person.check_time is None:
        return ["", "", "", ""]
    weekdays = ""
    interval = ""
    if person.schedule_kind == Person.ScheduleKind.WEEKDAYS:
        weekdays = ",".join(WEEKDAY_NAMES[int(d)] for d in person.weekdays.split(",") if d.strip())
    else:
        interval = str(person.interval_days)
    return [interval, weekdays, clock_time(person.check_time), "はい" if person.skip_holidays else ""]

