"""A visit's photos after the submit: quarantined, never served, re-encoded by the task (safe to
run twice), failed with a reason when the file does not decode, swept when the task is lost."""

import datetime
import io
import os
import threading
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from PIL import Image

from baobao.celery import app
from inspections import visit_photos
from inspections.models import PhotoFailure, PhotoStatus, Visit, VisitPhoto
from inspections.photos import MAX_SIDE
from inspections.tasks import visit_photo_process
from tests.factories import VisitFactory, cadre_login
from tests.helpers import jpeg
from tests.inspections.services_support import (  # noqa: F401 (frozen_time is autouse)
    NOW,
    frozen_time,
    record,
)


def media_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def phone_jpeg(size=(3200, 2400)) -> SimpleUploadedFile:
    """A landscape sensor image tagged "turn 90° clockwise" with a maker in its EXIF."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("IMG_0001.jpg", buffer.getvalue(), content_type="image/jpeg")


def truncated_jpeg() -> SimpleUploadedFile:
    """A JPEG whose header is whole and whose pixels stop a third of the way: it passes the
    submit's check and fails to decode."""
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(buffer, "JPEG")
    data = buffer.getvalue()
    return SimpleUploadedFile("IMG_0002.jpg", data[: len(data) // 3], content_type="image/jpeg")


@pytest.fixture
def submitted(holding, django_capture_on_commit_callbacks):
    """Record a visit with ``uploads``; the after-commit work (the re-encode) not yet run."""

    def submit(*uploads, key=None):
        with django_capture_on_commit_callbacks() as queued:
            visit, _ = record(
                cadre_login(holding.cadre),
                holding.entity,
                photos=list(uploads),
                idempotency_key=key or uuid.uuid4(),
            )
        return visit, queued

    return submit


def run(photo: VisitPhoto, django_capture_on_commit_callbacks) -> str | None:
    """The task, as a worker runs it, with its own after-commit deletes."""
    with django_capture_on_commit_callbacks(execute=True):
        result = visit_photo_process.run(photo.pk)
    photo.refresh_from_db()
    return result


# --- the submit ---------------------------------------------------------------------------------


def test_a_submit_keeps_the_original_in_quarantine_and_serves_nothing_yet(
    submitted, client, clerk, settings
):
    # when a visit is submitted with a phone photo
    visit, queued = submitted(phone_jpeg())
    # then the photo is processing, its original under quarantine/, its re-encode queued
    photo = visit.photos.get()
    assert photo.status == PhotoStatus.PROCESSING and not photo.image
    assert photo.original.name.startswith("quarantine/visits/2026/")
    assert photo.original.name.endswith(".jpg")
    assert media_files(settings) == [photo.original.name]
    assert len(queued) == 1
    # and the visit's page says it is processing, with no link to any photo
    page = client.get(reverse("inspections:visit-detail", args=[visit.pk]))
    assert "处理中" in page.text
    photo_url = reverse("inspections:visit-photo", args=[photo.pk])
    assert photo_url not in page.text and "quarantine" not in page.text
    # and neither the photo's address nor the original's would-be address serves it
    assert client.get(photo_url).status_code == 404
    assert client.get(f"/media/{photo.original.name}").status_code == 404


def test_a_resent_form_stores_no_second_photo(submitted, settings):
    # given a visit submitted with a photo (the phone's queue sends it again)
    key = uuid.uuid4()
    visit, _ = submitted(phone_jpeg(), key=key)
    # when the same form comes again with its photo
    again, queued = submitted(phone_jpeg(), key=key)
    # then it is the same visit, one photo, one stored file, nothing queued
    assert again.pk == visit.pk
    assert VisitPhoto.objects.count() == 1
    assert len(media_files(settings)) == 1
    assert queued == []


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4 not a photo", b"<script>alert(1)</script>", b"\xff\xd8\xff\xe0garbage"],
)
def test_a_fake_image_is_refused_at_the_submit_and_nothing_is_saved(holding, settings, content):
    fake = SimpleUploadedFile("IMG_0003.jpg", content, content_type="image/jpeg")
    with pytest.raises(ValidationError) as refused:
        record(cadre_login(holding.cadre), holding.entity, photos=[fake])
    assert refused.value.code == "photo_type"
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert media_files(settings) == []


def test_a_decompression_bomb_is_refused_at_the_submit(holding, settings, monkeypatch):
    # given a header claiming more pixels than a phone photo has
    monkeypatch.setattr("inspections.photos.MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as refused:
        record(cadre_login(holding.cadre), holding.entity, photos=[jpeg(size=(20, 20))])
    assert refused.value.code == "photo_type"
    assert media_files(settings) == []


# --- the re-encode --------------------------------------------------------------------------------


def test_the_task_serves_a_clean_capped_jpeg_and_deletes_the_original(
    submitted, client, clerk, settings, django_capture_on_commit_callbacks
):
    # given a submitted phone photo
    visit, _ = submitted(phone_jpeg())
    photo = visit.photos.get()
    original = photo.original.name
    # when the task runs
    assert run(photo, django_capture_on_commit_callbacks) == PhotoStatus.READY
    # then the photo is ready: upright, capped, without EXIF, under visits/
    assert photo.status == PhotoStatus.READY and not photo.original
    assert photo.image.name == original.removeprefix("quarantine/")
    assert (photo.width, photo.height) == (MAX_SIDE * 3 // 4, MAX_SIDE)
    # and the original is gone: the served JPEG is the only file
    assert media_files(settings) == [photo.image.name]
    # and the page shows it, linked, and the photo's address serves it
    url = reverse("inspections:visit-photo", args=[photo.pk])
    page = client.get(reverse("inspections:visit-detail", args=[visit.pk]))
    assert url in page.text and "处理中" not in page.text
    response = client.get(url)
    assert response.status_code == 200
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.format == "JPEG" and served.size == (1200, 1600)
    assert not served.getexif()


def test_the_task_run_twice_gives_the_same_result(
    submitted, settings, django_capture_on_commit_callbacks
):
    # given a photo the task already made ready
    visit, _ = submitted(phone_jpeg())
    photo = visit.photos.get()
    run(photo, django_capture_on_commit_callbacks)
    first = (photo.status, photo.image.name, photo.width, photo.height, photo.attempts)
    files = media_files(settings)
    # when the task is delivered again
    again = run(photo, django_capture_on_commit_callbacks)
    # then it does nothing: same row, same files
    assert again is None
    assert (photo.status, photo.image.name, photo.width, photo.height, photo.attempts) == first
    assert media_files(settings) == files


def test_a_served_file_left_by_a_run_that_died_is_replaced_not_duplicated(
    submitted, settings, django_capture_on_commit_callbacks
):
    # given a run that wrote the served file and died before its commit
    visit, _ = submitted(phone_jpeg())
    photo = visit.photos.get()
    served = photo.original.name.removeprefix("quarantine/")
    default_storage.save(served, ContentFile(b"half-written"))
    # when the task runs again
    run(photo, django_capture_on_commit_callbacks)
    # then the photo is served under that one name, whole
    assert photo.image.name == served
    assert media_files(settings) == [served]
    assert Image.open(photo.image.open("rb")).format == "JPEG"


def test_a_photo_that_does_not_decode_ends_failed_and_the_visit_stays(
    submitted, client, clerk, settings, django_capture_on_commit_callbacks
):
    # given a photo whose header is fine and whose pixels are cut off: accepted at the submit
    visit, _ = submitted(truncated_jpeg())
    photo = visit.photos.get()
    # when the task runs
    assert run(photo, django_capture_on_commit_callbacks) == PhotoStatus.FAILED
    # then the photo is failed with its reason, the original deleted, the visit kept
    assert (photo.status, photo.failure) == (PhotoStatus.FAILED, PhotoFailure.UNREADABLE)
    assert not photo.original and not photo.image
    assert media_files(settings) == []
    assert Visit.objects.filter(pk=visit.pk).exists()
    # and the visit's page says so in Chinese, with no link
    page = client.get(reverse("inspections:visit-detail", args=[visit.pk]))
    assert "照片无法处理：文件已损坏或不是图片。" in page.text
    assert reverse("inspections:visit-photo", args=[photo.pk]) not in page.text
    assert client.get(reverse("inspections:visit-photo", args=[photo.pk])).status_code == 404


def test_a_store_that_does_not_answer_leaves_the_photo_processing_for_the_sweep(
    submitted, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # given the file store failing on write
    visit, _ = submitted(phone_jpeg())
    photo = visit.photos.get()

    def down(*args, **kwargs):
        raise ConnectionError("store down")

    monkeypatch.setattr(type(default_storage._wrapped), "save", down)
    # when the task runs, it does not raise (an eager run follows a committed submit)
    assert run(photo, django_capture_on_commit_callbacks) == PhotoStatus.PROCESSING
    # then the photo still waits, its original kept, this run counted
    assert photo.status == PhotoStatus.PROCESSING and photo.attempts == 1
    assert media_files(settings) == [photo.original.name]


def test_a_photo_out_of_attempts_ends_failed(
    submitted, settings, django_capture_on_commit_callbacks
):
    # given a photo whose runs kept dying (each start is counted before the decode)
    visit, _ = submitted(phone_jpeg())
    photo = visit.photos.get()
    VisitPhoto.objects.filter(pk=photo.pk).update(attempts=visit_photos.MAX_ATTEMPTS)
    # when it is delivered once more
    run(photo, django_capture_on_commit_callbacks)
    # then it is not decoded again: it ends failed, its original deleted
    assert (photo.status, photo.failure) == (PhotoStatus.FAILED, PhotoFailure.LOST)
    assert media_files(settings) == []


# --- the sweep ------------------------------------------------------------------------------------


def test_the_sweep_queues_again_a_photo_whose_task_was_lost(
    submitted, django_capture_on_commit_callbacks, eager_tasks
):
    # given two processing photos: one queued 11 minutes ago (its task lost), one just now
    lost_visit, _ = submitted(phone_jpeg())
    fresh_visit, _ = submitted(phone_jpeg())
    lost, fresh = lost_visit.photos.get(), fresh_visit.photos.get()
    VisitPhoto.objects.filter(pk=lost.pk).update(queued_at=NOW - datetime.timedelta(minutes=11))
    VisitPhoto.objects.filter(pk=fresh.pk).update(queued_at=NOW)
    # when the sweep runs (its queued task runs after its commit, eagerly here)
    with django_capture_on_commit_callbacks(execute=True):
        counts = visit_photos.visit_photos_sweep(now=NOW)
    # then the lost one is queued again and made ready; the fresh one is left to its task
    assert counts == {"requeued": 1, "failed": 0, "deleted": 0}
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == PhotoStatus.READY
    assert fresh.status == PhotoStatus.PROCESSING


def test_the_sweep_fails_a_lost_photo_out_of_attempts(
    submitted, settings, django_capture_on_commit_callbacks
):
    visit, _ = submitted(phone_jpeg())
    photo = visit.photos.get()
    VisitPhoto.objects.filter(pk=photo.pk).update(
        queued_at=NOW - datetime.timedelta(hours=1), attempts=visit_photos.MAX_ATTEMPTS
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = visit_photos.visit_photos_sweep(now=NOW)
    photo.refresh_from_db()
    assert counts["failed"] == 1
    assert (photo.status, photo.failure) == (PhotoStatus.FAILED, PhotoFailure.LOST)
    assert media_files(settings) == []


def test_the_sweep_deletes_old_quarantined_files_no_photo_refers_to(submitted, settings):
    # given a processing photo's original, an old orphan and a young one (a submit whose
    # transaction may not have committed yet), all dated by their modification time
    visit, _ = submitted(phone_jpeg())
    kept = visit.photos.get().original.name
    old = default_storage.save("quarantine/visits/2026/old.jpg", ContentFile(b"x"))
    young = default_storage.save("quarantine/visits/2026/young.jpg", ContentFile(b"x"))
    root = Path(settings.MEDIA_ROOT)
    for name, age in ((kept, 3), (old, 2), (young, 0.5)):
        stamp = (NOW - datetime.timedelta(hours=age)).timestamp()
        os.utime(root / name, (stamp, stamp))
    # when the sweep runs
    counts = visit_photos.visit_photos_sweep(now=NOW)
    # then only the old orphan is deleted
    assert counts["deleted"] == 1
    assert media_files(settings) == sorted([kept, young])


def test_the_sweep_is_on_the_beat_every_five_minutes():
    app.loader.import_default_modules()
    entry = app.conf.beat_schedule["visit-photos-sweep"]
    assert entry["task"] == "inspections.tasks.visit_photos_sweep"
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == set(range(0, 60, 5))


@pytest.mark.django_db(transaction=True)
def test_a_photo_held_by_another_run_is_left_to_it(holding, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # given a photo waiting for its re-encode, and another run holding its row (mid-decode)
    photo = VisitPhoto.objects.create(
        visit=VisitFactory(assignment=holding),
        original=ContentFile(phone_jpeg().read(), "photo.jpg"),
        status=PhotoStatus.PROCESSING,
        queued_at=NOW,
    )
    held, release = threading.Event(), threading.Event()

    def other_run():
        with transaction.atomic():
            VisitPhoto.objects.select_for_update().get(pk=photo.pk)
            held.set()
            release.wait(30)
        connection.close()

    thread = threading.Thread(target=other_run)
    thread.start()
    assert held.wait(30)
    try:
        # when this run is delivered meanwhile
        result = visit_photos.visit_photo_process(photo_id=photo.pk)
    finally:
        release.set()
        thread.join(30)
    # then it does nothing: not counted, not decoded, the original kept
    photo.refresh_from_db()
    assert result is None
    assert (photo.status, photo.attempts) == (PhotoStatus.PROCESSING, 0)
    assert media_files(settings) == [photo.original.name]
