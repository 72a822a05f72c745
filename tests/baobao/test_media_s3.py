"""Media on an S3-compatible object store, against a real S3 server running locally (moto's
server mode, a subprocess speaking the S3 HTTP API; the client library is not mocked).

With S3_BUCKET set, uploads (visit photos, issue evidence, commitment scans), exports and imports
go to the bucket and nothing to MEDIA_ROOT; they are still served only through the scoped views,
which stream them from the store; a store that does not answer gives a 503, not a hung worker.
In CI (CI=true) a missing moto_server is a failure, not a skip."""

import datetime
import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

import baobao.settings
from baobao import clock
from entities.models import Entity
from inspections.models import IssueEvent, VisitPhoto
from inspections.services import visit_record
from inspections.visit_photos import visit_photo_process, visit_photos_sweep
from ledgers.imports import import_batch_apply, import_batch_create, import_job_run
from ledgers.models import ExportJob, ImportKind, ImportMode, ImportStatus, JobStatus
from ledgers.services import export_job_run, exports_purge
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    county,
    office_user,
    township,
    wanshan,
)
from tests.helpers import jpeg, jpeg_bytes
from tests.ledgers.test_imports import _entity_row, _upload

pytestmark = pytest.mark.django_db

KEY, SECRET = "test-key", "test-secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto_server on a spare loopback port for this module; stopped afterwards."""
    binary = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if binary is None:
        message = "moto_server is not installed (uv sync: moto[server] is a dev dependency)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    server = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=10)


