"""Jobs measured in a child process of their own (``harness.in_child``), so that the peak memory
reported is the job's: ``python -m tests.benchmarks.probes <probe> '<json arguments>'`` prints one
JSON line with ``seconds``, ``rows``, ``rate`` (rows per second), ``peak_mb`` and ``base_mb``
(the process before the job). Whatever a probe writes is rolled back and its files removed: the
benchmark database and MEDIA_ROOT are left as they were."""

import datetime
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baobao.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _naive(value):
    """What bare openpyxl accepts: it refuses aware datetimes."""
    from django.utils import timezone

    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def export(*, ledger: str, username: str, division: int | None) -> dict:
    """One ledger of one area written by the app's exporter (the code behind both the download
    and the worker), saved to a temporary file."""
    from baobao import clock
    from baobao.models import Division, User
    from ledgers.exports import export_workbook
    from ledgers.xlsx import save_to_tempfile

    user = User.objects.get(username=username)
    area = Division.objects.get(pk=division) if division else None
    rows = 0

    def progress(n: int) -> None:
        nonlocal rows
        rows = n

    started = time.perf_counter()
    wb = export_workbook(
        user=user,
        keys=[ledger],
        division=area,
        period=None,
        exported_at=clock.now(),
        progress=progress,
    )
    with save_to_tempfile(wb) as handle:
        size = handle.seek(0, io.SEEK_END)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "bytes": size}


def ceiling(*, ledger: str, username: str, division: int | None, rows: int) -> dict:
    """Bare openpyxl write-only mode writing ``rows`` rows as wide as the ledger's, cycling
    through real rows of it fetched beforehand (not timed): the library's own ceiling."""
    import openpyxl

    from baobao.models import Division, User
    from ledgers.exports import LEDGERS

    user = User.objects.get(username=username)
    area = Division.objects.get(pk=division) if division else None
    sample = []
    for row in LEDGERS[ledger].rows(
        user=user, division=area, period=None, today=datetime.date.today()
    ):
        sample.append([_naive(v) for v in row])
        if len(sample) >= 1000:
            break
    sample = sample or [["x"] * len(LEDGERS[ledger].columns())]
    started = time.perf_counter()
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    for n in range(rows):
        ws.append(sample[n % len(sample)])
    with tempfile.TemporaryFile() as handle:
        wb.save(handle)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "rate": rows / seconds, "columns": len(sample[0])}


def export_job(*, ledger: str, username: str, division: int | None) -> dict:
    """A large export through the asynchronous path: the job row the page would record, then
    the Celery task's function called directly (as a worker would), then the job rolled back
    and its file removed."""
    from django.db import transaction

    from baobao.models import Division, User
    from ledgers.models import ExportJob, JobStatus
    from ledgers.tasks import export_run

    user = User.objects.get(username=username)
    area = Division.objects.get(pk=division) if division else None
    with transaction.atomic():
        job = ExportJob.objects.create(
            user=user, ledgers=ledger, division=area, filename="bench.xlsx", rows_expected=0
        )
        started = time.perf_counter()
        export_run(job.pk)
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        if job.file:
            job.file.delete(save=False)
        transaction.set_rollback(True)
    if job.status != JobStatus.DONE:
        raise RuntimeError(f"export job ended {job.status}: {job.error}")
    return {"seconds": seconds, "rows": job.rows_written, "rate": job.rows_written / seconds}


