"""A visit's photos after the submit: re-encoded by a worker, never in the request.

The submit (``visit_record``) checks each upload cheaply (``photos.photo_check``: size, an image
by its header) and stores it as a quarantined original under ``quarantine/``, which no view
serves, in a photo row "processing"; after the commit the task ``visit_photo_process`` decodes
it, turns it upright, strips its metadata, caps its size (``photos.process_photo``), stores the
served JPEG, marks the photo ready and deletes the original. A file that does not decode ends
the photo failed, with the reason shown where the photo would be; the visit stays as recorded.

Delivery is at least once (acks late, redelivered when a worker dies; baobao/settings/tasks.py)
and the sweep (``visit_photos_sweep``, every 5 minutes) queues again a photo whose task was lost,
so a run may come twice: a photo no longer processing, or held by another run, is left alone.
Each run that starts is counted first, so that a photo that keeps killing its worker ends failed
after MAX_ATTEMPTS instead of being redelivered for ever.
"""

import datetime
import logging
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction

from baobao import clock
from baobao.outbox import outbox_enqueue
from inspections.models import (
    QUARANTINE_PREFIX,
    PhotoFailure,
    PhotoStatus,
    Visit,
    VisitPhoto,
)
from inspections.photos import CheckedPhoto, process_photo

logger = logging.getLogger(__name__)

TASK = "inspections.tasks.visit_photo_process"
MAX_ATTEMPTS = 3
# A photo still processing this long after it was queued has lost its task: queued again.
PROCESSING_LEASE = datetime.timedelta(minutes=10)
# A quarantined file no photo refers to is deleted once it is this old (younger, it may belong
# to a submit whose transaction has not committed yet).
ORPHAN_GRACE = datetime.timedelta(hours=1)
SWEEP_BATCH = 200
QUARANTINE = f"{QUARANTINE_PREFIX}/visits"


def visit_photos_store(*, visit: Visit, photos: list[CheckedPhoto]) -> list[VisitPhoto]:
    """Store checked uploads as the visit's quarantined originals, each photo processing, its
    re-encode queued after the commit. Call inside the visit's transaction."""
    now = clock.now()
    stored = []
    for photo in photos:
        # Named by its content, not by the phone; passed as it came, so that an upload already
        # spooled to a temporary file is moved into place, not copied.
        photo.upload.name = f"photo{photo.ext}"
        row = VisitPhoto.objects.create(
            visit=visit,
            original=photo.upload,
            status=PhotoStatus.PROCESSING,
            queued_at=now,
        )
        outbox_enqueue(task=TASK, args=[row.pk])
        stored.append(row)
    return stored


def visit_photo_process(*, photo_id: int) -> str | None:
    """Re-encode one quarantined photo into the served JPEG (ready), or mark it failed; delete
    the original either way. Returns the status it ended in, or None when there was nothing to
    do (not processing, or held by another run). A storage error leaves it processing for the
    sweep; it is not raised (an eager run follows a committed submit)."""
    if not _attempt_count(photo_id):
        return None
    try:
        return _photo_encode(photo_id)
    except Exception:  # the file store is down or slow: the sweep queues it again
        logger.exception("Visit photo %s: re-encode left for the sweep", photo_id)
        return PhotoStatus.PROCESSING


def _attempt_count(photo_id: int) -> bool:
    """Count this run before the decode that might kill it; False when there is nothing to do.
    A photo out of attempts ends failed here."""
    with transaction.atomic():
        photo = _claim(photo_id)
        if photo is None:
            return False
        if photo.attempts >= MAX_ATTEMPTS:
            _finish_failed(photo, PhotoFailure.LOST)
            return False
        photo.attempts += 1
        photo.save(update_fields=["attempts"])
    return True


def _claim(photo_id: int) -> VisitPhoto | None:
    return (
        VisitPhoto.objects.select_for_update(skip_locked=True)
        .filter(pk=photo_id, status=PhotoStatus.PROCESSING)
        .first()
    )


