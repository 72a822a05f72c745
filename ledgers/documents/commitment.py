"""The cadre's 食品安全责任与任务承诺书 and three lists (责任清单、任务清单、整改清单), as a Word
document and as the rows the print page shows: one wording, one set of rows, for both.

An area's file holds every cadre's letter and lists, a page break between cadres, written
one cadre at a time into the document part of the .docx (a zip entry streamed to a temporary
file), so that a county of hundreds of cadres costs the memory of one.
"""

import io
import tempfile
import zipfile
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from lxml import etree

from ledgers.documents.official import (
    new_document,
    page_break,
    paragraph,
    save,
    table,
    template_bytes,
)
from ledgers.selectors.cadre_lists import VISITS_PER_QUARTER, CadreLists

SPOOL_BYTES = 8 * 1024 * 1024
_SECT_PR = qn("w:sectPr")
_PAGE_BREAK = (
    b'<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b'<w:r><w:br w:type="page"/></w:r></w:p>'
)


def commitment_title() -> str:
    return _("Food safety responsibility and task commitment letter")


def commitment_paragraphs(lists: CadreLists) -> list[str]:
    """The letter's text with the cadre's name, unit, post, area and holdings."""
    cadre = lists.cadre
    held = len(lists.responsibilities)
    return [
        _(
            "I, %(name)s, %(unit)s %(post)s, am a %(level)s-level supervising cadre (包保干部) "
            "of %(area)s. Following the mechanism of layered, graded and precise prevention "
            "and the two responsibilities for food safety, I solemnly commit:"
        )
        % {
            "name": cadre.name,
            "unit": cadre.unit or "—",
            "post": cadre.post or "—",
            "level": cadre.division.get_level_display(),
            "area": cadre.division.name,
        },
        ngettext(
            "1. To supervise the %(count)d business I hold (see the responsibility list) at "
            "least %(visits)d time a quarter, four times or more a year, on site where the risk "
            "is high.",
            "1. To supervise the %(count)d businesses I hold (see the responsibility list) at "
            "least %(visits)d time a quarter, four times or more a year, on site where the risk "
            "is high.",
            held,
        )
        % {"count": held, "visits": VISITS_PER_QUARTER},
        _(
            "2. To urge each business to carry out its own responsibility: a food safety "
            "director and officer in place, daily control, weekly screening and monthly review "
            "(日管控、周排查、月调度)."
        ),
        _(
            "3. To follow every issue found to its rectification and closure (销号) by its "
            "deadline (see the rectification list)."
        ),
        _(
            "4. To record each visit, heed the reminders and warnings, and report a change of "
            "post at once so that my businesses are handed over."
        ),
    ]


def signature_lines() -> list[str]:
    return [
        _("Committed by (signature): ____________    Date: ______ (Y) ____ (M) ____ (D)"),
        _("Head of the level (signature): ____________    Date: ______ (Y) ____ (M) ____ (D)"),
    ]


def _holding_way(holding) -> str:
    if holding.via_zone_id:
        return _("Zone %(zone)s") % {"zone": holding.via_zone.zone.name}
    if holding.escalated:
        return _("Escalated (提级包保)")
    return _("Direct")


def responsibility_headers() -> list[str]:
    return [
        _("No."),
        _("Business"),
        _("Grade"),
        _("Address"),
        _("Duties"),
        _("Visits due per quarter"),
    ]


def responsibility_rows(lists: CadreLists) -> list[list]:
    duties = _("Supervise, check its own responsibility, follow issues to closure")
    return [
        [
            n,
            h.entity.name,
            h.entity.grade,
            h.entity.address or h.entity.division.name,
            f"{duties}（{_holding_way(h)}）",
            VISITS_PER_QUARTER,
        ]
        for n, h in enumerate(lists.responsibilities, 1)
    ]


def task_headers() -> list[str]:
    return [_("No."), _("Business"), _("Grade"), _("Due by"), _("Last visit"), _("Status")]


