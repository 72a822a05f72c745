"""The work report as a Word 公文 (GB/T 9704): opened with python-docx, its page, fonts and every
figure checked against the report selector and the dashboard; quarter and year variants; the
office's summary and its own template."""

import datetime
import io

import pytest
from django.urls import reverse
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from ledgers.documents.official import (
    BODY_FONT,
    HEADING1_FONT,
    HEADING2_FONT,
    TITLE_FONT,
    default_template,
    east_asian_font,
)
from ledgers.reports import FIGURES, ReportPeriod, figure_text, work_report
from tests.factories import office_user, wanshan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zh")]

URL = reverse("dashboard:report")


def _docx(response) -> Document:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    return Document(io.BytesIO(response.content))


def _mm(*lengths) -> tuple:
    """Lengths in whole millimetres (Word stores twips: 210 mm is 11,906 twips, 0.01 mm off)."""
    return tuple(round(length.mm, 1) for length in lengths)


def _style_font(doc, name):
    return east_asian_font(doc.styles[name].element), doc.styles[name].font.size


def test_the_document_has_the_official_page_and_fonts(client, tree):
    # given a county office
    client.force_login(office_user(tree.county))
    # when it downloads May's report as Word
    doc = _docx(client.get(URL, {"month": "2026-05", "format": "docx"}))
    # then A4 with the GB/T 9704 margins
    section = doc.sections[0]
    assert _mm(section.page_width, section.page_height) == (210, 297)
    assert _mm(section.top_margin, section.bottom_margin) == (37, 35)
    assert _mm(section.left_margin, section.right_margin) == (28, 26)
    # and 22 lines of 28 characters: fixed line pitch and the document grid
    grid = section._sectPr.find(qn("w:docGrid"))
    assert (grid.get(qn("w:type")), grid.get(qn("w:linePitch"))) == ("linesAndChars", "579")
    normal = doc.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.line_spacing == Pt(28.95)
    # and the title in 方正小标宋简体 二号, the body in 仿宋_GB2312 三号, headings 黑体 and 楷体
    title, body = doc.paragraphs[0], doc.paragraphs[1]
    assert title.style.name == "Title" and "碧江区" in title.text and "2026" in title.text
    assert _style_font(doc, "Title") == (TITLE_FONT, Pt(22))
    assert body.style.name == "Normal"
    assert _style_font(doc, "Normal") == (BODY_FONT, Pt(16))
    assert _style_font(doc, "Heading 1") == (HEADING1_FONT, Pt(16))
    assert _style_font(doc, "Heading 2") == (HEADING2_FONT, Pt(16))
    assert doc.styles["Heading 1"].font.bold is False
    # and page numbers "— N —" in 宋体 4号: odd pages right, even pages left
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert (odd.alignment, even.alignment) == (2, 0)
    for footer in (odd, even):
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert "PAGE" in footer._p.xml
        assert {east_asian_font(r._r) for r in footer.runs} == {"宋体"}
        assert {r.font.size for r in footer.runs} == {Pt(14)}


