import datetime
import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from entities.models import Entity
from ledgers.exports import LEDGERS
from ledgers.models import ExportJob, ImportBatch, JobStatus
from ledgers.services import export_job_run, exports_purge
from tests.factories import (
    CadreFactory,
    EntityFactory,
    admin_user,
    cadre_user,
    city,
    county,
    office_user,
    province,
    village,
    wanshan,
    wanshan_village,
)
from tests.ledgers.conftest import open_xlsx, response_bytes

pytestmark = pytest.mark.django_db


def test_index_is_for_office_staff(client):
    client.force_login(cadre_user(CadreFactory()))
    assert client.get(reverse("ledgers:index")).status_code == 403
    client.force_login(office_user(county()))
    assert client.get(reverse("ledgers:index")).status_code == 200


def test_forged_or_foreign_division_is_404(client):
    client.force_login(office_user(county()))
    assert client.get(reverse("ledgers:index"), {"division": wanshan().pk}).status_code == 404
    response = client.post(
        reverse("ledgers:export"),
        {"ledger": "entities", "period_kind": "all", "division": wanshan().pk},
    )
    assert response.status_code == 404
    assert (
        client.post(
            reverse("ledgers:export"), {"ledger": "entities", "period_kind": "all", "division": "x"}
        ).status_code
        == 404
    )