def _photo_encode(photo_id: int) -> str | None:
    with transaction.atomic():
        photo = _claim(photo_id)
        if photo is None:
            return None
        try:
            with photo.original.open("rb") as handle:
                encoded = process_photo(handle)
        except ValidationError:
            _finish_failed(photo, PhotoFailure.UNREADABLE)
            return PhotoStatus.FAILED
        except FileNotFoundError:
            _finish_failed(photo, PhotoFailure.LOST)
            return PhotoStatus.FAILED
        served = _served_name(photo.original.name)
        storage = photo.image.storage
        # A run that died before its commit may have left the served file: replace it.
        if storage.exists(served):
            storage.delete(served)
        photo.image.name = storage.save(served, encoded.file)
        photo.width, photo.height = encoded.width, encoded.height
        photo.status = PhotoStatus.READY
        _original_forget(photo)
        photo.save(update_fields=["image", "width", "height", "status", "original"])
    return PhotoStatus.READY


def _served_name(original: str) -> str:
    """``quarantine/visits/2026/<hex>.png`` is served as ``visits/2026/<hex>.jpg``: one name per
    photo, whichever run writes it."""
    path = PurePath(original).relative_to(QUARANTINE_PREFIX)
    return str(path.with_suffix(".jpg"))


def _finish_failed(photo: VisitPhoto, failure: PhotoFailure) -> None:
    photo.status = PhotoStatus.FAILED
    photo.failure = failure
    _original_forget(photo)
    photo.save(update_fields=["status", "failure", "original"])


def _original_forget(photo: VisitPhoto) -> None:
    """Clear the row's original and delete its file once the row is committed without it (if
    the delete fails, the sweep deletes the file as an orphan)."""
    name = photo.original.name
    photo.original = ""
    if name:
        transaction.on_commit(lambda: _delete_quietly(name))


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:  # the file store is down: the sweep deletes the orphan later
        logger.warning("Quarantined photo %s left for the sweep", name, exc_info=True)


def visit_photos_sweep(*, now: datetime.datetime) -> dict:
    """Queue again the photos whose re-encode was lost (still processing PROCESSING_LEASE after
    they were queued), fail those out of attempts, and delete quarantined files no photo refers
    to. Returns counts: requeued, failed, deleted."""
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        stuck = list(
            VisitPhoto.objects.select_for_update(skip_locked=True)
            .filter(status=PhotoStatus.PROCESSING, queued_at__lt=now - PROCESSING_LEASE)
            .order_by("queued_at")[:SWEEP_BATCH]
        )
        for photo in stuck:
            if photo.attempts >= MAX_ATTEMPTS:
                _finish_failed(photo, PhotoFailure.LOST)
                counts["failed"] += 1
                continue
            photo.queued_at = now
            photo.save(update_fields=["queued_at"])
            outbox_enqueue(task=TASK, args=[photo.pk])
            counts["requeued"] += 1
    counts["deleted"] = _orphans_delete(now=now)
    return counts


def _orphans_delete(*, now: datetime.datetime) -> int:
    """Delete quarantined files older than ORPHAN_GRACE that no photo refers to: a submit rolled
    back after storing them, or a delete after the commit that failed."""
    try:
        years, _files = default_storage.listdir(QUARANTINE)
    except FileNotFoundError:
        return 0
    # Only uploads waiting for their worker (or lost) are here: a short list.
    found = [
        f"{QUARANTINE}/{year}/{name}"
        for year in years
        for name in default_storage.listdir(f"{QUARANTINE}/{year}")[1]
    ]
    if not found:
        return 0
    referenced = set(
        VisitPhoto.objects.filter(original__in=found).values_list("original", flat=True)
    )
    deleted = 0
    for name in found:
        if name in referenced or default_storage.get_modified_time(name) > now - ORPHAN_GRACE:
            continue
        default_storage.delete(name)
        deleted += 1
    return deleted
