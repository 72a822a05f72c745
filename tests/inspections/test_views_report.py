"""The cadre's rectification report on the phone (/inspections/issues/<pk>/report/): saved by the
service worker, sent through the phone's queue; its idempotency key makes a resend harmless."""

import datetime
import io
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from PIL import Image

from inspections.models import IssueEvent, IssueStatus
from tests.factories import (
    AssignmentFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    county,
    office_user,
)

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=TZ)
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
MY = reverse("inspections:my")


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def issue():
    return IssueFactory(visit=VisitFactory(assignment=AssignmentFactory()))


def url(issue) -> str:
    return reverse("inspections:issue-report", args=[issue.pk])


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), "green").save(buffer, "JPEG")
    return SimpleUploadedFile("fixed.jpg", buffer.getvalue(), content_type="image/jpeg")


def report(key, **extra) -> dict:
    return {"to_status": "fixed", "note": "已清理后厨地面", "idempotency_key": str(key), **extra}


def test_the_task_page_links_each_open_issue_to_its_report_page_to_save(client, issue):
    client.force_login(cadre_login(issue.visit.cadre))
    text = client.get(MY).text
    assert f'href="{url(issue)}" data-precache' in text


def test_the_report_page_is_saved_on_the_phone_with_a_fresh_key(client, issue):
    # given the holding cadre
    client.force_login(cadre_login(issue.visit.cadre))
    # when they open the report page twice
    first, second = client.get(url(issue)), client.get(url(issue))
    # then the service worker may keep it (it names its user), fixed is proposed, photo by camera
    assert first.status_code == 200
    assert first["X-Baobao-User"] == str(cadre_login(issue.visit.cadre).pk)
    assert 'value="fixed" required checked' in first.text
    assert 'capture="environment"' in first.text and "data-queued-form" in first.text
    # and each opening carries its own key
    keys = [r.context["form"].initial["idempotency_key"] for r in (first, second)]
    assert keys[0] != keys[1] and f'value="{keys[0]}"' in first.text


def test_a_report_sent_twice_is_stored_once_with_its_photo(client, issue):
    # given the cadre's report with a photo
    client.force_login(cadre_login(issue.visit.cadre))
    key = uuid.uuid4()
    # when the queue sends it, and sends it again (the first answer was lost)
    first = client.post(url(issue), report(key, photo=jpeg()), **FETCH)
    again = client.post(url(issue), report(key, photo=jpeg()), **FETCH)
    # then both answers say done, and the issue is fixed once
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["ok"] and first.json()["redirect"] == MY
    [event] = IssueEvent.objects.filter(issue=issue, to_status=IssueStatus.FIXED)
    assert (event.idempotency_key, event.note) == (key, "已清理后厨地面")
    assert event.photo
    issue.refresh_from_db()
    assert issue.status == IssueStatus.FIXED


def test_a_plain_post_goes_back_to_the_task_page(client, issue):
    client.force_login(cadre_login(issue.visit.cadre))
    response = client.post(url(issue), report(uuid.uuid4(), to_status="rectifying", note=""))
    assert response.status_code == 302 and response["Location"] == MY
    assert IssueEvent.objects.filter(issue=issue, to_status=IssueStatus.RECTIFYING).count() == 1


def test_a_report_without_a_note_is_refused_in_json_and_changes_nothing(client, issue):
    client.force_login(cadre_login(issue.visit.cadre))
    response = client.post(url(issue), report(uuid.uuid4(), note=""), **FETCH)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "" and "整改" in error["message"]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert not IssueEvent.objects.filter(to_status=IssueStatus.FIXED).exists()


def test_another_users_key_is_refused(client, issue):
    # given a report sent by the holder
    key = uuid.uuid4()
    client.force_login(cadre_login(issue.visit.cadre))
    client.post(url(issue), report(key), **FETCH)
    # when a colleague's phone sends the same key on their own issue
    other = IssueFactory(visit=VisitFactory(assignment=AssignmentFactory()))
    client.force_login(cadre_login(other.visit.cadre))
    response = client.post(url(other), report(key), **FETCH)
    # then it is refused, and their issue is untouched
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == IssueStatus.OPEN


def test_the_database_refuses_a_key_twice(issue):
    key = uuid.uuid4()
    user = cadre_login(issue.visit.cadre)
    IssueEvent.objects.create(issue=issue, to_status="fixed", by=user, idempotency_key=key)
    with pytest.raises(IntegrityError):
        IssueEvent.objects.create(issue=issue, to_status="fixed", by=user, idempotency_key=key)


def test_another_cadres_issue_is_404_and_the_office_is_refused(client, issue):
    other = IssueFactory(visit=VisitFactory(assignment=AssignmentFactory()))
    client.force_login(cadre_login(issue.visit.cadre))
    assert client.get(url(other)).status_code == 404
    assert client.post(url(other), report(uuid.uuid4()), **FETCH).status_code == 404
    assert reverse("inspections:issue-report", args=[999999]) and (
        client.get(reverse("inspections:issue-report", args=[999999])).status_code == 404
    )
    client.force_login(office_user(county()))
    assert client.get(url(issue)).status_code == 403
    assert not IssueEvent.objects.exclude(to_status=IssueStatus.OPEN).exists()