def test_every_figure_equals_the_report_selector_and_the_dashboard(client, tree):
    # given a county office on 2026-05-20, the report selector's May and the dashboard
    user = office_user(tree.county)
    client.force_login(user)
    report = work_report(
        user=user,
        division=tree.county,
        period=ReportPeriod.containing("month", datetime.date(2026, 5, 1)),
        today=datetime.date(2026, 5, 20),
    )
    dashboard = client.get(reverse("dashboard:index")).context["figures"]["total"]
    # when the Word document is downloaded
    doc = _docx(client.get(URL, {"month": "2026-05", "format": "docx"}))
    text = [p.text for p in doc.paragraphs]
    # then each key figure is the total's
    for name in FIGURES:
        assert any(line.endswith("：" + figure_text(report.total, name)) for line in text), name
    # and the two tables hold every township's line and the total, figure by figure
    visits, issues = doc.tables
    assert [c.text for c in visits.columns[0].cells][1:] == ["环北街道", "川硐街道", "合计"]
    names = ("open", "coverage", "visits", "visited_entities", "due", "visited", "rate")
    for table_row, row in zip(visits.rows[1:], [*report.rows, report.total], strict=True):
        assert [c.text for c in table_row.cells[1:]] == [figure_text(row, n) for n in names]
    names = ("issues_found", "issues_closed", "issues_overdue", "overdue_cadres")
    for table_row, row in zip(issues.rows[1:], [*report.rows, report.total], strict=True):
        assert [c.text for c in table_row.cells[1:]] == [figure_text(row, n) for n in names]
    # and the dashboard shows the same coverage, quarter rate and overdue cadres
    assert (report.total.open, report.total.covered) == (dashboard.open, dashboard.covered)
    assert (report.total.due, report.total.visited) == (
        dashboard.current.due,
        dashboard.current.visited,
    )
    assert report.total.overdue_cadres == dashboard.overdue_cadres
    # and the hand-counted totals are the ones printed: 6 open, 66.7% covered, 40.0% visited
    assert [figure_text(report.total, n) for n in ("open", "coverage", "rate")] == [
        "6",
        "66.7%",
        "40.0%",
    ]


def test_the_office_summary_replaces_the_generated_one(client, tree):
    client.force_login(office_user(tree.county))
    summary = "五月份，我区包保督导工作有序推进。\n下一步将加强A级主体督导。"
    doc = _docx(client.get(URL, {"month": "2026-05", "format": "docx", "summary": summary}))
    assert [p.text for p in doc.paragraphs[1:3]] == summary.splitlines()


def test_a_summary_too_long_is_refused_and_no_document_is_made(client, tree):
    client.force_login(office_user(tree.county))
    response = client.get(URL, {"month": "2026-05", "format": "docx", "summary": "字" * 4001})
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["summary"]


@pytest.mark.parametrize(
    ("period", "month", "first", "last"),
    [
        ("quarter", "2026-05", "2026-04-01", "2026-06-30"),
        ("year", "2026-02", "2026-01-01", "2026-12-31"),
    ],
)
def test_quarter_and_year_reports_count_the_whole_period(client, tree, period, month, first, last):
    # given a county office
    user = office_user(tree.county)
    client.force_login(user)
    # when it asks for the quarter or the year of a month
    report = client.get(URL, {"month": month, "period": period}).context["report"]
    # then the period is the whole quarter or year, seen today (2026-05-20)
    assert (report.period.start.isoformat(), report.period.end.isoformat()) == (first, last)
    assert report.as_of.isoformat() == "2026-05-20"
    # and its visits and issues are those of every month in it
    months = {
        "quarter": ["2026-04", "2026-05"],
        "year": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"],
    }[period]
    monthly = [client.get(URL, {"month": m}).context["report"].total for m in months]
    for name in ("visits", "issues_found", "issues_closed"):
        assert getattr(report.total, name) == sum(getattr(t, name) for t in monthly), name
    # and the Word document names the period
    doc = _docx(client.get(URL, {"month": month, "period": period, "format": "docx"}))
    assert report.period.label in doc.paragraphs[0].text


def test_an_office_template_is_used_when_set(client, tree, settings, tmp_path):
    # given an office's template: the default with the body style's font changed to 宋体
    doc = Document(io.BytesIO(default_template()))
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    fonts.set(qn("w:eastAsia"), "宋体")
    path = tmp_path / "office.docx"
    doc.save(path)
    settings.REPORT_DOCX_TEMPLATE = str(path)
    client.force_login(office_user(tree.county))
    # when a report is downloaded, it is written on that template
    made = _docx(client.get(URL, {"month": "2026-05", "format": "docx"}))
    assert east_asian_font(made.styles["Normal"].element) == "宋体"
    assert made.tables and "碧江区" in made.paragraphs[0].text


def test_another_county_is_404_for_the_document_too(client, tree):
    client.force_login(office_user(tree.county))
    response = client.get(URL, {"division": wanshan().pk, "month": "2026-05", "format": "docx"})
    assert response.status_code == 404
