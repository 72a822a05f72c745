"""The workbooks of the import pages (issue 20): a template people can fill, whose example row
passes its own checks, and the checked sheet handed back with its refused rows marked; the
result page after an import, and the import's progress."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from baobao.models import Division
from entities.models import BusinessType, Entity
from ledgers.imports import FIELDS, import_job_run, jobs, services
from ledgers.imports.jobs import _imported_key
from ledgers.imports.workbooks import REFUSED_FILL
from ledgers.models import ImportBatch, ImportStatus
from tests.factories import county, office_user, valid_uscc, village, wanshan_village
from tests.ledgers.conftest import open_xlsx, response_bytes
from tests.ledgers.test_imports import _entity_row, _upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_runs(monkeypatch):
    """Enqueued import jobs run here at once, as the worker would run them."""
    from baobao import outbox
    from baobao.celery import app
    from ledgers.tasks import import_run

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(outbox, "_send", lambda task, args, kwargs: import_run.run(*args))


def _post_file(client, content: bytes, name="mine.xlsx"):
    return client.post(
        reverse("ledgers:import"),
        {"kind": "entities", "file": SimpleUploadedFile(name, content)},
    )


def test_the_template_as_downloaded_imports_its_example_row(
    client, worker_runs, django_capture_on_commit_callbacks
):
    # given a county clerk with a village in the county, and another county's village
    user = office_user(county())
    mine = village()
    wanshan_village()
    client.force_login(user)
    # when the clerk downloads the business template
    template = response_bytes(client.get(reverse("ledgers:import-template", args=["entities"])))
    wb = open_xlsx(template)
    ws = wb.worksheets[0]
    # then it lists the clerk's own divisions (names and codes), only those
    places = wb["区划"]
    listed = [(r[0], r[1]) for r in places.iter_rows(min_row=2, values_only=True)]
    expected = list(Division.objects.for_user(user).order_by("code").values_list("name", "code"))
    assert listed == expected and (mine.name, mine.code) in listed
    assert all(code.startswith("520602") for _name, code in listed)
    # and grade, business type and division carry drop-down lists
    rules = {str(dv.sqref).split(":")[0][0]: dv for dv in ws.data_validations.dataValidation}
    assert rules["E"].type == "list" and rules["E"].formula1 == '"A,B,C,D"'
    types_sheet = wb["下拉选项"]
    assert rules["D"].formula1 == f"'下拉选项'!$A$1:$A${len(BusinessType.choices)}"
    assert [c.value for c in types_sheet["A"]] == [str(label) for _v, label in BusinessType.choices]
    assert rules["F"].formula1 == f"'区划'!$B$2:$B${len(expected) + 1}"
    # when it is uploaded unchanged, example row included, and the check runs
    with django_capture_on_commit_callbacks(execute=True):
        _post_file(client, template)
    batch = ImportBatch.objects.get()
    # then the example row is accepted: one business to create, nothing refused
    assert batch.status == ImportStatus.CHECKED, batch.error
    assert batch.counts == {"create": 1, "change": 0, "unchanged": 0, "refused": 0}, batch.plan
    # when it is imported
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledgers:import-batch", args=[batch.pk]), {"mode": "all"})
    # then the business exists and the page says what was added, not what will be
    assert Entity.objects.get().division == mine
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
    result = page.split('id="import-result"')[1].split("</div>")[0]
    assert "<strong>1</strong> 已新增" in result
    assert "将新增" not in page


def _big_sheet(rows: int, bad_every: int) -> bytes:
    """``rows`` businesses; every ``bad_every``-th has an unknown grade."""
    code = village().code
    upload = _upload(
        "entities",
        [
            _entity_row(
                name=f"饭店{n}",
                uscc=valid_uscc(700_000 + n),
                grade="X" if n % bad_every == 0 else "D",
                division=code,
            )
            for n in range(1, rows + 1)
        ],
    )
    return upload.read()


def test_the_error_workbook_marks_every_refused_row_and_no_other(
    client, worker_runs, django_capture_on_commit_callbacks
):
    # given a checked sheet of 1,000 businesses of which 100 (every 10th) are refused
    user = office_user(county())
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        _post_file(client, _big_sheet(1000, 10))
    batch = ImportBatch.objects.get()
    assert batch.counts["refused"] == 100 and batch.counts["create"] == 900
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
    assert reverse("ledgers:import-errors", args=[batch.pk]) in page
    # when the marked workbook is downloaded
    response = client.get(reverse("ledgers:import-errors", args=[batch.pk]))
    assert response.status_code == 200
    ws = open_xlsx(response_bytes(response)).worksheets[0]
    # then the header has the reason column last, and exactly the refused rows are filled
    width = len(FIELDS["entities"]) + 1
    assert ws.max_column == width
    assert ws.cell(row=1, column=width).value == "未通过原因"
    marked, reasons = set(), set()
    for row in ws.iter_rows(min_row=2, max_row=1001):
        if all(c.fill.fgColor.rgb == REFUSED_FILL.fgColor.rgb for c in row):
            marked.add(row[0].row)
        elif any(c.fill.fill_type for c in row):
            raise AssertionError(f"row {row[0].row} is partly filled")
        if row[-1].value:
            reasons.add(row[0].row)
            assert row[-1].value.startswith("风险等级："), row[-1].value
    bad = {n + 1 for n in range(1, 1001) if n % 10 == 0}
    assert marked == bad and reasons == bad
    # and the good rows keep their values
    assert ws.cell(row=2, column=1).value == "饭店1"


def test_no_error_workbook_for_a_sheet_without_refusals_or_of_another_user(
    client, worker_runs, django_capture_on_commit_callbacks
):
    user = office_user(county())
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        _post_file(client, _big_sheet(3, 1000))
    batch = ImportBatch.objects.get()
    assert batch.counts["refused"] == 0
    assert client.get(reverse("ledgers:import-errors", args=[batch.pk])).status_code == 404
    client.force_login(office_user(county(), username="other"))
    assert client.get(reverse("ledgers:import-errors", args=[batch.pk])).status_code == 404


def test_the_import_reports_rows_written_as_it_goes(monkeypatch):
    # given a checked sheet of 5 businesses, written 2 rows at a time
    user = office_user(county())
    village()
    batch = services.import_batch_create(
        user=user,
        kind="entities",
        upload=_upload("entities", [_entity_row(uscc=valid_uscc(800 + n)) for n in range(5)]),
    )
    import_job_run(batch_id=batch.pk, now=batch.queued_at)
    monkeypatch.setattr(services, "APPLY_CHUNK", 2)
    seen = []

    def record(key, value, timeout):
        seen.append((key, value, ImportBatch.objects.get(pk=batch.pk).status))

    monkeypatch.setattr(jobs, "cache", SimpleNamespace(set=record))
    # when the import runs as the worker runs it
    batch = ImportBatch.objects.get(pk=batch.pk)
    services.import_batch_apply_start(batch=batch, mode="all", by=user)
    import_job_run(batch_id=batch.pk, now=batch.queued_at)
    # then the rows written so far were reported after each chunk, while importing
    key = _imported_key(batch.pk)
    assert seen == [(key, n, "importing") for n in (0, 2, 4, 5)]
    assert Entity.objects.count() == 5


def test_the_importing_page_shows_rows_written_on_its_bar(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()  # an earlier test's count for a batch with the same id must not show
    user = office_user(county())
    batch = ImportBatch.objects.create(
        user=user,
        kind="entities",
        original_name="x.xlsx",
        status=ImportStatus.IMPORTING,
        counts={"create": 3000, "change": 1000, "unchanged": 5, "refused": 0},
    )
    client.force_login(user)
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
    assert '<progress max="100"></progress>' in page  # nothing written yet: no value
    cache.set(_imported_key(batch.pk), 2000)
    page = client.get(reverse("ledgers:import-batch", args=[batch.pk])).content.decode()
    assert 'max="4000" value="2000"' in page
    assert "已导入 2000 / 4000 行" in page
    assert 'http-equiv="refresh"' in page
