"""Hand-made .xlsx files for the reader's limits: written part by part with ``zipfile`` (streamed,
so that a 64 MB part never sits in the test's memory), smallest valid workbook around them."""

import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.utils import translation

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def entity_headers() -> list[str]:
    from ledgers.imports import FIELDS

    with translation.override("zh-hans"):
        return [str(f.header) for f in FIELDS["entities"]]


def _header_row() -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for i, h in enumerate(entity_headers())
    )
    return f'<row r="1">{cells}</row>'


def _write(path: Path, sheet_rows: Iterable[str], strings: Iterable[str] | None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {MAIN}><sheetData>'.encode()
            )
            _stream(part, sheet_rows)
            part.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {MAIN}>'.encode())
            _stream(part, (f"<si><t>{s}</t></si>" for s in strings or ()))
            part.write(b"</sst>")
    return path


def _stream(part, pieces: Iterable[str], batch: int = 10_000) -> None:
    buffer = []
    for piece in pieces:
        buffer.append(piece)
        if len(buffer) >= batch:
            part.write("".join(buffer).encode())
            buffer.clear()
    part.write("".join(buffer).encode())


def shared_strings_bomb(path: Path, count: int = 4_000_000) -> Path:
    """A ~200 KB workbook whose shared-strings table holds ``count`` (short, repeating) texts."""
    return _write(path, [_header_row()], (f"{i % 10}" for i in range(count)))


def unmapped_rows(path: Path, count: int = 1_000_000) -> Path:
    """The entity headers, then ``count`` rows with a value only in the column after them (not
    imported). Rows and cells without a reference count on from the previous one."""
    row = "<row>" + "<c/>" * len(entity_headers()) + "<c><v>1</v></c></row>"
    rows = (row for _ in range(count))
    return _write(path, _chain(_header_row(), rows), None)


def _chain(first: str, rest: Iterable[str]) -> Iterable[str]:
    yield first
    yield from rest


def zeros_bomb(path: Path, size: int) -> Path:
    """A classic zip bomb: a sheet part of ``size`` bytes of blanks, kilobytes once deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b" " * (1024 * 1024)
            for _ in range(size // len(block)):
                part.write(block)
    return path
