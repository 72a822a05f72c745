"""A 40,000-row import end to end with a REAL Celery worker over Redis on PostgreSQL: the check
runs on the worker with progress the page shows, and the import plans the stored rows without
reading the file again."""

import io
import time

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from entities.models import Entity
from ledgers.imports import FIELDS, jobs
from ledgers.models import ImportBatch, ImportStatus
from tests.factories import county, office_user, valid_uscc, village

pytestmark = pytest.mark.services
ROWS = 40_000


def _sheet(rows: int) -> bytes:
    with translation.override("zh-hans"):
        headers = [str(f.header) for f in FIELDS["entities"]]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(headers)
    code = village().code
    for n in range(rows):
        row = {
            "name": f"导入饭店{n}",
            "uscc": valid_uscc(500_000 + n),
            "business_type": "餐饮服务",
            "grade": "D",
            "division": code,
        }
        ws.append([row.get(f.name, "") for f in FIELDS["entities"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _wait(batch_id: int, until: set[str], seen: list, timeout: float = 300) -> ImportBatch:
    """Poll the batch as the page does; every state seen is appended to ``seen``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.defer("sheet_rows", "plan").get(pk=batch_id)
        state = (batch.status, batch.rows_read, batch.rows_checked)
        if not seen or seen[-1] != state:
            seen.append(state)
        if batch.status in until:
            return batch
        time.sleep(0.05)
    raise AssertionError(f"the worker did not finish: {seen[-5:]}")


@pytest.mark.django_db(transaction=True)
def test_a_40k_row_import_runs_as_a_job_with_progress(client, settings, monkeypatch, real_worker):
    # given a clerk and a sheet of 40,000 new businesses; the reader counts its calls
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = office_user(county())
    client.force_login(user)
    content = _sheet(ROWS)
    reads = []
    real_read_rows = jobs.read_rows

    def counting_read_rows(*args, **kwargs):
        reads.append(args)
        return real_read_rows(*args, **kwargs)

    monkeypatch.setattr(jobs, "read_rows", counting_read_rows)

    # when the clerk uploads it, the request only stores it
    started = time.monotonic()
    response = client.post(
        reverse("ledgers:import"),
        {"kind": "entities", "file": SimpleUploadedFile("大表.xlsx", content)},
    )
    upload_seconds = time.monotonic() - started
    batch = ImportBatch.objects.get()
    assert response.status_code == 302

    # then the worker checks it, and the page shows the progress on the way
    seen = []
    page = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        current = ImportBatch.objects.defer("sheet_rows", "plan").get(pk=batch.pk)
        seen.append((current.status, current.rows_read, current.rows_checked))
        if current.status == ImportStatus.CHECKING and 0 < current.rows_checked < ROWS:
            page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
            break
        if current.status not in ImportStatus.working():
            break
        time.sleep(0.05)
    assert page is not None, f"no progress seen while checking: {seen[-5:]}"
    assert 'http-equiv="refresh"' in page and "<progress" in page
    batch = _wait(batch.pk, {ImportStatus.CHECKED, ImportStatus.FAILED}, seen)
    check_seconds = time.monotonic() - started
    assert batch.status == ImportStatus.CHECKED, batch.error
    assert batch.counts == {"create": ROWS, "change": 0, "unchanged": 0, "refused": 0}
    assert batch.rows_read == batch.rows_checked == ROWS
    assert len(reads) == 1
    assert not Entity.objects.exists()

    # when the clerk imports it, a worker plans the stored rows: the file is not read again
    started = time.monotonic()
    response = client.post(reverse("ledgers:import-batch", args=[batch.pk]), {"mode": "all"})
    assert response.status_code == 302
    batch = _wait(batch.pk, {ImportStatus.IMPORTED, ImportStatus.CHECKED}, seen)
    import_seconds = time.monotonic() - started
    assert batch.status == ImportStatus.IMPORTED, batch.error
    assert batch.result == {"created": ROWS, "changed": 0, "skipped": 0}
    assert Entity.objects.count() == ROWS
    assert len(reads) == 1
    print(
        f"\n40k rows: upload request {upload_seconds:.2f} s, checked after {check_seconds:.1f} s, "
        f"imported {import_seconds:.1f} s after the click; states seen: {len(seen)}"
    )
