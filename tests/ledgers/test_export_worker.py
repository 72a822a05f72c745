"""The large-export path end to end with a REAL Celery worker over Redis (CI has Redis and
PostgreSQL; locally it skips without them)."""

import threading

import pytest
from celery.signals import task_postrun
from django.urls import reverse

from ledgers.models import ExportJob, JobStatus
from tests.factories import EntityFactory, county, office_user
from tests.ledgers.conftest import open_xlsx, response_bytes

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)
def test_large_export_runs_on_a_worker_and_is_downloadable(client, settings, real_worker):
    # given more rows than the synchronous limit
    settings.EXPORT_SYNC_MAX_ROWS = 2
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for _n in range(3):
        EntityFactory()
    user = office_user(county())
    client.force_login(user)
    finished = threading.Event()
    done_ids = set()

    def on_done(sender=None, args=None, **kwargs):
        if sender is not None and sender.name == "ledgers.tasks.export_run":
            done_ids.add(args[0])
            finished.set()

    task_postrun.connect(on_done, weak=False)
    try:
        # when the clerk exports
        response = client.post(
            reverse("ledgers:export"), {"ledger": "entities", "period_kind": "all"}
        )
        job = ExportJob.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("ledgers:export-job", args=[job.pk])
        # then a worker writes the file
        while job.pk not in done_ids:
            assert finished.wait(timeout=60), "the worker did not run the export"
            finished.clear()
    finally:
        task_postrun.disconnect(on_done)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.rows_written == 3
    assert job.expires_at is not None
    page = client.get(reverse("ledgers:export-job", args=[job.pk]))
    assert b"http-equiv" not in page.content
    download = client.get(reverse("ledgers:export-download", args=[job.pk]))
    ws = open_xlsx(response_bytes(download)).worksheets[0]
    assert len(list(ws.iter_rows(min_row=4))) == 3
