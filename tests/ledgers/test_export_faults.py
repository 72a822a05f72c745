"""Export jobs always end: a worker SIGKILLed mid-export (a real worker process) → the job is
redone or failed with the reason, never "running" for ever; the sweeper fails jobs whose lease
is over and deletes files no job refers to; the job page offers a retry."""

import datetime
import os
import time

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from baobao.celery import app
from baobao.models import Outbox
from ledgers.models import ExportJob, JobStatus
from ledgers.services import exports_sweep
from tests.factories import EntityFactory, county, office_user
from tests.faults import (
    celery_env,
    database_url_for_workers,
    wait_for,
    wait_ready,
    worker,
)

NOW = datetime.datetime(2026, 5, 21, 8, 30, tzinfo=datetime.UTC)


def _job(user, **kwargs) -> ExportJob:
    return ExportJob.objects.create(user=user, ledgers="entities", filename="a.xlsx", **kwargs)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_export_whose_worker_is_killed_is_redone_and_leaves_no_orphan(
    client, settings, private_broker, tmp_path
):
    # given a large export requested while the businesses' table is locked (the worker will
    # block inside the export, after claiming the job)
    settings.EXPORT_SYNC_MAX_ROWS = 2
    settings.MEDIA_ROOT = tmp_path / "media"
    for _n in range(3):
        EntityFactory()
    user = office_user(county())
    client.force_login(user)
    response = client.post(reverse("ledgers:export"), {"ledger": "entities", "period_kind": "all"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    env = celery_env(
        private_broker.url,
        MEDIA_ROOT=settings.MEDIA_ROOT,
        CELERY_VISIBILITY_TIMEOUT=3,
        CELERY_RESTORE_INTERVAL=1,
        EXPORT_LEASE_SECONDS=1,
    )
    locker = psycopg.connect(database_url_for_workers())
    locker.execute("LOCK TABLE entities_entity IN ACCESS EXCLUSIVE MODE")
    first = worker(env, tmp_path / "w1.log", queues="exports", name="w1")
    second = None
    try:
        wait_ready(first)
        wait_for(
            lambda: ExportJob.objects.get(pk=job.pk).status == JobStatus.RUNNING,
            timeout=20,
            what="the worker to claim the job",
        )
        # when the worker is SIGKILLed mid-export
        first.kill()
        killed = time.monotonic()
        locker.rollback()
        # then another worker gets the task back and redoes the job
        second = worker(env, tmp_path / "w2.log", queues="exports", name="w2")
        wait_for(
            lambda: ExportJob.objects.get(pk=job.pk).status in (JobStatus.DONE, JobStatus.FAILED),
            timeout=30,
            what="the job to end",
        )
        ended_after = time.monotonic() - killed
    finally:
        locker.close()
        first.stop()
        if second:
            second.stop()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, (job.status, job.error)
    assert job.file.name.endswith(f"/job-{job.pk}.xlsx")
    print(f"\nkilled export redone {ended_after:.1f} s after SIGKILL")
    # and nothing under exports/ but the job's own file
    files = [
        os.path.join(root, name)
        for root, _dirs, names in os.walk(settings.MEDIA_ROOT / "exports")
        for name in names
    ]
    assert files == [str(settings.MEDIA_ROOT / job.file.name)]


@pytest.mark.django_db
def test_the_sweeper_fails_a_job_whose_lease_is_over_and_keeps_a_live_one(settings):
    # given a job whose worker last reported 11 minutes ago, and one that reported just now
    settings.EXPORT_LEASE_SECONDS = 600
    user = office_user(county())
    lost = _job(user, status=JobStatus.RUNNING, started_at=NOW, heartbeat_at=NOW)
    live = _job(
        user,
        status=JobStatus.RUNNING,
        started_at=NOW,
        heartbeat_at=NOW + datetime.timedelta(minutes=10),
    )
    # when the sweeper runs 11 minutes later
    counts = exports_sweep(now=NOW + datetime.timedelta(minutes=11))
    # then the lost one failed with the reason, the live one runs on
    lost.refresh_from_db()
    live.refresh_from_db()
    assert counts["failed"] == 1
    assert lost.status == JobStatus.FAILED and "进程已丢失" in lost.error
    assert lost.finished_at == NOW + datetime.timedelta(minutes=11)
    assert live.status == JobStatus.RUNNING


@pytest.mark.django_db
def test_the_sweeper_deletes_files_no_job_refers_to(settings):
    # given a done job with its file, a running job writing its file, and two orphans: a
    # killed job's file (the row was never updated) and an old-style name nobody refers to
    settings.EXPORT_LEASE_SECONDS = 600
    user = office_user(county())
    done = _job(user, status=JobStatus.DONE)
    done.file.save("x.xlsx", ContentFile(b"done"), save=True)
    writing = _job(user, status=JobStatus.RUNNING, heartbeat_at=NOW)
    default_storage.save(f"exports/2026/job-{writing.pk}.xlsx", ContentFile(b"half"))
    killed = _job(user, status=JobStatus.FAILED)
    default_storage.save(f"exports/2026/job-{killed.pk}.xlsx", ContentFile(b"half"))
    default_storage.save("exports/2025/0123abcd.xlsx", ContentFile(b"old"))
    yesterday = (NOW - datetime.timedelta(days=1)).timestamp()
    os.utime(default_storage.path("exports/2025/0123abcd.xlsx"), (yesterday, yesterday))
    # when the sweeper runs
    counts = exports_sweep(now=NOW + datetime.timedelta(minutes=1))
    # then only the two orphans are gone
    assert counts["deleted"] == 2
    assert default_storage.exists(done.file.name)
    assert default_storage.exists(f"exports/2026/job-{writing.pk}.xlsx")
    assert not default_storage.exists(f"exports/2026/job-{killed.pk}.xlsx")
    assert not default_storage.exists("exports/2025/0123abcd.xlsx")


@pytest.mark.django_db
def test_a_failed_job_shows_the_reason_and_can_be_retried(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    # given a failed job of this user, and another user's failed job, and a broker-backed Celery
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    user = office_user(county())
    job = _job(user, status=JobStatus.FAILED, error="导出中断：执行它的后台进程已丢失")
    other = _job(office_user(county()), status=JobStatus.FAILED)
    client.force_login(user)
    # when the user opens the page
    page = client.get(reverse("ledgers:export-job", args=[job.pk]))
    # then the reason and the retry button are there
    assert "导出中断" in page.content.decode()
    assert reverse("ledgers:export-retry", args=[job.pk]) in page.content.decode()
    # when they retry (a worker is not running here: the task is recorded, not run)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("ledgers:export-retry", args=[job.pk]))
    job.refresh_from_db()
    assert response.status_code == 302
    assert job.status == JobStatus.PENDING and job.error == ""
    # and someone else's job is 404
    assert client.post(reverse("ledgers:export-retry", args=[other.pk])).status_code == 404
    assert ExportJob.objects.get(pk=other.pk).status == JobStatus.FAILED
    # and the work is recorded in the outbox, once, for this job only
    assert list(Outbox.objects.values_list("task", "args")) == [
        ("ledgers.tasks.export_run", [job.pk])
    ]
