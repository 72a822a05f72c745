"""The inspection write services: visit_record idempotency, checks and photos, issues raised in the same form."""

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import (
    Issue,
    IssueEvent,
    IssueStatus,
    PhotoStatus,
    Visit,
    VisitCheck,
    VisitPhoto,
)
from tests.factories import CadreAideFactory, aide_user, cadre_login
from tests.helpers import jpeg
from tests.inspections.services_support import frozen_time, record  # noqa: F401 (frozen_time is autouse)


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- visit_record: idempotency --------------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_visit_and_changes_nothing(holding):
    user = cadre_login(holding.cadre)
    key = uuid.uuid4()
    # given a visit recorded with a form key
    first, created = record(user, holding.entity, idempotency_key=key, findings="第一次")
    assert created
    # when the same form is sent again, even with different content
    again, created_again = record(
        user,
        holding.entity,
        idempotency_key=key,
        findings="第二次",
        checks=[{"text": "x", "area": "on_site", "result": "pass"}],
    )
    # then the first visit comes back, unchanged, and nothing else is written
    assert not created_again
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert Visit.objects.get().findings == "第一次"
    assert not VisitCheck.objects.exists()


def test_a_form_sent_twice_at_once_returns_the_visit_the_other_request_stored(holding, monkeypatch):
    # given the other request stored the visit after this one looked for the key
    user = cadre_login(holding.cadre)
    key = uuid.uuid4()
    stored, _ = record(user, holding.entity, idempotency_key=key)
    monkeypatch.setattr("inspections.services._stored_visit", lambda key: None)
    # when this request tries to insert it too
    visit, created = record(user, holding.entity, idempotency_key=key)
    # then the unique key refuses the insert and the stored visit is returned
    assert not created
    assert visit.pk == stored.pk
    assert Visit.objects.count() == 1


def test_a_form_key_of_someone_else_is_refused(holding):
    key = uuid.uuid4()
    record(cadre_login(holding.cadre), holding.entity, idempotency_key=key)
    aide = aide_user(CadreAideFactory(cadre=holding.cadre))
    with pytest.raises(ValidationError) as refused:
        record(aide, holding.entity, idempotency_key=key)
    assert refused.value.code == "key_taken"


# --- visit_record: checks and photos --------------------------------------------------------


def test_a_check_without_a_valid_result_is_refused(holding):
    with pytest.raises(ValidationError) as refused:
        record(
            cadre_login(holding.cadre),
            holding.entity,
            checks=[{"text": "许可证件公示", "area": "on_site", "result": "maybe"}],
        )
    assert refused.value.code == "bad_result"
    assert not Visit.objects.exists()


def test_photos_are_stored_quarantined_and_re_encoded_after_the_commit(
    holding, settings, django_capture_on_commit_callbacks, eager_tasks
):
    # given a visit with two photos, recorded
    with django_capture_on_commit_callbacks() as queued:
        visit, _ = record(
            cadre_login(holding.cadre), holding.entity, photos=[jpeg(size=(3200, 1600)), jpeg()]
        )
    # then right after the submit each is a quarantined original, not yet re-encoded
    photos = list(visit.photos.order_by("id"))
    assert [p.status for p in photos] == [PhotoStatus.PROCESSING] * 2
    assert all(p.original.name.startswith("quarantine/visits/2026/") for p in photos)
    assert not any(p.image for p in photos)
    assert len(queued) == 2
    # when the commit hands them to the re-encode (eager here: in process)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    # then each is a capped JPEG under visits/, and only those files are left
    photos = list(visit.photos.order_by("id"))
    assert [p.status for p in photos] == [PhotoStatus.READY] * 2
    assert [(p.width, p.height) for p in photos] == [(1600, 800), (80, 60)]
    assert all(p.image.name.startswith("visits/2026/") for p in photos)
    assert all(p.image.name.endswith(".jpg") and not p.original for p in photos)
    media = Path(settings.MEDIA_ROOT)
    assert sorted(str(f.relative_to(media)) for f in stored_files(settings)) == sorted(
        p.image.name for p in photos
    )


