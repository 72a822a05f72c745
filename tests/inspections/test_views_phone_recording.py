"""The cadre's phone pages: recording a visit, the aide logging for their cadre, the JSON answers visit.js relies on, and resends."""

import datetime
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from inspections.checklists import checklist_for
from inspections.forms import CheckForm
from inspections.models import CheckResult, Issue, IssueEvent, IssueStatus, Visit
from tests.factories import (
    aide_user,
    cadre_login,
    county,
    office_user,
)
from tests.helpers import jpeg
from tests.inspections import views_phone_support
from tests.inspections.views_phone_support import (  # noqa: F401 (frozen_time is autouse)
    FETCH,
    MY,
    TZ,
    form_url,
    frozen_time,
    visit_data,
)

pytestmark = pytest.mark.django_db

# The phone pages' own holding fixture; the directory's conftest.py has another one.
holding = views_phone_support.holding


def issue_fields(prefix, **fields) -> dict:
    values = {
        "raise_issue": "on",
        "category": "hygiene",
        "severity": "serious",
        "description": "后厨地面油污",
        "deadline": "",
        "actor_kind": "business",
        "actor_name": "",
        **fields,
    }
    return {f"{prefix}-{name}": value for name, value in values.items()}


def first_item(entity):
    return checklist_for(entity).items.first()


# --- the visit form: recording -----------------------------------------------------------------


def test_a_cadre_records_a_visit_raising_an_issue_and_sees_it_done(client, holding):
    # given the cadre with the form open
    client.force_login(cadre_login(holding.cadre))
    entity = holding.entity
    item = first_item(entity)
    key = uuid.uuid4()
    # when they submit with the first item a problem raising an issue, a companion, two photos
    data = visit_data(
        entity,
        key=key,
        results={0: CheckResult.PROBLEM},
        findings="消毒柜未通电",
        companion_aides=["李协保"],
        companions_other="镇市场监管所张三",
        latitude="27.7312345",
        longitude="109.1890123",
        accuracy_m="12.6",
        photos=[jpeg(), jpeg("IMG_0002.jpg")],
        **{f"check-{item.pk}-note": "未见总监在岗"},
        **issue_fields(f"issue-{item.pk}", photo=jpeg("issue.jpg")),
    )
    response = client.post(form_url(entity), data)
    # then they are back on the task page, the business done
    assert response.status_code == 302
    assert response["Location"] == MY
    page = client.get(MY)
    assert "done-mark" in page.text
    assert entity.name in page.text
    # and the visit holds what was typed
    visit = Visit.objects.get()
    assert visit.idempotency_key == key
    assert (visit.cadre, visit.logged_by.cadre) == (holding.cadre, holding.cadre)
    assert visit.visited_at == datetime.datetime(2026, 5, 20, 9, 30, tzinfo=TZ)
    assert visit.on_site and visit.findings == "消毒柜未通电"
    assert visit.companions == "李协保、镇市场监管所张三"
    assert (str(visit.latitude), str(visit.longitude), visit.accuracy_m) == (
        "27.731235",
        "109.189012",
        13,
    )
    assert visit.photos.count() == 2
    problem = visit.checks.get(result=CheckResult.PROBLEM)
    assert (problem.text, problem.note) == (item.text, "未见总监在岗")
    assert visit.checks.count() == checklist_for(entity).items.count()
    # and the issue follows the problem, deadline by severity (serious: 7 days)
    issue = Issue.objects.get()
    assert issue.visit_check == problem
    assert (issue.category, issue.severity, issue.deadline) == (
        "hygiene",
        "serious",
        datetime.date(2026, 5, 27),
    )
    assert issue.photo
    assert IssueEvent.objects.filter(issue=issue, to_status=IssueStatus.OPEN).count() == 1


def test_an_issue_can_follow_the_findings(client, holding):
    client.force_login(cadre_login(holding.cadre))
    data = visit_data(
        holding.entity,
        findings="冷库温度超标",
        **issue_fields("issue-findings", deadline="2026-06-10", severity="minor"),
    )
    assert client.post(form_url(holding.entity), data).status_code == 302
    issue = Issue.objects.get()
    assert (issue.visit_check, issue.deadline) == (None, datetime.date(2026, 6, 10))


def test_an_aide_logs_a_visit_for_their_cadre(client, holding):
    # given the cadre's assistant
    aide = aide_user(holding.cadre.aides.get(kind="assistant"))
    client.force_login(aide)
    # when they log the visit
    response = client.post(form_url(holding.entity), visit_data(holding.entity))
    # then it counts for the cadre and records who logged it
    assert response["Location"] == MY
    visit = Visit.objects.get()
    assert (visit.cadre, visit.logged_by) == (holding.cadre, aide)


def test_a_county_clerk_types_in_a_paper_visit_for_the_holder(client, holding):
    # given a county office clerk with a paper record
    clerk = office_user(county())
    client.force_login(clerk)
    # when they log it
    response = client.post(form_url(holding.entity), visit_data(holding.entity))
    # then it counts for the cadre holding the business, and the clerk sees the visit's page
    visit = Visit.objects.get()
    assert (visit.cadre, visit.logged_by) == (holding.cadre, clerk)
    assert response["Location"] == reverse("inspections:visit-detail", args=[visit.pk])