def _entity_sheet(*, county, rows: int) -> bytes:
    """A filled-in business import sheet of ``rows`` new businesses in the villages of
    ``county``, with credit codes of a kind the demo never issues (93: 农民专业合作社)."""
    import openpyxl
    from django.conf import settings
    from django.utils import translation

    from baobao.models import Division, Level
    from baobao.validators import uscc_complete
    from entities.models import BusinessType
    from ledgers.imports import FIELDS

    villages = list(
        Division.objects.filter(path__startswith=county.path, level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)[:500]
    ) or [county.code]
    with translation.override(settings.LANGUAGE_CODE):
        headers = [str(f.header) for f in FIELDS["entities"]]
        catering = str(BusinessType.CATERING.label)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(headers)
    for n in range(rows):
        body = f"93{county.code[:6]}B{n:07d}"
        values = {
            "name": f"基准测试饭店{n:05d}",
            "uscc": uscc_complete(body),
            "business_type": catering,
            "grade": "D",
            "division": villages[n % len(villages)],
            "address": f"基准路{n % 300}号",
            "contact_phone": f"139{n:08d}",
        }
        ws.append([values.get(f.name, "") for f in FIELDS["entities"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def import_entities(*, username: str, rows: int) -> dict:
    """A sheet of ``rows`` new businesses through the job flow, rolled back: the upload, the
    check as the worker runs it (reads the file once, stores the rows and the dry run), then the
    import started and run as the worker runs it (plans the stored rows, writes); each timed."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from baobao import clock
    from baobao.models import User
    from ledgers.imports import import_batch_apply_start, import_batch_create, import_job_run
    from ledgers.models import ImportMode, ImportStatus

    user = User.objects.get(username=username)
    content = _entity_sheet(county=user.division, rows=rows)
    upload = SimpleUploadedFile("基准.xlsx", content)
    # Inside one rolled-back transaction nothing is committed, so nothing is handed to a broker:
    # the two jobs are run here, as the worker would run them.
    with transaction.atomic():
        started = time.perf_counter()
        batch = import_batch_create(user=user, kind="entities", upload=upload)
        uploaded = time.perf_counter()
        batch = import_job_run(batch_id=batch.pk, now=clock.now())
        checked = time.perf_counter()
        if batch.status != ImportStatus.CHECKED:
            raise RuntimeError(f"check ended {batch.status}: {batch.error}")
        import_batch_apply_start(batch=batch, mode=ImportMode.ALL_OR_NOTHING, by=user)
        batch = import_job_run(batch_id=batch.pk, now=clock.now())
        seconds = time.perf_counter() - started
        created = batch.result.get("created", 0)
        status, error = batch.status, batch.error
        if batch.file:
            batch.file.delete(save=False)
        transaction.set_rollback(True)
    if status != ImportStatus.IMPORTED or created != rows:
        raise RuntimeError(f"imported {created} of {rows} ({status}: {error}): {batch.counts}")
    return {
        "seconds": seconds,
        "upload_seconds": uploaded - started,
        "dry_run_seconds": checked - uploaded,
        "apply_seconds": started + seconds - checked,
        "rows": rows,
        "rate": rows / seconds,
        "bytes": len(content),
    }


def reminders(*, kind: str, today: str) -> dict:
    """One reminder job as beat would run it on ``today``, rolled back."""
    from django.db import transaction

    from inspections.reminders import reminders_run

    with transaction.atomic():
        started = time.perf_counter()
        result = reminders_run(kind=kind, today=datetime.date.fromisoformat(today))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    if result.period is None:
        raise RuntimeError(f"{kind} does not send on {today}")
    return {
        "seconds": seconds,
        "rows": result.messages,
        "rate": result.messages / seconds,
        "period": str(result.period),
    }


def _peers() -> dict:
    from tests.benchmarks import peers

    return {
        "ceiling_xlsxwriter": peers.ceiling_xlsxwriter,
        "import_export_entities": peers.import_export_entities,
    }


PROBES = {
    "export": export,
    "ceiling": ceiling,
    "export_job": export_job,
    "import_entities": import_entities,
    "reminders": reminders,
}


def main() -> None:
    _setup()
    from tests.benchmarks.harness import rss_mb

    probe, arguments = sys.argv[1], json.loads(sys.argv[2])
    base = rss_mb()
    report = {**PROBES, **_peers()}[probe](**arguments)
    report.update(peak_mb=rss_mb(), base_mb=base)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