def task_rows(lists: CadreLists) -> list[list]:
    return [
        [
            n,
            e.name,
            e.grade,
            lists.due_by.isoformat(),
            e.last_visit_at.date().isoformat() if e.last_visit_at else "—",
            _("Visited") if e.visited else _("Not yet visited"),
        ]
        for n, e in enumerate(lists.tasks, 1)
    ]


def rectification_headers() -> list[str]:
    return [_("No."), _("Business"), _("Issue"), _("Deadline"), _("Status"), _("Days overdue")]


def rectification_rows(lists: CadreLists) -> list[list]:
    return [
        [
            n,
            i.entity.name,
            i.description,
            i.deadline.isoformat(),
            i.get_status_display(),
            max((lists.today - i.deadline).days, 0),
        ]
        for n, i in enumerate(lists.rectifications, 1)
    ]


def list_sections(lists: CadreLists) -> list[tuple[str, list[str], list[list], str]]:
    """The three lists: title, headers, rows and the text when empty."""
    return [
        (
            _("Responsibility list (责任清单)"),
            responsibility_headers(),
            responsibility_rows(lists),
            _("No business is held."),
        ),
        (
            _("Task list for %(quarter)s (任务清单)") % {"quarter": lists.quarter},
            task_headers(),
            task_rows(lists),
            _("No business is due this quarter."),
        ),
        (
            _("Rectification list (整改清单)"),
            rectification_headers(),
            rectification_rows(lists),
            _("No open issue."),
        ),
    ]


def write_cadre(doc, lists: CadreLists) -> None:
    """The letter on its first page, then the three lists."""
    paragraph(doc, commitment_title(), "Title", indent=False)
    for text in commitment_paragraphs(lists):
        paragraph(doc, text)
    paragraph(doc, "")
    for text in signature_lines():
        paragraph(doc, text, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    page_break(doc)
    cadre = lists.cadre
    paragraph(
        doc,
        _("Lists of %(name)s (%(level)s, %(area)s), as of %(day)s")
        % {
            "name": cadre.name,
            "level": cadre.division.get_level_display(),
            "area": cadre.division.name,
            "day": lists.today.isoformat(),
        },
        "Title",
        indent=False,
    )
    for title, headers, rows, empty in list_sections(lists):
        paragraph(doc, title, "Heading 1")
        if rows:
            table(doc, headers, rows)
        else:
            paragraph(doc, empty)


def cadre_document(lists: CadreLists, *, template: bytes | None = None) -> bytes:
    """One cadre's letter and lists as .docx bytes."""
    doc = new_document(template)
    write_cadre(doc, lists)
    return save(doc)


def area_document(all_lists: Iterable[CadreLists], *, template: bytes | None = None):
    """Every cadre's letter and lists in one .docx, a page break between cadres: a rewound
    temporary file (in memory while small). Returns (file, number of cadres)."""
    template = template if template is not None else template_bytes()
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, suffix=".docx")  # noqa: SIM115
    count = 0
    with zipfile.ZipFile(io.BytesIO(template)) as source:
        document = source.read("word/document.xml")
        body = document.index(b">", document.index(b"<w:body")) + 1
        head, tail = document[:body], document[document.rindex(b"<w:sectPr") :]
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as out:
            for item in source.infolist():
                if item.filename != "word/document.xml":
                    out.writestr(item, source.read(item.filename))
            # One document on the template, its body written, sent and emptied per cadre.
            doc = new_document(template)
            body = doc.element.body
            with out.open("word/document.xml", "w") as part:
                part.write(head)
                for lists in all_lists:
                    if count:
                        part.write(_PAGE_BREAK)
                    write_cadre(doc, lists)
                    for element in list(body):
                        if element.tag != _SECT_PR:
                            part.write(etree.tostring(element))
                            body.remove(element)
                    count += 1
                part.write(tail)
    handle.seek(0)
    return handle, count
