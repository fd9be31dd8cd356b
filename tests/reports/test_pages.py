"""Staff open the monthly report, pick a month and a team, and download it as
CSV and PDF. The PDF's Japanese is real text: it is extracted and read back.
Staff who chose English get the page, the CSV and the PDF in English."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from anpi.engine.models import Check
from anpi.groups.models import Team, TeamPerson
from anpi.individual.policy import INDIVIDUAL_DEFAULT
from anpi.reports.export import guard

JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def december(tenant, make_person, clock):
    """Two persons' checks in December: one answered after 12 minutes, one escalated."""
    hanako, taro = make_person("はなこ"), make_person("たろう")
    due = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    for person, fields in (
        (hanako, {"state": "answered", "answered_at": due + timedelta(minutes=12), "step": 1}),
        (taro, {"state": "resolved", "close_reason": "staff_safe", "step": 3}),
    ):
        Check.objects.create(
            tenant=tenant,
            person=person,
            due_at=due,
            policy=INDIVIDUAL_DEFAULT,
            created_at=due,
            **fields,
        )
    return hanako, taro


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_an_operator_sees_this_months_charts_and_what_each_figure_means(client, operator, december):
    client.force_login(operator)
    response = client.get("/reports/")
    page = response.content.decode()

    assert response.status_code == 200
    assert page.count("<svg") == 3  # daily checks, funnel, LINE messages: inline, no script
    assert "2026年12月の実証実験レポート" in page
    assert "50.0%" in page  # one of two checks answered by the person
    assert "12分" in page  # the median time to answer
    assert (
        "応答率: 本人の応答 ÷（送信した確認 − 取り消し）" in page
    )  # the definition, under the figure
    assert "未記録" in page or "通話時間" in page
    assert 'href="/reports/"' in page and 'aria-current="page"' in page  # in the nav


def test_the_report_is_for_staff_only(client, operator, watcher):
    assert client.get("/reports/").status_code == 302  # to the login page
    client.force_login(watcher)
    assert client.get("/reports/").status_code == 403


def test_another_tenants_team_is_not_found(client, operator, stranger, other_tenant):
    theirs = Team.objects.create(tenant=other_tenant, name="となりチーム")
    client.force_login(operator)
    assert client.get(f"/reports/?scope=team-{theirs.pk}").status_code == 404


def test_a_future_month_or_a_bad_scope_is_not_found(client, operator):
    client.force_login(operator)
    assert client.get("/reports/?month=2027-01").status_code == 404
    assert client.get("/reports/?scope=everyone").status_code == 404


def test_a_team_report_counts_the_teams_persons_only(client, operator, tenant, december, clock):
    hanako, _ = december
    team = Team.objects.create(tenant=tenant, name="中町見守り隊")
    TeamPerson.objects.create(tenant=tenant, team=team, person=hanako, joined_at=clock.now())
    client.force_login(operator)

    page = client.get(f"/reports/?month=2026-12&scope=team-{team.pk}").content.decode()

    assert "みまもりNPO / 中町見守り隊" in page
    assert "100.0%" in page


def test_the_csv_opens_in_excel_in_japan_and_runs_no_formula(client, operator, tenant, december):
    team = Team.objects.create(tenant=tenant, name='=HYPERLINK("http://evil.example","x")')
    client.force_login(operator)

    response = client.get(f"/reports/report.csv?month=2026-12&scope=team-{team.pk}")
    body = response.content

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith("\ufeff".encode())  # UTF-8 with BOM
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == "対象,月,区分,項目,値,定義"
    assert '"みまもりNPO / =HYPERLINK(""http://evil.example"",""x"")"' in text
    assert ",=HYPERLINK" not in text and not any(line.startswith("=") for line in text.splitlines())


def test_the_whole_tenants_csv_has_the_answer_rate_and_each_day(client, operator, december):
    client.force_login(operator)
    text = client.get("/reports/report.csv?month=2026-12").content.decode("utf-8-sig")
    assert "みまもりNPO,2026-12,安否確認,応答率,0.5," in text
    assert "みまもりNPO,2026-12,日別,2026-12-01 送信,2," in text
    assert "電話対応,通話時間（分）" in text


@pytest.mark.parametrize(
    "cell, safe",
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-x", "'-x"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("はなこ", "はなこ"),
        (-3, -3),
        (0.5, 0.5),
    ],
)
def test_cells_that_a_spreadsheet_would_run_become_text(cell, safe):
    assert guard(cell) == safe


def test_the_pdf_holds_the_reports_japanese_as_real_text(client, operator, december):
    client.force_login(operator)

    response = client.get("/reports/report.pdf?month=2026-12")

    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for words in ("応答率", "みまもりNPO", "2026年12月", "50.0%", "エスカレーション", "空振り"):
        assert words in text


JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def english(client):
    """The client with the English UI chosen (the language switch sets this cookie)."""
    client.cookies["django_language"] = "en"
    return client


def report_part(page: str) -> str:
    return page[page.index('<div class="report">') :]


def test_the_report_in_the_english_ui_has_english_headings_charts_and_definitions(
    client, operator, december
):
    client.force_login(operator)
    page = english(client).get("/reports/?month=2026-12").content.decode()
    report = report_part(page)

    assert "Monthly report" in page and "Download PDF" in page
    assert '<option value="2026-12" selected>December 2026</option>' in page
    assert "Pilot report for December 2026" in report
    assert (
        "Answer rate: checks answered by the person ÷ (checks sent − cancelled)" in report
    )  # the definition
    assert "<h3>Safety checks</h3>" in report and "<h3>Escalation</h3>" in report
    assert '<th scope="row">Time to answer (median, minutes)</th><td class="num">12 min</td>' in (
        report
    )
    assert '<th scope="row">Active people</th><td class="num">2 people</td>' in report
    assert 'aria-label="Checks sent and answered, by day"' in report  # the charts' own words
    assert ">Staff call</text>" in report and ">Answered</text>" in report
    # Only the names people typed (the tenant's) stay Japanese.
    assert JAPANESE.findall(report.replace("みまもりNPO", "")) == []


def test_the_language_switch_in_the_header_turns_the_report_and_its_downloads_english(
    client, operator, december
):
    client.force_login(operator)
    page = client.get("/reports/?month=2026-12").content.decode()
    assert 'name="language" value="en"' in page  # the switch is on the report page

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/reports/?month=2026-12"})
    assert switched.status_code == 302

    page = client.get(switched["Location"]).content.decode()
    assert "Pilot report for December 2026" in page
    csv = client.get("/reports/report.csv?month=2026-12").content.decode("utf-8-sig")
    assert csv.startswith("Scope,Month,Section,Figure,Value,Definition")


def test_the_report_in_the_japanese_ui_stays_japanese_after_an_english_look(
    client, operator, december
):
    client.force_login(operator)
    english(client).get("/reports/?month=2026-12")
    client.cookies["django_language"] = "ja"
    report = report_part(client.get("/reports/?month=2026-12").content.decode())

    assert "2026年12月の実証実験レポート" in report
    assert '<th scope="row">応答までの時間（中央値・分）</th><td class="num">12分</td>' in report
    assert ">スタッフ電話</text>" in report and ">本人が応答</text>" in report
    assert "Pilot report" not in report and "Staff call" not in report


def test_the_csv_from_the_english_ui_has_an_english_header_and_labels(client, operator, december):
    client.force_login(operator)
    response = english(client).get("/reports/report.csv?month=2026-12")
    text = response.content.decode("utf-8-sig")

    assert text.splitlines()[0] == "Scope,Month,Section,Figure,Value,Definition"
    assert "みまもりNPO,2026-12,Safety checks,Answer rate,0.5,Answer rate: checks answered" in text
    assert "みまもりNPO,2026-12,Escalation,Staff call,1," in text
    assert "みまもりNPO,2026-12,By day,2026-12-01 Sent,2," in text
    assert "Phone calls,Call time (minutes),Not recorded," in text
    assert "December%202026_pilot_report.csv" in response["Content-Disposition"]
    assert JAPANESE.findall(text.replace("みまもりNPO", "")) == []


def test_the_csv_from_the_japanese_ui_is_named_in_japanese(client, operator, december):
    client.force_login(operator)
    response = client.get("/reports/report.csv?month=2026-12")

    assert quote("みまもりNPO_2026年12月_実証実験レポート.csv") in response["Content-Disposition"]
    assert 'filename="anpi-report-2026-12.csv"' in response["Content-Disposition"]


def test_the_pdf_from_the_english_ui_is_in_english_and_keeps_japanese_names(
    client, operator, december
):
    client.force_login(operator)

    response = english(client).get("/reports/report.pdf?month=2026-12")

    assert response.status_code == 200, response.content[:300]
    text = pdf_text(response.content)
    for words in ("Pilot report for December 2026", "Answer rate", "Staff call", "False alarms"):
        assert words in text
    assert "みまもりNPO" in text  # the Japanese font is still embedded, as text
    assert "応答率" not in text and "実証実験" not in text


# ── viewers (閲覧のみ): a city's officials read the report, never a person ──────

# What of the persons must never reach a viewer: names, a contact, phone numbers.
PERSONAL = ("はなこ", "たろう", "長男 一郎", "09012345678", "+819012345678", "090-1234-5678")


