"""Checks an uploaded workbook passes before anything parses it: a real .xlsx (a zip holding
xl/workbook.xml), not a zip bomb (unpacked size and compression ratio from the zip's directory,
nothing inflated), and a shared-strings table small enough to hold in memory (openpyxl loads it
whole, even read-only: its entries are counted by streaming the XML, never building it)."""

import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SHARED_STRINGS = "xl/sharedStrings.xml"
# A member this small cannot be a bomb whatever its ratio (an empty sheet compresses 50:1).
RATIO_FLOOR_BYTES = 1024 * 1024
# One <si> per shared string, with or without a namespace prefix.
STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
SCAN_CHUNK = 1024 * 1024


class SheetError(ValidationError):
    """A workbook refused as a whole (by these checks or by the reader, ``sheet.read_rows``)."""


def _refuse(message: str, code: str):
    return SheetError(message, code=code)


def workbook_check(file) -> None:
    """Refuse (SheetError, in the site's language) a file that is not an .xlsx workbook, whose
    parts would unpack to more than IMPORT_MAX_UNPACKED_BYTES or at more than
    IMPORT_MAX_RATIO : 1, or whose shared strings exceed IMPORT_MAX_SHARED_STRINGS entries or
    IMPORT_MAX_SHARED_STRINGS_BYTES. Leaves ``file`` at its start."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if "xl/workbook.xml" not in names:
                raise _refuse(
                    _(
                        "This is not an Excel workbook (.xlsx); save the sheet as .xlsx and upload it."
                    ),
                    "not_xlsx",
                )
            _check_sizes(members)
            if SHARED_STRINGS in names:
                _check_shared_strings(archive, archive.getinfo(SHARED_STRINGS))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise _refuse(
            _("This is not an Excel workbook (.xlsx); save the sheet as .xlsx and upload it."),
            "not_xlsx",
        ) from exc
    finally:
        file.seek(0)


def _too_big():
    return _refuse(
        _(
            "The workbook unpacks to far more data than a sheet of this size holds; it was not "
            "read. Save it again from Excel, or split it into smaller files."
        ),
        "unpacked_too_large",
    )


def _check_sizes(members) -> None:
    total = 0
    for member in members:
        total += member.file_size
        if total > settings.IMPORT_MAX_UNPACKED_BYTES:
            raise _too_big()
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR_BYTES and ratio > settings.IMPORT_MAX_RATIO:
            raise _too_big()


def _check_shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Count the <si> entries while inflating (never more than IMPORT_MAX_SHARED_STRINGS_BYTES,
    a chunk at a time); the declared uniqueCount is not trusted."""
    too_many = _refuse(
        _(
            "The workbook holds more than %(n)d distinct texts; it was not read. Split it into "
            "smaller files."
        )
        % {"n": settings.IMPORT_MAX_SHARED_STRINGS},
        "too_many_strings",
    )
    if info.file_size > settings.IMPORT_MAX_SHARED_STRINGS_BYTES:
        raise too_many
    count = 0
    read = 0
    tail = b""
    with archive.open(info) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            read += len(chunk)
            if read > settings.IMPORT_MAX_SHARED_STRINGS_BYTES:  # the directory lied
                raise too_many
            data = tail + chunk
            # A tag cut by the chunk boundary is counted with the next chunk.
            cut = data.rfind(b"<")
            cut = len(data) if cut < 0 else cut
            count += len(STRING_ITEM.findall(data, 0, cut))
            tail = data[cut:]
            if count > settings.IMPORT_MAX_SHARED_STRINGS:
                raise too_many
    count += len(STRING_ITEM.findall(tail))
    if count > settings.IMPORT_MAX_SHARED_STRINGS:
        raise too_many
