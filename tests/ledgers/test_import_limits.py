"""The reader refuses what would take the server down, before parsing and in bounded time and
memory: zip bombs, a shared-strings bomb, a million rows the import would ignore."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.utils import translation

from ledgers.imports import read_rows
from ledgers.imports.guard import SheetError
from tests.ledgers import xlsx_files

ROOT = Path(django_settings.BASE_DIR)
MAX_SECONDS = 2.0
MAX_EXTRA_MB = 150


def _probe(path: Path, **env) -> dict:
    """Read ``path`` in a fresh interpreter; its refusal, seconds and extra resident memory."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.ledgers.read_probe", str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _read(handle, kind="entities"):
    with translation.override("zh-hans"):
        return list(read_rows(handle, kind))


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if openpyxl is asked to parse the workbook."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_shared_strings_bomb_is_refused_fast_and_small(tmp_path):
    bomb = xlsx_files.shared_strings_bomb(tmp_path / "strings.xlsx", count=4_000_000)
    assert bomb.stat().st_size < 400_000

    probe = _probe(bomb)

    assert probe["refusal"]["code"] == "unpacked_too_large"
    assert "解压" in probe["refusal"]["message"]
    assert probe["seconds"] < MAX_SECONDS
    assert probe["extra_mb"] < MAX_EXTRA_MB


def test_shared_strings_are_counted_when_the_ratio_looks_harmless(tmp_path):
    # Given the ratio and size guards relaxed, the stream count of <si> still stops the bomb.
    bomb = xlsx_files.shared_strings_bomb(tmp_path / "strings.xlsx", count=4_000_000)

    probe = _probe(
        bomb,
        IMPORT_MAX_RATIO="1000000",
        IMPORT_MAX_UNPACKED_BYTES=str(2**40),
        IMPORT_MAX_SHARED_STRINGS_BYTES=str(2**40),
    )

    assert probe["refusal"]["code"] == "too_many_strings"
    assert "500000" in probe["refusal"]["message"]
    assert probe["seconds"] < MAX_SECONDS
    assert probe["extra_mb"] < MAX_EXTRA_MB


def test_a_million_unmapped_rows_are_refused_fast_and_small(tmp_path):
    sheet = xlsx_files.unmapped_rows(tmp_path / "rows.xlsx", count=1_000_000)
    assert sheet.stat().st_size < 300_000

    probe = _probe(sheet)

    assert probe["refusal"] is not None
    assert probe["refusal"]["code"] in ("unpacked_too_large", "too_many_rows")
    assert probe["seconds"] < MAX_SECONDS
    assert probe["extra_mb"] < MAX_EXTRA_MB


def test_rows_with_values_only_in_unmapped_columns_count_against_the_cap(settings, tmp_path):
    settings.IMPORT_MAX_ROWS = 50
    sheet = xlsx_files.unmapped_rows(tmp_path / "rows.xlsx", count=51)

    with open(sheet, "rb") as handle, pytest.raises(SheetError) as refused:
        _read(handle)

    assert refused.value.code == "too_many_rows"
    with translation.override("zh-hans"):
        assert "50" in str(refused.value.message) and "行" in str(refused.value.message)


def test_rows_up_to_the_cap_are_read(settings, tmp_path):
    settings.IMPORT_MAX_ROWS = 50
    sheet = xlsx_files.unmapped_rows(tmp_path / "rows.xlsx", count=50)

    with open(sheet, "rb") as handle:
        assert _read(handle) == []


def test_classic_zip_bomb_is_refused_before_parsing(tmp_path, no_parsing):
    bomb = xlsx_files.zeros_bomb(tmp_path / "bomb.xlsx", size=64 * 1024 * 1024)
    assert bomb.stat().st_size < 200_000

    with open(bomb, "rb") as handle, pytest.raises(SheetError) as refused:
        _read(handle)

    assert refused.value.code == "unpacked_too_large"


def test_total_unpacked_size_is_bounded_before_parsing(settings, tmp_path, no_parsing):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2000
    sheet = xlsx_files.unmapped_rows(tmp_path / "rows.xlsx", count=100)

    with open(sheet, "rb") as handle, pytest.raises(SheetError) as refused:
        _read(handle)

    assert refused.value.code == "unpacked_too_large"


@pytest.mark.parametrize(
    "content",
    [b"not a zip at all", b"PK\x03\x04broken", None],
    ids=["text", "broken-zip", "zip-without-workbook"],
)
def test_not_a_workbook_is_refused_with_a_clear_message(content, no_parsing):
    if content is None:
        buffer = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
        content = buffer.getvalue()

    with pytest.raises(SheetError) as refused:
        _read(io.BytesIO(content))

    assert refused.value.code == "not_xlsx"
    with translation.override("zh-hans"):
        assert ".xlsx" in str(refused.value.message) and "Excel" in str(refused.value.message)
