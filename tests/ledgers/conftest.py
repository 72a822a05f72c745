import io

import openpyxl
import pytest


def open_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet_rows(ws) -> list[tuple]:
    """The data rows of a ledger sheet (below the title, period line and header)."""
    return list(ws.iter_rows(min_row=4, values_only=True))


def header(ws) -> list[str]:
    return list(next(ws.iter_rows(min_row=3, max_row=3, values_only=True)))


@pytest.fixture
def zh():
    from django.utils import translation

    with translation.override("zh-hans"):
        yield
