"""A business user sees their own business only; every other page of the site is closed to
them. The rectification loop: the business reports the fix, the cadre closes or returns it.
The office creates accounts with a one-time password the person must change."""

import io

import openpyxl
import pytest
from django.urls import reverse

from baobao.models import Role
from enterprises.models import Membership, Record
from inspections.models import IssueStatus
from inspections.services import issue_transition
from tests.audit.test_roles import _patterns, _url
from tests.enterprises.conftest import business_user
from tests.factories import EntityFactory, IssueFactory, county, office_user
from tests.helpers import jpeg

pytestmark = pytest.mark.django_db

OWN = {
    "home",
    "notifications:inbox",
    "accounts:password-change",
    "accounts:session",
    "accounts:otp-setup",
    "accounts:otp-verify",
    "healthz",
    "readyz",
    "inspections:service-worker",
    "inspections:offline-token",
    "enterprises:home",
    "enterprises:service-worker",
    "enterprises:entity",
    "enterprises:record-new",
    "enterprises:record",
    "enterprises:issue-fix",
}


def test_every_url_of_the_site_is_closed_to_a_business_user_but_their_own(client):
    # given a business user of business 1 (the sweep fills every id with 1), and another
    # business's record and issue as id 1 when they are not theirs
    other = EntityFactory()
    mine = EntityFactory()
    user = business_user(mine)
    client.force_login(user)
    opened = set()
    for name, route in _patterns():
        if "admin:" in name and name != "admin:index":
            continue
        url = _url(route)
        response = client.get(url)
        assert response.status_code != 500, url
        if response.status_code == 200:
            opened.add(name)
    assert opened <= OWN, opened - OWN
    assert other.pk != mine.pk