def test_the_same_form_sent_twice_is_one_visit_with_the_same_answer(client, holding):
    # given a form already sent
    client.force_login(cadre_login(holding.cadre))
    data = visit_data(holding.entity)
    first = client.post(form_url(holding.entity), data)
    # when it is sent again (a double tap, or a resend after a dropped answer)
    second = client.post(form_url(holding.entity), data)
    fetched = client.post(form_url(holding.entity), data, **FETCH)
    # then there is one visit and every answer is success
    assert Visit.objects.count() == 1
    assert first["Location"] == second["Location"] == MY
    assert fetched.json() == {"ok": True, "redirect": MY, "visit": Visit.objects.get().pk}


def test_a_fetch_gets_json_for_success_and_for_errors(client, holding):
    client.force_login(cadre_login(holding.cadre))
    item = first_item(holding.entity)
    # when visit.js sends an incomplete form
    data = visit_data(holding.entity)
    del data[f"check-{item.pk}-result"]
    response = client.post(form_url(holding.entity), data, **FETCH)
    # then the answer names the field and says why, in Chinese
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False
    assert {e["field"] for e in body["errors"]} == {f"check-{item.pk}-result"}
    with translation.override("zh-hans"):
        expected = str(CheckForm.base_fields["result"].error_messages["required"])
    assert body["errors"][0]["message"] == expected
    assert not Visit.objects.exists()
    # and the complete form is recorded
    ok = client.post(form_url(holding.entity), visit_data(holding.entity), **FETCH)
    assert ok.json()["ok"] is True
    assert ok.json()["redirect"] == MY


def refused(client, entity, data, error_text):
    """Post, expect the form again with ``error_text`` and what was typed, and nothing saved."""
    response = client.post(form_url(entity), data)
    assert response.status_code == 200
    assert error_text in response.text
    assert not Visit.objects.exists() and not Issue.objects.exists()
    parts = response.context["parts"]
    assert f'value="{data["idempotency_key"]}"' in response.text
    return response, parts


def test_a_visit_in_the_future_is_refused_keeping_what_was_typed(client, holding):
    client.force_login(cadre_login(holding.cadre))
    data = visit_data(holding.entity, visited_at="2026-05-21T09:00", findings="地面油污")
    response, _parts = refused(client, holding.entity, data, "督导时间不能晚于当前时间")
    assert "地面油污" in response.text
    assert 'value="2026-05-21T09:00"' in response.text


def test_a_visit_before_the_holding_began_is_refused(client, holding):
    # the holding began on 2026-04-20
    client.force_login(cadre_login(holding.cadre))
    data = visit_data(holding.entity, visited_at="2026-04-10T09:00")
    refused(client, holding.entity, data, "在2026-04-10未包保")


def test_a_photo_that_is_not_an_image_is_refused(client, holding):
    client.force_login(cadre_login(holding.cadre))
    fake = SimpleUploadedFile("IMG_0001.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    refused(client, holding.entity, visit_data(holding.entity, photos=[fake]), "请上传照片")


def test_an_oversized_photo_is_refused(client, holding, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(cadre_login(holding.cadre))
    big = jpeg(size=(600, 600))
    assert big.size > 1024
    refused(client, holding.entity, visit_data(holding.entity, photos=[big]), "上限为")


def test_an_unmarked_item_is_refused(client, holding):
    client.force_login(cadre_login(holding.cadre))
    item = first_item(holding.entity)
    data = visit_data(holding.entity)
    del data[f"check-{item.pk}-result"]
    _response, parts = refused(client, holding.entity, data, 'class="check invalid"')
    assert parts.rows[0]["check"].errors


def test_an_issue_on_an_item_that_passed_is_refused(client, holding):
    client.force_login(cadre_login(holding.cadre))
    item = first_item(holding.entity)
    data = visit_data(holding.entity, **issue_fields(f"issue-{item.pk}"))
    _response, parts = refused(client, holding.entity, data, "只能针对标记为")
    assert "raise_issue" in parts.rows[0]["issue"].errors


def test_an_issue_without_its_fields_is_refused(client, holding):
    client.force_login(cadre_login(holding.cadre))
    item = first_item(holding.entity)
    data = visit_data(
        holding.entity,
        results={0: CheckResult.PROBLEM},
        **issue_fields(f"issue-{item.pk}", category="", description=" "),
    )
    _response, parts = refused(client, holding.entity, data, "请描述问题")
    assert set(parts.rows[0]["issue"].errors) == {"category", "description"}


def test_a_garbled_location_is_dropped_not_refused(client, holding):
    # a location is a hint from the phone: a bad value never blocks the visit
    client.force_login(cadre_login(holding.cadre))
    data = visit_data(holding.entity, latitude="abc", longitude="109.1", accuracy_m="-5")
    assert client.post(form_url(holding.entity), data).status_code == 302
    visit = Visit.objects.get()
    assert (visit.latitude, visit.longitude, visit.accuracy_m) == (None, None, None)


def test_someone_elses_key_is_refused(client, holding):
    # given a visit recorded by the cadre
    data = visit_data(holding.entity)
    client.force_login(cadre_login(holding.cadre))
    client.post(form_url(holding.entity), data)
    # when the assistant sends a form with the same key
    client.force_login(aide_user(holding.cadre.aides.get(kind="assistant")))
    response = client.post(form_url(holding.entity), data, **FETCH)
    # then it is refused, and nothing of the first visit is handed out
    assert response.status_code == 400
    assert "visit" not in response.json()
    assert Visit.objects.count() == 1


def test_the_json_answer_is_bare_of_the_visit_for_a_refusal(client, holding):
    client.force_login(cadre_login(holding.cadre))
    data = visit_data(holding.entity, visited_at="2026-05-21T09:00")
    body = json.loads(client.post(form_url(holding.entity), data, **FETCH).content)
    assert body["ok"] is False
    assert body["errors"][0]["field"] == ""