@pytest.fixture
def viewer_client(client, viewer, make_person, december):
    make_person(
        "うめ", contacts=[{"name": "長男 一郎", "relation": "息子", "phone": "09012345678"}]
    )
    client.force_login(viewer)
    return client


def test_a_viewer_reads_the_pilot_report_with_its_figures_and_no_person(viewer_client):
    response = viewer_client.get("/reports/?month=2026-12")
    page = response.content.decode()

    assert response.status_code == 200
    assert "2026年12月の実証実験レポート" in page
    assert "50.0%" in page  # the same figures staff see
    assert [word for word in PERSONAL if word in page] == []


def test_a_viewer_downloads_the_csv_with_aggregates_only(viewer_client):
    response = viewer_client.get("/reports/report.csv?month=2026-12")
    text = response.content.decode("utf-8-sig")

    assert response.status_code == 200
    assert "みまもりNPO,2026-12,安否確認,応答率,0.5," in text
    assert [word for word in PERSONAL if word in text] == []


def test_a_viewer_downloads_the_pdf_with_aggregates_only(viewer_client):
    response = viewer_client.get("/reports/report.pdf?month=2026-12")

    assert response.status_code == 200, response.content[:300]
    text = pdf_text(response.content)
    assert "応答率" in text and "50.0%" in text
    assert [word for word in PERSONAL if word in text] == []


def test_a_viewer_reads_the_report_of_a_team(viewer_client, tenant, clock, december):
    hanako, _ = december
    team = Team.objects.create(tenant=tenant, name="中町見守り隊")
    TeamPerson.objects.create(tenant=tenant, team=team, person=hanako, joined_at=clock.now())

    page = viewer_client.get(f"/reports/?month=2026-12&scope=team-{team.pk}").content.decode()

    assert "みまもりNPO / 中町見守り隊" in page and "100.0%" in page
    assert "はなこ" not in page  # a team of one is still a figure, not a name


def test_a_viewer_of_another_tenant_reads_only_their_own_tenants_report(
    client, stranger_viewer, tenant, december
):
    team = Team.objects.create(tenant=tenant, name="中町見守り隊")
    client.force_login(stranger_viewer)

    assert client.get(f"/reports/?scope=team-{team.pk}").status_code == 404
    page = client.get("/reports/?month=2026-12").content.decode()
    assert "となり市社協" in page and "みまもりNPO" not in page and "50.0%" not in page


def test_a_viewer_switches_the_report_to_english(viewer_client):
    switched = viewer_client.post(
        "/i18n/setlang/", {"language": "en", "next": "/reports/?month=2026-12"}
    )
    page = viewer_client.get(switched["Location"]).content.decode()

    assert "Pilot report for December 2026" in page


def csv_rows(client, language: str) -> list[dict[str, str]]:
    client.cookies["django_language"] = language
    text = client.get("/reports/report.csv?month=2026-12").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    keys = ("scope", "month", "section", "label", "value", "definition")
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


def subject(definition: str) -> str:
    """What a definition defines: its words before the first colon, without an
    aside in brackets ("False alarms (safe): …" → "False alarms")."""
    head = definition.split(":", 1)[0]
    return re.sub(r"\s*[（(][^）)]*[）)]", "", head).strip()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_csv_row_carries_its_own_definition_or_none(client, operator, december, language):
    client.force_login(operator)
    rows = csv_rows(client, language)

    defined = [row for row in rows if row["definition"]]
    assert len(defined) > 20  # every figure of the report, not only a few
    for row in defined:
        # The row's own figure, or its whole section ("Visits: …" under 訪問).
        what = subject(row["definition"])
        assert what and (what in row["label"] or what in row["section"]), row


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_definition_is_shared_only_by_rows_of_one_section(client, operator, december, language):
    client.force_login(operator)
    sections: dict[str, set[str]] = {}
    for row in csv_rows(client, language):
        if row["definition"]:
            sections.setdefault(row["definition"], set()).add(row["section"])

    assert {d: s for d, s in sections.items() if len(s) > 1} == {}


def test_the_cancelled_and_answered_rows_say_what_they_count_not_the_answer_rate(
    client, operator, december
):
    client.force_login(operator)
    rows = {row["label"]: row["definition"] for row in csv_rows(client, "ja")}

    assert rows["取り消し"].startswith("取り消し: 送信した後に取り消された確認")
    assert rows["本人の応答"].startswith("本人の応答: 送信した確認のうち、本人が応答したもの")
    assert rows["応答率"] == "応答率: 本人の応答 ÷（送信した確認 − 取り消し）。"
