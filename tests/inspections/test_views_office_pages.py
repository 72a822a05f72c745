"""The office side of supervision: a visit's and an issue's page with their actions, the scoped photos, and an entity's recent quarters on its detail page."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from inspections.models import CheckResult, Issue, IssueEvent, IssueStatus, VisitCheck, VisitPhoto
from inspections.quarters import Quarter
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    IssueFactory,
    VisitFactory,
    cadre_login,
    county,
    office_user,
    province,
    wanshan_village,
)
from tests.helpers import jpeg, jpeg_bytes
from tests.inspections.views_office_support import wanshan_visit

pytestmark = pytest.mark.django_db


def transition(client, issue, to_status, note="", photo=None):
    data = {"to_status": to_status, "note": note}
    if photo is not None:
        data["photo"] = photo
    return client.post(reverse("inspections:issue-detail", args=[issue.pk]), data)


# --- a visit's page ---------------------------------------------------------------------------


def test_a_visit_page_shows_everything_recorded(client):
    # given a visit with a problem item, a photo and an issue
    visit = VisitFactory(findings="消毒柜未通电", companions="协保员甲")
    VisitCheck.objects.create(
        visit=visit, area="on_site", text="餐具消毒", result=CheckResult.PROBLEM, note="未通电"
    )
    photo = VisitPhoto.objects.create(visit=visit, image=ContentFile(jpeg_bytes(), "p.jpg"))
    issue = IssueFactory(visit=visit)
    client.force_login(office_user(county()))
    # when the office opens it
    response = client.get(reverse("inspections:visit-detail", args=[visit.pk]))
    # then all of it is there
    assert response.status_code == 200
    for text in ("消毒柜未通电", "协保员甲", "餐具消毒", "未通电", visit.cadre.name):
        assert text in response.text
    assert reverse("inspections:visit-photo", args=[photo.pk]) in response.text
    assert reverse("inspections:issue-detail", args=[issue.pk]) in response.text


def test_a_remark_is_appended_by_the_office(client):
    visit = VisitFactory()
    client.force_login(office_user(county()))
    url = reverse("inspections:visit-detail", args=[visit.pk])
    response = client.post(url, {"text": "督导时间应为上午"})
    assert response.status_code == 302
    assert "督导时间应为上午" in client.get(url).text
    assert visit.remarks.get().text == "督导时间应为上午"


def test_an_empty_remark_is_refused_in_chinese(client):
    visit = VisitFactory()
    client.force_login(office_user(county()))
    response = client.post(reverse("inspections:visit-detail", args=[visit.pk]), {"text": "  "})
    assert response.status_code == 200
    assert "请填写补充说明。" in response.text
    assert not visit.remarks.exists()


def test_the_visits_own_cadre_may_open_and_remark_it(client):
    visit = VisitFactory()
    client.force_login(cadre_login(visit.cadre))
    url = reverse("inspections:visit-detail", args=[visit.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"text": "补充：负责人在场"}).status_code == 302
    assert visit.remarks.get().by == cadre_login(visit.cadre)


def test_another_cadre_gets_404_for_a_visit(client):
    visit = VisitFactory()
    stranger = CadreFactory()
    client.force_login(cadre_login(stranger))
    assert client.get(reverse("inspections:visit-detail", args=[visit.pk])).status_code == 404


def test_the_province_office_reads_a_visit_but_may_not_remark(client):
    visit = VisitFactory()
    client.force_login(office_user(province()))
    url = reverse("inspections:visit-detail", args=[visit.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="text"' not in page.text
    assert client.post(url, {"text": "x"}).status_code == 403
    assert not visit.remarks.exists()


def test_a_visit_of_another_county_or_a_forged_id_is_404(client):
    other = wanshan_visit()
    client.force_login(office_user(county()))
    assert client.get(reverse("inspections:visit-detail", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("inspections:visit-detail", args=[other.pk]), {"text": "x"}).status_code
        == 404
    )
    assert client.get(reverse("inspections:visit-detail", args=[10**9])).status_code == 404


def test_a_visit_photo_is_served_only_in_scope(client):
    # given a photo of a 碧江区 visit
    visit = VisitFactory()
    photo = VisitPhoto.objects.create(visit=visit, image=ContentFile(jpeg_bytes(), "p.jpg"))
    url = reverse("inspections:visit-photo", args=[photo.pk])
    # then the county office gets it
    client.force_login(office_user(county()))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == jpeg_bytes()
    # and another county's office, or another cadre, does not
    client.force_login(office_user(wanshan_village().parent.parent))
    assert client.get(url).status_code == 404
    client.force_login(cadre_login(CadreFactory()))
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


# --- an issue's page and its status flow ------------------------------------------------------


def test_the_issue_flow_through_the_page(client):
    # given an open issue
    issue = IssueFactory()
    client.force_login(office_user(county()))
    url = reverse("inspections:issue-detail", args=[issue.pk])
    page = client.get(url)
    # then only its legal next statuses are offered
    assert 'value="rectifying"' in page.text and 'value="fixed"' in page.text
    assert 'value="closed"' not in page.text
    # when it goes open → rectifying → fixed (with a note and a photo) → closed
    assert transition(client, issue, "rectifying").status_code == 302
    assert transition(client, issue, "fixed", "已清洗地面", jpeg()).status_code == 302
    assert transition(client, issue, "closed", "复查合格").status_code == 302
    # then it is closed and its history shows every step with who and the evidence
    issue.refresh_from_db()
    assert issue.status == IssueStatus.CLOSED and issue.closed_at is not None
    events = list(issue.events.order_by("id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("open", "rectifying"),
        ("rectifying", "fixed"),
        ("fixed", "closed"),
    ]
    page = client.get(url)
    assert "已清洗地面" in page.text and "复查合格" in page.text
    assert reverse("inspections:issue-photo", args=["event", events[1].pk]) in page.text
    assert 'value="rectifying"' in page.text  # a reopen is offered


def test_fixed_without_a_note_is_refused_in_chinese(client):
    issue = IssueFactory()
    client.force_login(office_user(county()))
    response = transition(client, issue, "fixed", "  ")
    assert response.status_code == 200
    assert "请说明整改措施。" in response.text
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert not issue.events.exists()


def test_a_forged_illegal_transition_is_refused(client):
    # given an open issue, which cannot be closed before it is fixed
    issue = IssueFactory()
    client.force_login(office_user(county()))
    # when a closing is posted anyway
    response = transition(client, issue, "closed", "直接销号")
    # then it is refused and nothing changes
    assert response.status_code == 200
    assert "问题不能从“待整改”变为" in response.text
    issue.refresh_from_db()
    assert issue.status == IssueStatus.OPEN
    assert not IssueEvent.objects.exists()


def test_the_province_office_reads_an_issue_but_may_not_change_it(client):
    issue = IssueFactory()
    client.force_login(office_user(province()))
    page = client.get(reverse("inspections:issue-detail", args=[issue.pk]))
    assert page.status_code == 200
    assert 'name="to_status"' not in page.text
    assert transition(client, issue, "rectifying").status_code == 403
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.OPEN


def test_an_issue_of_another_county_or_a_forged_id_is_404(client):
    other = IssueFactory(visit=wanshan_visit())
    client.force_login(office_user(county()))
    assert client.get(reverse("inspections:issue-detail", args=[other.pk])).status_code == 404
    assert transition(client, other, "rectifying").status_code == 404
    assert client.get(reverse("inspections:issue-detail", args=[10**9])).status_code == 404
    assert Issue.objects.get(pk=other.pk).status == IssueStatus.OPEN


def test_the_holding_cadre_may_move_their_issue_and_another_cadre_gets_404(client):
    issue = IssueFactory()
    client.force_login(cadre_login(issue.visit.cadre))
    assert transition(client, issue, "fixed", "已整改").status_code == 302
    assert 'value="closed"' in client.get(reverse("inspections:issue-detail", args=[issue.pk])).text
    client.force_login(cadre_login(CadreFactory()))
    assert client.get(reverse("inspections:issue-detail", args=[issue.pk])).status_code == 404


def test_issue_and_event_photos_are_served_only_in_scope(client):
    # given an issue with a photo, fixed with an evidence photo
    issue = IssueFactory(photo=ContentFile(jpeg_bytes(), "i.jpg"))
    client.force_login(office_user(county()))
    transition(client, issue, "fixed", "已整改", jpeg())
    event = issue.events.get()
    urls = [
        reverse("inspections:issue-photo", args=["issue", issue.pk]),
        reverse("inspections:issue-photo", args=["event", event.pk]),
    ]
    # then the county office gets both
    for url in urls:
        assert client.get(url).status_code == 200
    # and another county's office gets 404, as does an unknown kind
    client.force_login(office_user(wanshan_village().parent.parent))
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(office_user(county()))
    assert client.get(f"/inspections/issues/photos/other/{issue.pk}/").status_code == 404


# --- the entity's quarterly status ------------------------------------------------------------


def test_entity_detail_shows_the_last_four_quarters(client):
    # given a business held for a year, visited this quarter and two quarters ago
    today = timezone.localdate()
    holding = AssignmentFactory(start_date=today - datetime.timedelta(days=400))
    current = Quarter.of(today)
    two_ago = current.previous().previous()
    VisitFactory(assignment=holding)
    VisitFactory(
        assignment=holding,
        visited_at=timezone.make_aware(
            datetime.datetime.combine(two_ago.first_day, datetime.time(10))
        ),
    )
    client.force_login(office_user(county()))
    # when its page is opened
    text = client.get(reverse("entities:detail", args=[holding.entity_id])).text
    # then it shows four quarters, newest first, two visited and one not
    shown = [str(q) for q in (current, current.previous(), two_ago, two_ago.previous())]
    positions = [text.index(f"<td>{q}</td>") for q in shown]
    assert positions == sorted(positions)
    assert str(two_ago.previous().previous()) + "</td>" not in text
    section = text[positions[0] : text.index("</table>", positions[0])]
    assert section.count('class="ok"') == 2
    assert section.count('class="bad"') == 2