def test_a_non_image_photo_refuses_the_whole_visit_and_writes_nothing(holding, settings):
    # given a good photo, a PDF renamed .jpg, a problem check and an issue
    fake = SimpleUploadedFile("IMG_0002.jpg", b"%PDF-1.4 ...", content_type="image/jpeg")
    # when the visit is recorded
    with pytest.raises(ValidationError) as refused:
        record(
            cadre_login(holding.cadre),
            holding.entity,
            photos=[jpeg(), fake],
            checks=[{"text": "场所环境卫生整洁", "area": "on_site", "result": "problem"}],
            issues=[
                {
                    "category": "hygiene",
                    "severity": "minor",
                    "description": "地面湿滑",
                    "actor_kind": "business",
                    "check": 0,
                }
            ],
        )
    # then nothing at all is written, not even the good photo's file
    assert refused.value.code == "photo_type"
    assert not Visit.objects.exists()
    assert not VisitCheck.objects.exists()
    assert not VisitPhoto.objects.exists()
    assert not Issue.objects.exists()
    assert stored_files(settings) == []


def test_an_oversized_photo_is_refused(holding, settings):
    photo = jpeg()
    settings.UPLOAD_MAX_BYTES = photo.size - 1
    with pytest.raises(ValidationError) as refused:
        record(cadre_login(holding.cadre), holding.entity, photos=[photo])
    assert refused.value.code == "photo_too_large"
    assert not Visit.objects.exists()


# --- visit_record: issues raised in the same form -------------------------------------------


def test_a_problem_check_raises_an_issue_in_the_same_form(holding):
    user = cadre_login(holding.cadre)
    # when a visit marks a problem and raises an issue on it, with a photo
    visit, _ = record(
        user,
        holding.entity,
        checks=[
            {"text": "许可证件公示", "area": "on_site", "result": "pass"},
            {"text": "餐饮具清洗消毒", "area": "on_site", "result": "problem"},
        ],
        issues=[
            {
                "category": "disinfection",
                "severity": "general",
                "description": "消毒柜未通电",
                "actor_kind": "business",
                "actor_name": "店主张三",
                "check": 1,
                "photo": jpeg(),
            },
            {
                "category": "other",
                "severity": "serious",
                "description": "无证经营嫌疑",
                "actor_kind": "regulator",
                "deadline": datetime.date(2026, 5, 22),
            },
        ],
    )
    # then the issues are open, linked, with a deadline by severity unless one was given
    first, second = visit.issues.order_by("id")
    assert first.visit_check.text == "餐饮具清洗消毒"
    assert first.deadline == datetime.date(2026, 6, 4)  # general: 15 days
    assert first.photo.name.endswith(".jpg")
    assert first.raised_by == user
    assert second.visit_check is None
    assert second.deadline == datetime.date(2026, 5, 22)
    assert all(i.status == IssueStatus.OPEN and i.entity == holding.entity for i in (first, second))
    events = IssueEvent.objects.filter(issue__visit=visit)
    assert [(e.from_status, e.to_status, e.by) for e in events] == [("", "open", user)] * 2


def test_an_issue_can_only_follow_up_a_problem_check(holding):
    with pytest.raises(ValidationError) as refused:
        record(
            cadre_login(holding.cadre),
            holding.entity,
            checks=[{"text": "许可证件公示", "area": "on_site", "result": "pass"}],
            issues=[
                {
                    "category": "licence",
                    "severity": "minor",
                    "description": "x",
                    "actor_kind": "business",
                    "check": 0,
                }
            ],
        )
    assert refused.value.code == "check_not_problem"
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"category": "weather"}, "bad_category"),
        ({"severity": "huge"}, "bad_severity"),
        ({"actor_kind": "nobody"}, "bad_actor"),
        ({"description": "  "}, "description_required"),
        ({"deadline": datetime.date(2026, 5, 19)}, "deadline_past"),
    ],
)
def test_an_incomplete_issue_refuses_the_visit(holding, change, code):
    issue = {
        "category": "hygiene",
        "severity": "minor",
        "description": "地面湿滑",
        "actor_kind": "business",
        **change,
    }
    with pytest.raises(ValidationError) as refused:
        record(cadre_login(holding.cadre), holding.entity, issues=[issue])
    assert refused.value.code == code
    assert not Visit.objects.exists()
