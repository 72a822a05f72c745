"""Word documents in the official layout (GB/T 9704-2012 党政机关公文格式), with python-docx.

Every document starts from one template: the office's own (``REPORT_DOCX_TEMPLATE``, a .docx
path) or the default built here. A template brings the page (A4, margins top 37 mm, bottom 35 mm,
left 28 mm, right 26 mm; 22 lines of 28 characters through the document grid), the page numbers
("— 1 —", 宋体 4号, odd pages right, even pages left) and five styles the writers use by name:
"Title" (方正小标宋简体 二号), "Normal" (仿宋_GB2312 三号, fixed 28.95 pt lines, first line indented
two characters), "Heading 1" (黑体 三号), "Heading 2" (楷体_GB2312 三号) and "Table Text" (仿宋_GB2312
五号, for table cells). An office that edits the default (``manage.py report_template``) in Word
keeps its changes: only the template's body is replaced.
"""

import io

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(10.5)  # 五号
# 22 lines in the 225 mm type area (297 - 37 - 35): 637.8 pt / 22 = 28.99 pt; Word's grid keeps
# 28.95 pt (579 twips), the figure offices use.
LINE_PITCH = Pt(28.95)
LINE_PITCH_TWIPS = 579
# 28 characters in the 156 mm line (210 - 28 - 26): 442.2 pt / 28 = 15.79 pt each, 0.207 pt less
# than a 16 pt character; Word stores that difference in 1/4096 pt.
CHAR_SPACE = -849
TABLE_STYLE = "Table Text"


def _fonts(rpr_owner, name: str) -> None:
    """Set every script's font of a style or run to ``name`` (theme fonts would override it)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)


def east_asian_font(element) -> str | None:
    """The East Asian font a style's or run's XML names (what Word shows Chinese text in)."""
    rpr = element.rPr
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def _style(styles, name: str, *, font: str, size, bold=False, based_on=None):
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if based_on is not None:
        style.base_style = styles[based_on]
    _fonts(style.element, font)
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    fmt = style.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    return style


def _page_number_footer(footer, *, align) -> None:
    """ "— N —" in 宋体 4号, one character in from the outer edge."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = PAGE_NUMBER_SIZE
    else:
        paragraph.paragraph_format.left_indent = PAGE_NUMBER_SIZE
    paragraph.paragraph_format.first_line_indent = Pt(0)

    def run(text=None):
        r = paragraph.add_run(text)
        _fonts(r._r, PAGE_NUMBER_FONT)
        r.font.size = PAGE_NUMBER_SIZE
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        r = run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            r._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._r.append(instr)
        else:
            r.text = text
    end = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    run(" —")


def _grid(section) -> None:
    sect = section._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    grid.set(qn("w:charSpace"), str(CHAR_SPACE))
    sect.append(grid)


def default_template() -> bytes:
    """The default template (.docx bytes): the official page, page numbers and styles."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    _grid(section)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(section.even_page_footer, align=WD_ALIGN_PARAGRAPH.LEFT)
    styles = doc.styles
    normal = _style(styles, "Normal", font=BODY_FONT, size=BODY_SIZE)
    normal.paragraph_format.first_line_indent = BODY_SIZE * 2
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    title = _style(styles, "Title", font=TITLE_FONT, size=TITLE_SIZE, based_on="Normal")
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing = Pt(35)
    title.paragraph_format.space_after = LINE_PITCH
    for name, font in (("Heading 1", HEADING1_FONT), ("Heading 2", HEADING2_FONT)):
        heading = _style(styles, name, font=font, size=BODY_SIZE, based_on="Normal")
        heading.paragraph_format.first_line_indent = BODY_SIZE * 2
        heading.paragraph_format.keep_with_next = True
    table = _style(styles, TABLE_STYLE, font=BODY_FONT, size=TABLE_SIZE, based_on="Normal")
    table.paragraph_format.first_line_indent = Pt(0)
    table.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    table.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def template_bytes() -> bytes:
    """The template documents start from: the office's (``REPORT_DOCX_TEMPLATE``) or the
    default."""
    path = getattr(settings, "REPORT_DOCX_TEMPLATE", "")
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    return default_template()


def new_document(template: bytes | None = None):
    """An empty document on the template: its page, styles and page numbers, no body text."""
    doc = Document(io.BytesIO(template if template is not None else template_bytes()))
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def _style_id(doc, name: str) -> str:
    """The id of the template's paragraph style ``name`` (Normal's when it lacks it), looked up
    once per document: python-docx's own lookup walks every style each time."""
    ids = getattr(doc, "_baobao_style_ids", None)
    if ids is None:
        ids = doc._baobao_style_ids = {
            s.name: s.style_id for s in doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH
        }
    return ids.get(name) or ids["Normal"]


def paragraph(doc, text: str = "", style: str = "Normal", *, align=None, indent=True):
    """A paragraph in one of the template's styles (Normal when the template lacks it)."""
    p = doc.add_paragraph(text)
    p._p.style = _style_id(doc, style)
    if align is not None:
        p.alignment = align
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    return p


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    tbl_pr.append(borders)


def table(doc, headers: list[str], rows: list[list], *, widths_mm: list[float] | None = None):
    """A bordered table: a bold header row repeated on each page, then ``rows`` as text."""
    style = _style_id(doc, TABLE_STYLE)
    t = doc.add_table(rows=1, cols=len(headers))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(t)

    def fill(cells, values, bold=False):
        for cell, value in zip(cells, values, strict=True):
            p = cell.paragraphs[0]
            p._p.style = style
            p.paragraph_format.first_line_indent = Pt(0)
            run = p.add_run("" if value is None else str(value))
            if bold:
                run.bold = True

    fill(t.rows[0].cells, headers, bold=True)
    header_pr = t.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    header_pr.append(repeat)
    for values in rows:
        fill(t.add_row().cells, values)
    if widths_mm:
        for row in t.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)
    return t


def save(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_response(document: bytes, filename: str) -> HttpResponse:
    """A .docx download; Django encodes a Chinese file name per RFC 6266."""
    response = HttpResponse(document, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response