def s3_storages(monkeypatch, **env) -> dict:
    """STORAGES as baobao/settings/ builds them from this environment."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return importlib.reload(baobao.settings).STORAGES
    finally:
        for name in env:
            monkeypatch.delenv(name)
        importlib.reload(baobao.settings)


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    """A fresh private bucket as the default storage; yields a boto3 client and its name."""
    name = f"baobao-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = s3_storages(
        monkeypatch,
        S3_BUCKET=name,
        S3_ENDPOINT_URL=s3_endpoint,
        S3_ACCESS_KEY_ID=KEY,
        S3_SECRET_ACCESS_KEY=SECRET,
    )
    client.bucket = name
    return client


def keys(client) -> list[str]:
    listed = client.list_objects_v2(Bucket=client.bucket).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def local_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_without_s3_bucket_media_stays_on_the_local_disk(settings):
    assert settings.STORAGES["default"]["BACKEND"] == (
        "django.core.files.storage.FileSystemStorage"
    )


def test_uploads_go_to_the_bucket_and_are_served_only_in_scope(client, bucket, settings):
    # given: a visit photo, an issue photo with a fixing event's evidence, a commitment scan
    visit = VisitFactory()
    photo = VisitPhoto.objects.create(visit=visit, image=ContentFile(jpeg_bytes(), "p.jpg"))
    issue = IssueFactory(photo=ContentFile(jpeg_bytes(), "i.jpg"))
    clerk = office_user(county())
    event = IssueEvent.objects.create(
        issue=issue, to_status=issue.status, by=clerk, photo=ContentFile(jpeg_bytes(), "e.jpg")
    )
    cadre = CadreFactory(division=township())
    cadre.commitment_scan.save("letter.png", ContentFile(b"\x89PNG\r\n\x1a\nscan"), save=True)
    # then: every file is an object in the bucket, private, and none is on the local disk
    stored = keys(bucket)
    assert len(stored) == 4, stored
    assert {photo.image.name, issue.photo.name, event.photo.name, cadre.commitment_scan.name} == (
        set(stored)
    )
    assert local_files(settings) == []
    for key in stored:
        grants = bucket.get_object_acl(Bucket=bucket.bucket, Key=key)["Grants"]
        assert not any("AllUsers" in str(g.get("Grantee", {})) for g in grants), grants
    urls = [
        reverse("inspections:visit-photo", args=[photo.pk]),
        reverse("inspections:issue-photo", args=["issue", issue.pk]),
        reverse("inspections:issue-photo", args=["event", event.pk]),
        reverse("cadres:commitment-scan", args=[cadre.pk]),
    ]
    # when: the county office opens them, they stream from the store
    client.force_login(clerk)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) in (jpeg_bytes(), b"\x89PNG\r\n\x1a\nscan")
    # and another county's office gets 404 for each
    client.force_login(office_user(wanshan()))
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_export_job_writes_to_the_bucket_and_the_purge_removes_it(client, bucket, settings):
    # given: an export too large to stream, run as a job
    settings.EXPORT_SYNC_MAX_ROWS = 1
    EntityFactory()
    EntityFactory()
    user = office_user(county())
    client.force_login(user)
    client.post(reverse("ledgers:export"), {"ledger": "entities", "period_kind": "all"})
    job = ExportJob.objects.get()
    # when: a worker runs it
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    # then: the workbook is in the bucket (not on disk) and downloads through the scoped view
    assert job.status == JobStatus.DONE
    assert keys(bucket) == [job.file.name]
    assert local_files(settings) == []
    download = client.get(reverse("ledgers:export-download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an .xlsx is a zip
    # and when it expires, the purge deletes the object
    assert exports_purge(now=job.expires_at + (job.expires_at - job.finished_at)) == 1
    assert keys(bucket) == []


def test_import_reads_its_sheet_from_the_bucket(bucket, settings):
    # given: a sheet uploaded for import
    user = office_user(county())
    batch = import_batch_create(
        user=user, kind=ImportKind.ENTITIES, upload=_upload("entities", [_entity_row()])
    )
    # then: the upload is in the bucket, and checking (a worker's job, run here as the worker
    # runs it) and applying it read it back from there
    assert keys(bucket) == [batch.file.name]
    assert local_files(settings) == []
    assert batch.status == ImportStatus.PENDING
    batch = import_job_run(batch_id=batch.pk, now=clock.now())
    assert batch.status == ImportStatus.CHECKED and batch.counts["create"] == 1
    applied = import_batch_apply(batch=batch, mode=ImportMode.ALL_OR_NOTHING, by=user)
    assert applied.status == ImportStatus.IMPORTED
    assert Entity.objects.filter(name=_entity_row()["name"]).exists()


def test_store_not_answering_gives_503_quickly(client, bucket, settings, monkeypatch):
    # given: a photo in the bucket, then the store's address pointing at nothing
    visit = VisitFactory()
    photo = VisitPhoto.objects.create(visit=visit, image=ContentFile(jpeg_bytes(), "p.jpg"))
    settings.STORAGES = s3_storages(
        monkeypatch,
        S3_BUCKET=bucket.bucket,
        S3_ENDPOINT_URL=f"http://127.0.0.1:{_free_port()}",
        S3_ACCESS_KEY_ID=KEY,
        S3_SECRET_ACCESS_KEY=SECRET,
        S3_CONNECT_TIMEOUT="1",
    )
    client.force_login(office_user(county()))
    # when: the photo is asked for
    started = time.monotonic()
    response = client.get(reverse("inspections:visit-photo", args=[photo.pk]))
    # then: a clear 503, in seconds
    assert response.status_code == 503
    assert "文件存储暂时无响应" in response.content.decode()
    assert time.monotonic() - started < 10


def test_a_visit_photo_waits_in_the_bucket_s_quarantine_then_is_served(
    client, bucket, settings, django_capture_on_commit_callbacks
):
    # given: a visit submitted with a photo
    holding = AssignmentFactory()
    with django_capture_on_commit_callbacks():
        visit, _ = visit_record(
            user=cadre_login(holding.cadre),
            entity=holding.entity,
            visited_at=clock.now() - datetime.timedelta(minutes=5),
            on_site=True,
            idempotency_key=uuid.uuid4(),
            photos=[jpeg()],
        )
    photo = visit.photos.get()
    # then: its original is an object under quarantine/, nothing on the local disk
    assert keys(bucket) == [photo.original.name]
    assert photo.original.name.startswith("quarantine/visits/")
    assert local_files(settings) == []
    # when: the worker's task runs
    with django_capture_on_commit_callbacks(execute=True):
        visit_photo_process(photo_id=photo.pk)
    photo.refresh_from_db()
    # then: only the served JPEG is left in the bucket, and the scoped view streams it
    assert keys(bucket) == [photo.image.name]
    client.force_login(office_user(county()))
    response = client.get(reverse("inspections:visit-photo", args=[photo.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    # and the sweep lists the bucket's quarantine without finding anything to delete
    assert visit_photos_sweep(now=clock.now())["deleted"] == 0
