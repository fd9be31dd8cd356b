"""CSV import (dry run first, errors by line) and export of persons and contacts."""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anpi.people.models import Contact, Person
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db

HEADER = "氏名,フリガナ,ニックネーム,電話番号,確認の間隔（日）,確認の曜日,確認の時刻,祝日は休み,連絡先1_氏名,連絡先1_続柄,連絡先1_電話番号,連絡先1_メール"
HANAKO = "山田 花子,やまだ はなこ,はなこ,090-1111-2222,1,,9:00,はい,山田 一郎,長男,03-1234-5678,"
TARO = "佐藤 太郎,サトウ タロウ,たろう,080-3333-4444,,月・水・金,18:30,,,,,"
BAD_PHONE = "鈴木 梅,スズキ ウメ,うめ,12345,,,,,,,,"


def csv_file(*rows: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join([HEADER, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def upload(client, raw: bytes, encoding: str = "auto", name: str = "roster.csv"):
    return client.post(
        "/people/import/",
        {"file": SimpleUploadedFile(name, raw, content_type="text/csv"), "encoding": encoding},
    )


def confirm(client, check_page, mode: str):
    """Press the import button of a check page (the form carries the file back)."""
    page = check_page.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(payload|encoding|filename)" value="([^"]*)"', page))
    return client.post("/people/import/", {**fields, "action": "import", "mode": mode})


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(csv_file(HANAKO, TARO), id="utf-8"),
        pytest.param(csv_file(HANAKO, TARO, bom=True), id="utf-8 with BOM"),
        pytest.param(csv_file(HANAKO, TARO, encoding="cp932"), id="Shift_JIS (CP932)"),
    ],
)
def test_a_roster_in_each_encoding_excel_writes_is_checked_then_imported(operator_client, raw):
    check = upload(operator_client, raw)
    page = check.content.decode()
    assert "2行すべて問題ありません" in page
    assert not Person.objects.exists()  # the check saves nothing

    response = confirm(operator_client, check, "all")
    assert response.status_code == 302 and response["Location"] == "/people/"
    hanako = Person.objects.get(full_name="山田 花子")
    assert hanako.name_kana == "ヤマダ ハナコ" and hanako.phone == "+819011112222"
    assert hanako.status == Person.Status.REGISTERING and hanako.skip_holidays
    assert hanako.link_code  # ready for the LINE sheet
    taro = Person.objects.get(nickname="たろう")
    assert (taro.schedule_kind, taro.weekdays, taro.check_time.hour) == ("weekdays", "0,2,4", 18)
    assert Contact.objects.get(person=hanako).relation == "長男"
    listing = operator_client.get("/people/").content.decode()
    assert "はなこ" in listing and "たろう" in listing


def test_one_bad_row_is_named_by_its_line_and_nothing_is_saved(operator_client):
    check = upload(operator_client, csv_file(HANAKO, BAD_PHONE, TARO, encoding="cp932"))
    page = check.content.decode()
    assert "1行にエラーがあり、2行は問題ありません" in page
    assert re.search(r"3行目</th>.*?電話番号: でんわばんごうが ただしく ありません", page, re.S)
    assert not Person.objects.exists()
    # Pressing "import" for all rows while errors remain saves nothing either.
    refused = confirm(operator_client, check, "all")
    assert "エラーが残っているため、何も取り込んでいません" in refused.content.decode()
    assert "CSVファイルを選んでください" not in refused.content.decode()
    assert not Person.objects.exists()


def test_staff_may_choose_to_import_only_the_valid_rows(operator_client):
    check = upload(operator_client, csv_file(HANAKO, BAD_PHONE, TARO))
    assert "エラーのない2行だけ取り込む" in check.content.decode()
    response = confirm(operator_client, check, "valid")
    assert response.status_code == 302
    assert set(Person.objects.values_list("nickname", flat=True)) == {"はなこ", "たろう"}
    entry = AuditEntry.objects.get(action="people.import")
    assert entry.actor_label == "operator"
    assert entry.detail["imported"] == 2 and entry.detail["rows_with_errors"] == 1
    assert entry.detail["valid_only"] is True
    followed = operator_client.get("/people/").content.decode()
    assert "CSVファイルから2人を登録しました" in followed
    assert "エラーのある1行は取り込んでいません" in followed


def test_a_phone_already_registered_or_twice_in_the_file_is_a_row_error(
    operator_client, make_person
):
    make_person("うめ", phone="+819011112222")
    twice = TARO.replace("佐藤 太郎", "佐藤 次郎").replace("たろう", "じろう")
    page = upload(operator_client, csv_file(HANAKO, TARO, twice)).content.decode()
    assert re.search(r"2行目</th>.*?この電話番号の利用者はすでに登録されています", page, re.S)
    assert re.search(r"4行目</th>.*?同じ電話番号が3行目にもあります", page, re.S)


def test_a_cell_with_a_line_break_keeps_the_line_numbers_of_the_file(operator_client):
    multi = '"山田\n花子",,はなこ,090-1111-2222,,,,,,,,'
    page = upload(operator_client, csv_file(multi, BAD_PHONE)).content.decode()
    assert re.search(r"4行目</th>.*?でんわばんごうが ただしく ありません", page, re.S)


def test_a_utf8_file_read_as_shift_jis_gives_a_clear_error(operator_client):
    response = upload(operator_client, csv_file(HANAKO), encoding="cp932")
    assert response.status_code == 200
    assert "このファイルはShift_JISではなくUTF-8です" in response.content.decode()
    assert not Person.objects.exists()


def test_a_shift_jis_file_read_as_utf8_gives_a_clear_error(operator_client):
    response = upload(operator_client, csv_file(HANAKO, encoding="cp932"), encoding="utf-8")
    assert response.status_code == 200
    assert "UTF-8として読めません" in response.content.decode()


def test_an_excel_workbook_instead_of_a_csv_is_refused(operator_client):
    response = upload(operator_client, b"PK\x03\x04" + b"\x00" * 40, name="roster.xlsx")
    assert "CSVファイルではありません" in response.content.decode()


def test_unknown_and_missing_columns_are_named(operator_client):
    raw = "なまえ,電話番号\r\n花子,090-1111-2222\r\n".encode()
    page = upload(operator_client, raw).content.decode()
    assert "知らない列があります: なまえ" in page
    assert "必要な列がありません: 氏名、ニックネーム" in page


def test_a_file_over_the_size_limit_is_refused(operator_client):
    from anpi.dashboard.people_csv import MAX_UPLOAD_BYTES

    raw = csv_file(HANAKO) + b"#" * MAX_UPLOAD_BYTES
    assert "KBを超えています" in upload(operator_client, raw).content.decode()


def test_more_rows_than_the_limit_are_refused(operator_client, settings):
    from anpi.dashboard import people_csv

    rows = [f"人{n},,ひと{n},090-{n:04d}-0000,,,,,,,," for n in range(people_csv.MAX_ROWS + 1)]
    page = upload(operator_client, csv_file(*rows)).content.decode()
    assert f"{people_csv.MAX_ROWS}行を超えています" in page
    assert not Person.objects.exists()


def test_a_tampered_confirmation_is_checked_again(operator_client):
    bad = base64.b64encode(csv_file(BAD_PHONE)).decode()
    response = operator_client.post(
        "/people/import/", {"payload": bad, "encoding": "utf-8", "action": "import", "mode": "all"}
    )
    assert "エラーが残っているため" in response.content.decode()
    assert not Person.objects.exists()


def test_an_unexpected_error_saves_none_of_the_valid_rows(operator_client, monkeypatch):
    from anpi.individual import staff_actions

    real = staff_actions.do_enrol_person
    calls = []

    def fails_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(staff_actions, "do_enrol_person", fails_on_the_second)
    response = confirm(operator_client, upload(operator_client, csv_file(HANAKO, TARO)), "all")
    assert "1人も登録していません" in response.content.decode()
    assert not Person.objects.exists() and not Contact.objects.exists()


# --- export ----------------------------------------------------------------------


def _read(response, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode(encoding))))


def test_the_export_opens_in_excel_and_neutralises_formulas(client, tenant_admin, make_person):
    make_person("=HYPERLINK(\"http://evil\")", phone="+819011112222", full_name="@SUM(A1)")
    client.force_login(tenant_admin)
    response = client.get("/people/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    header, row = _read(response, "utf-8-sig")
    assert header[:5] == ["番号", "状態", "LINE連携", "氏名", "フリガナ"]
    assert row[3] == "'@SUM(A1)" and row[5] == "'=HYPERLINK(\"http://evil\")"
    assert row[6] == "090-1111-2222"
    entry = AuditEntry.objects.get(action="people.export")
    assert entry.detail["rows"] == 1 and entry.actor_label == "admin"


def test_a_cp932_export_can_be_imported_again(client, tenant_admin, operator_client):
    confirm(
        operator_client, upload(operator_client, csv_file(HANAKO, TARO, encoding="cp932")), "all"
    )
    client.force_login(tenant_admin)
    exported = client.get("/people/export.csv?encoding=cp932")
    assert exported["Content-Type"] == "text/csv; charset=shift_jis"
    rows = _read(exported, "cp932")
    assert [r[3] for r in rows[1:]] == ["山田 花子", "佐藤 太郎"]
    assert rows[2][8] == "月,水,金" and rows[1][10] == "はい"
    # Read back into an empty roster, the file gives the same people.
    Person.objects.all().delete()
    check = upload(operator_client, exported.content, encoding="cp932")
    assert "2行すべて問題ありません" in check.content.decode()
    confirm(operator_client, check, "all")
    again = Person.objects.get(full_name="山田 花子")
    assert (again.name_kana, again.check_time.hour, again.skip_holidays) == ("ヤマダ ハナコ", 9, True)
    assert again.contacts.get().phone == "+81312345678"


def test_operators_cannot_export_everyone(operator_client):
    assert operator_client.get("/people/export.csv").status_code == 403
    assert not AuditEntry.objects.filter(action="people.export").exists()


def test_the_staff_guides_example_imports_as_written(operator_client):
    from pathlib import Path

    guide = (Path(__file__).parents[2] / "docs" / "staff-guide.ja.md").read_text()
    example = re.search(r"```csv\n(.*?)```", guide, re.S).group(1)
    check = upload(operator_client, example.encode("cp932"))
    assert "3行すべて問題ありません" in check.content.decode()
    confirm(operator_client, check, "all")
    assert Person.objects.count() == 3
    assert Contact.objects.get(person__nickname="うめ").email == "jiro@example.jp"