def test_small_export_streams_the_chosen_county(client, django_assert_max_num_queries):
    EntityFactory(name="碧江店", division=village())
    EntityFactory(name="万山店", division=wanshan_village())
    client.force_login(office_user(city()))
    # the reads, and the export's audit row
    with django_assert_max_num_queries(13):
        response = client.post(
            reverse("ledgers:export"),
            {"ledger": "entities", "period_kind": "all", "division": county().pk},
        )
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    ws = open_xlsx(response_bytes(response)).worksheets[0]
    names = [r[6] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert names == ["碧江店"]
    assert not ExportJob.objects.exists()


def test_all_ledgers_for_a_quarter(client):
    client.force_login(office_user(county()))
    response = client.post(
        reverse("ledgers:export"), {"ledger": "all", "period_kind": "quarter", "quarter": "2026Q1"}
    )
    assert response.status_code == 200
    assert len(open_xlsx(response_bytes(response)).worksheets) == len(LEDGERS)


@pytest.mark.parametrize(
    "data",
    [
        {"ledger": "visits", "period_kind": "quarter", "quarter": "2026Q5"},
        {
            "ledger": "visits",
            "period_kind": "range",
            "date_from": "2026-03-01",
            "date_to": "2026-01-01",
        },
        {"ledger": "nope", "period_kind": "all"},
    ],
)
def test_bad_export_choices_are_refused(client, data):
    client.force_login(office_user(county()))
    response = client.post(reverse("ledgers:export"), data)
    assert response.status_code == 400


def test_large_export_becomes_a_job_and_the_job_writes_the_file(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    EntityFactory()
    EntityFactory()
    user = office_user(county())
    client.force_login(user)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("ledgers:export"), {"ledger": "entities", "period_kind": "all"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.user == user and job.rows_expected == 2
    assert len(callbacks) == 1  # the task is queued once the job is committed
    # when a worker runs it (twice: the second run leaves the finished job alone)
    export_job_run(job_id=job.pk)
    assert export_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.rows_written == 2
    download = client.get(reverse("ledgers:export-download", args=[job.pk]))
    assert len(list(open_xlsx(response_bytes(download)).worksheets[0].iter_rows(min_row=4))) == 2


def test_a_job_is_its_requesters_alone(client):
    owner = office_user(county())
    job = ExportJob.objects.create(user=owner, ledgers="entities", filename="x.xlsx")
    client.force_login(office_user(county()))
    assert client.get(reverse("ledgers:export-job", args=[job.pk])).status_code == 404
    assert client.get(reverse("ledgers:export-download", args=[job.pk])).status_code == 404
    client.force_login(owner)
    page = client.get(reverse("ledgers:export-job", args=[job.pk]))
    assert page.status_code == 200 and b'http-equiv="refresh"' in page.content
    # not finished: no download yet
    assert client.get(reverse("ledgers:export-download", args=[job.pk])).status_code == 404


def test_purge_removes_expired_files_and_keeps_the_record():
    user = office_user(county())
    now = timezone.now()
    old = ExportJob.objects.create(
        user=user,
        ledgers="entities",
        filename="a.xlsx",
        status=JobStatus.DONE,
        expires_at=now - datetime.timedelta(hours=1),
    )
    old.file.save("a.xlsx", ContentFile(b"x"))
    fresh = ExportJob.objects.create(
        user=user,
        ledgers="entities",
        filename="b.xlsx",
        status=JobStatus.DONE,
        expires_at=now + datetime.timedelta(days=1),
    )
    fresh.file.save("b.xlsx", ContentFile(b"x"))
    path = old.file.path
    assert exports_purge(now=now) == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert not old.file and fresh.file
    import os

    assert not os.path.exists(path)
    assert ExportJob.objects.count() == 2


def _xlsx_upload(rows, name="e.xlsx"):
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_only_register_writers_may_import(client):
    client.force_login(office_user(province()))
    assert client.get(reverse("ledgers:import")).status_code == 403
    client.force_login(cadre_user(CadreFactory()))
    assert client.get(reverse("ledgers:import")).status_code == 403


@pytest.fixture
def eager_tasks(monkeypatch):
    """Tasks handed to the broker after commit run at once, in this process."""
    from baobao.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def test_template_download_then_upload_and_import(
    client, eager_tasks, django_capture_on_commit_callbacks
):
    user = office_user(county())
    village()
    client.force_login(user)
    template = client.get(reverse("ledgers:import-template", args=["entities"]))
    assert template.status_code == 200
    wb = open_xlsx(response_bytes(template))
    ws = wb.worksheets[0]
    from tests.factories import valid_uscc

    ws.cell(row=2, column=2, value=valid_uscc(777))
    ws.cell(row=2, column=6, value=village().code)
    buffer = io.BytesIO()
    wb.save(buffer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ledgers:import"),
            {"kind": "entities", "file": SimpleUploadedFile("mine.xlsx", buffer.getvalue())},
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk]))
    assert page.status_code == 200
    assert batch.status == "checked" and 'http-equiv="refresh"' not in page.content.decode()
    assert not Entity.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ledgers:import-batch", args=[batch.pk]), {"mode": "all"})
    assert response.status_code == 302
    assert Entity.objects.count() == 1
    # importing the same batch twice is refused
    response = client.post(reverse("ledgers:import-batch", args=[batch.pk]), {"mode": "all"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.csv", b"PK\x03\x04"),
        ("a.xlsx", b"%PDF-1.4 not a workbook"),
        ("a.xlsx", b"PK\x03\x04junk"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(client, name, content):
    client.force_login(office_user(county()))
    response = client.post(
        reverse("ledgers:import"), {"kind": "entities", "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_too_large_file_is_refused(client, settings):
    settings.IMPORT_MAX_BYTES = 10
    client.force_login(office_user(county()))
    response = client.post(
        reverse("ledgers:import"), {"kind": "entities", "file": _xlsx_upload([["a"]])}
    )
    assert response.status_code == 400


def test_a_batch_being_checked_shows_its_progress_and_reloads_itself(client):
    user = office_user(county())
    batch = ImportBatch.objects.create(
        user=user,
        kind="entities",
        original_name="x.xlsx",
        status="checking",
        rows_read=4000,
        rows_checked=1000,
    )
    client.force_login(user)
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
    assert 'http-equiv="refresh"' in page
    assert '<progress max="100" value="25">' in page
    assert "4000" in page and "1000" in page


def test_a_failed_check_shows_the_reason_and_can_be_tried_again(client, tmp_path):
    user = office_user(county())
    batch = ImportBatch.objects.create(
        user=user,
        kind="entities",
        original_name="x.xlsx",
        status="failed",
        error="原因在此",
        file="imports/x.xlsx",
    )
    client.force_login(user)
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
    assert "原因在此" in page and reverse("ledgers:import-retry", args=[batch.pk]) in page
    response = client.post(reverse("ledgers:import-retry", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "pending" and batch.error == ""


def test_another_clerks_batch_cannot_be_retried(client):
    owner = office_user(county())
    batch = ImportBatch.objects.create(
        user=owner, kind="entities", original_name="x.xlsx", status="failed", file="imports/x"
    )
    client.force_login(office_user(county()))
    assert client.post(reverse("ledgers:import-retry", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == "failed"


def test_another_clerks_batch_is_404(client):
    owner = office_user(county())
    batch = ImportBatch.objects.create(user=owner, kind="entities", original_name="x.xlsx")
    client.force_login(office_user(county()))
    assert client.get(reverse("ledgers:import-batch", args=[batch.pk])).status_code == 404
    client.force_login(admin_user())
    assert client.get(reverse("ledgers:import-batch", args=[batch.pk])).status_code == 404