def test_a_business_user_cannot_read_or_write_another_business(client, pinned):
    mine, theirs = EntityFactory(), EntityFactory()
    user = business_user(mine)
    other_user = business_user(theirs)
    client.force_login(other_user)
    client.post(
        reverse("enterprises:record-new", args=[theirs.pk, "monthly"]),
        {
            "day": "2026-03-18",
            "idempotency_key": "6f0b3c9e-3a8e-4a57-9b3e-1f7e2f0f1a11",
            "meeting_date": "2026-03-18",
            "attendees": "张三",
            "situation": "正常",
            "decisions": "继续",
        },
    )
    foreign_record = Record.objects.get(entity=theirs)
    foreign_issue = IssueFactory(visit__assignment__entity=theirs)
    client.force_login(user)
    for url in (
        reverse("enterprises:entity", args=[theirs.pk]),
        reverse("enterprises:record-new", args=[theirs.pk, "daily"]),
        reverse("enterprises:record", args=[foreign_record.pk]),
        reverse("enterprises:issue-fix", args=[foreign_issue.pk]),
        reverse("entities:detail", args=[mine.pk]),
        reverse("inspections:issues"),
        reverse("enterprises:rates"),
        reverse("enterprises:policy"),
        reverse("enterprises:account-new", args=[mine.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("enterprises:issue-fix", args=[foreign_issue.pk]), {"note": "修好了"}
    )
    assert response.status_code == 404
    foreign_issue.refresh_from_db()
    assert foreign_issue.status == IssueStatus.OPEN
    assert client.get(reverse("enterprises:entity", args=[mine.pk])).status_code == 200
    # and home takes them to their business
    assert client.get(reverse("home")).url == reverse("enterprises:home")
    assert client.get(reverse("enterprises:home")).url == reverse(
        "enterprises:entity", args=[mine.pk]
    )


def test_the_business_reports_a_fix_and_the_cadre_closes_or_returns_it(client, pinned):
    # given an issue the cadre raised on the business, for the business to act on
    issue = IssueFactory()
    entity = issue.entity
    user = business_user(entity)
    client.force_login(user)
    page = client.get(reverse("enterprises:entity", args=[entity.pk]))
    assert issue.description[:10] in page.text and issue.deadline.isoformat() in page.text
    # when the business reports the fix with two photos
    response = client.post(
        reverse("enterprises:issue-fix", args=[issue.pk]),
        {
            "note": "已清理油污",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
            "idempotency_key": "0b1e2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        },
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    event = issue.events.get()
    # then the issue awaits verification, with the business's text and both photos
    assert issue.status == IssueStatus.FIXED
    assert event.by == user and event.note == "已清理油污"
    assert event.photo and event.photos.count() == 1
    # when the cadre sends it back, then the business reports again and the cadre closes it
    cadre = issue.raised_by
    issue_transition(issue=issue, user=cadre, to_status=IssueStatus.RECTIFYING, note="仍有油污")
    client.post(
        reverse("enterprises:issue-fix", args=[issue.pk]),
        {"note": "再次清理", "idempotency_key": "1b1e2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"},
    )
    issue_transition(issue=issue, user=cadre, to_status=IssueStatus.CLOSED, note="核实销号")
    issue.refresh_from_db()
    steps = [(e.to_status, e.by_id) for e in issue.events.order_by("at", "id")]
    assert steps == [
        ("fixed", user.pk),
        ("rectifying", cadre.pk),
        ("fixed", user.pk),
        ("closed", cadre.pk),
    ]
    assert issue.status == IssueStatus.CLOSED


def test_the_office_creates_an_account_that_must_change_its_password(client):
    entity = EntityFactory()
    office = office_user(county())
    client.force_login(office)
    page = client.post(
        reverse("enterprises:account-new", args=[entity.pk]),
        {"name": "李四", "username": "lisi-shop", "phone": "", "position": "officer"},
    )
    assert page.status_code == 200
    password = page.text.split('class="one-time-password">')[1].split("<")[0]
    membership = Membership.objects.get(entity=entity)
    assert membership.user.role == Role.BUSINESS and membership.position == "officer"
    client.logout()
    client.post(reverse("login"), {"username": "lisi-shop", "password": password})
    # the first page after signing in is the forced password change
    assert client.get(reverse("enterprises:home")).url == reverse("accounts:password-change")


def test_the_import_template_explains_every_column_and_creates_accounts(client):
    entity = EntityFactory()
    office = office_user(county())
    client.force_login(office)
    template = client.get(reverse("enterprises:account-import"), {"template": 1})
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    header = [c.value for c in book.worksheets[0][1]]
    explained = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert header == explained and len(header) == 5
    sheet = book.worksheets[0]
    sheet.append([entity.uscc, "王五", "wangwu-shop", "", "食品安全总监"])
    sheet.append(["91520000XXXXXXXXXX", "赵六", "zhaoliu", "", "食品安全员"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "accounts.xlsx"
    page = client.post(reverse("enterprises:account-import"), {"file": out})
    assert page.status_code == 200
    assert Membership.objects.get(user__username="wangwu-shop").entity == entity
    assert not Membership.objects.filter(user__username="zhaoliu").exists()


def test_the_cadre_sees_every_photo_of_the_business_fix(client, pinned):
    # given a business's fix report with three photos
    issue = IssueFactory()
    user = business_user(issue.entity)
    client.force_login(user)
    client.post(
        reverse("enterprises:issue-fix", args=[issue.pk]),
        {
            "note": "已整改",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")],
            "idempotency_key": "2b1e2a3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        },
    )
    # when the cadre who raised it opens the issue
    client.force_login(issue.raised_by)
    page = client.get(reverse("inspections:issue-detail", args=[issue.pk]))
    # then the first photo and the two more are linked, and each is served
    event = issue.events.get()
    more = list(event.photos.all())
    assert len(more) == 2
    for pk in [m.pk for m in more]:
        url = reverse("inspections:issue-photo", args=["event-more", pk])
        assert url in page.text
        assert client.get(url).status_code == 200
    # and the business user cannot fetch them through the cadre's pages
    client.force_login(user)
    url = reverse("inspections:issue-photo", args=["event-more", more[0].pk])
    assert client.get(url).status_code == 404


def test_the_office_of_the_area_resets_a_business_users_password():
    # given a business user of a business in 碧江区, and a business user elsewhere
    from accounts.selectors import resettable_users
    from tests.factories import wanshan_village

    mine = business_user(EntityFactory())
    theirs = business_user(EntityFactory(division=wanshan_village()))
    # then 碧江区's office may reset the first only
    office = office_user(county())
    assert set(resettable_users(user=office).filter(role=Role.BUSINESS)) == {mine}
    assert theirs not in resettable_users(user=office)
