"""随手拍: a report is routed to the county office and the holder, and its whole lifecycle
(receipt → triage → handling → reply → closed) is visible to the reporter by receipt code and
to no one outside the area."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from baobao.models import Notification
from inspections.models import Issue, Visit
from public.models import PublicRequest, RequestPhoto, RequestStatus
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    cadre_login,
    county,
    office_user,
    wanshan,
    wanshan_village,
)
from tests.public.helpers import jpeg_with_exif, report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def holding():
    return AssignmentFactory()


def _report(client, entity, **overrides):
    return client.post(reverse("public:report", args=[entity.pk]), report_data(**overrides))


def test_a_report_with_a_photo_gets_a_receipt_and_reaches_the_office_and_the_holder(
    client, holding
):
    office = office_user(county())
    holder = cadre_login(holding.cadre)
    foreign_office = office_user(wanshan())

    response = _report(client, holding.entity, photos=[jpeg_with_exif()], phone="13800138000")

    request = PublicRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("public:follow", args=[request.code])
    assert request.holder == holding.cadre and request.division == holding.entity.division
    assert set(Notification.objects.values_list("recipient", flat=True)) == {office.pk, holder.pk}
    assert not Notification.objects.filter(recipient=foreign_office).exists()
    # the photo is re-encoded: a JPEG without EXIF
    photo = RequestPhoto.objects.get()
    with photo.image.open("rb") as f, Image.open(io.BytesIO(f.read())) as image:
        assert image.format == "JPEG" and not image.getexif()
    follow = client.get(response["Location"]).content.decode()
    assert request.code in follow and "已受理" in follow and "13800138000" not in follow


def test_the_whole_lifecycle_is_visible_to_the_reporter(client, holding):
    _report(client, holding.entity)
    request = PublicRequest.objects.get()
    office, holder = office_user(county()), cadre_login(holding.cadre)
    deadline = timezone.localdate() + datetime.timedelta(days=7)

    client.force_login(office)
    client.post(
        reverse("public:request-assign", args=[request.pk]),
        {"cadre": holding.cadre.pk, "deadline": deadline.isoformat()},
    )
    client.force_login(holder)
    client.post(
        reverse("public:request-handle", args=[request.pk]),
        {
            "handling": "现场检查，责令清理",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "on_site": "on",
            "issue": "后厨有鼠迹",
        },
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.HANDLED
    # a real visit and a real issue in the existing loop
    visit = Visit.objects.get(entity=holding.entity)
    assert request.visit == visit and visit.cadre == holding.cadre
    assert Issue.objects.get(visit=visit).description == "后厨有鼠迹"
    # the reporter does not yet see the cadre's draft
    client.logout()
    follow = client.get(reverse("public:follow", args=[request.code])).content.decode()
    assert "现场检查，责令清理" not in follow

    client.force_login(office)
    client.post(
        reverse("public:request-reply", args=[request.pk]),
        {"reply": "已责令整改，复查合格。"},
    )
    client.logout()

    follow = client.get(reverse("public:follow", args=[request.code])).content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    assert "已责令整改，复查合格。" in follow and "已答复办结" in follow
    assert [e.kind for e in request.events.all()] == [
        "received",
        "assigned",
        "visited",
        "handled",
        "replied",
    ]


def test_rejection_shows_the_reason(client, holding):
    _report(client, holding.entity)
    request = PublicRequest.objects.get()
    client.force_login(office_user(county()))
    client.post(reverse("public:request-reject", args=[request.pk]), {"reason": "非食品安全问题"})
    client.logout()

    follow = client.get(reverse("public:follow", args=[request.code])).content.decode()

    assert "非食品安全问题" in follow and "不予受理" in follow


def test_a_duplicate_is_merged_and_points_to_the_one_followed(client, holding):
    _report(client, holding.entity)
    _report(client, holding.entity)
    first, second = PublicRequest.objects.order_by("id")
    client.force_login(office_user(county()))

    client.post(reverse("public:request-merge", args=[second.pk]), {"into": first.code})

    second.refresh_from_db()
    assert second.status == RequestStatus.MERGED and second.duplicate_of == first


def test_the_reporters_phone_is_for_the_area_office_only(client, holding):
    _report(client, holding.entity, phone="13800138000")
    request = PublicRequest.objects.get()
    url = reverse("public:request-detail", args=[request.pk])

    client.force_login(office_user(county()))
    assert "13800138000" in client.get(url).content.decode()
    client.force_login(cadre_login(holding.cadre))
    page = client.get(url)
    assert page.status_code == 200 and "13800138000" not in page.content.decode()


@pytest.mark.parametrize(
    "name", ["request-detail", "request-assign", "request-reject", "request-reply"]
)
def test_a_foreign_areas_request_is_not_found(client, name):
    foreign = AssignmentFactory(entity=EntityFactory(division=wanshan_village()))
    _report(client, foreign.entity)
    request = PublicRequest.objects.get()
    for user in (office_user(county()), cadre_login(CadreFactory())):
        client.force_login(user)
        method = client.get if name == "request-detail" else client.post
        assert method(reverse(f"public:{name}", args=[request.pk])).status_code == 404


def test_the_honeypot_refuses_and_nothing_is_stored(client, holding):
    response = _report(client, holding.entity, website="http://spam.example")

    assert response.status_code == 400 and not PublicRequest.objects.exists()
    assert "提交未被接受" in response.content.decode()


def test_a_wrong_captcha_is_refused_and_keeps_what_was_typed(client, holding):
    response = _report(client, holding.entity, captcha="0000", text="油烟很大")

    page = response.content.decode()
    assert response.status_code == 400 and not PublicRequest.objects.exists()
    assert "油烟很大" in page and "数字与图片不符" in page


def test_the_rate_limit_refuses_more_but_keeps_those_already_sent(client, holding, settings):
    from public import abuse

    for _i in range(abuse.IP_LIMIT_PER_HOUR):
        assert _report(client, holding.entity).status_code == 302
    response = _report(client, holding.entity)

    assert response.status_code == 429 and "您已提交的反映均已保存" in response.content.decode()
    assert PublicRequest.objects.count() == abuse.IP_LIMIT_PER_HOUR


def test_the_rate_limit_holds_when_the_cache_is_down(client, holding, monkeypatch):
    from public import abuse

    monkeypatch.setattr(abuse, "cache_unavailable", lambda: True)
    for _i in range(abuse.IP_LIMIT_PER_HOUR):
        assert _report(client, holding.entity).status_code == 302

    assert _report(client, holding.entity).status_code == 429
    assert PublicRequest.objects.count() == abuse.IP_LIMIT_PER_HOUR


def test_the_block_list_refuses_an_address(client, holding):
    office = office_user(county())
    client.force_login(office)
    client.post(reverse("public:blocks"), {"kind": "ip", "value": "127.0.0.1", "reason": "恶意"})
    client.logout()

    response = _report(client, holding.entity)

    assert response.status_code == 403 and not PublicRequest.objects.exists()


def test_public_forms_need_the_csrf_token(holding):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("public:report", args=[holding.entity.pk]), report_data())
    assert response.status_code == 403 and not PublicRequest.objects.exists()


def test_the_queue_is_keyset_paged_and_takes_few_queries(
    client, holding, django_assert_max_num_queries
):
    for _i in range(3):
        _report(client, holding.entity)
    client.force_login(office_user(county()))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("public:requests"))
    assert response.content.decode().count("/p/office/requests/") >= 3


def test_a_county_wide_report_reaches_the_county(client):
    office = office_user(county())
    response = client.post(
        reverse("public:report-area", args=[county().code]), report_data(text="夜市摊点卫生差")
    )
    request = PublicRequest.objects.get()
    assert response.status_code == 302 and request.entity is None
    assert Notification.objects.filter(recipient=office).exists()


def test_the_per_business_limit_counts_every_address(holding):
    from public import abuse

    now = datetime.datetime(2026, 5, 12, 10, 30, tzinfo=datetime.UTC)
    allowed = [
        abuse.submission_allowed(client_ip=f"10.1.0.{n}", entity_id=holding.entity.pk, now=now)
        for n in range(abuse.ENTITY_LIMIT_PER_HOUR + 1)
    ]

    assert allowed == [True] * abuse.ENTITY_LIMIT_PER_HOUR + [False]


def test_the_holder_finds_the_request_in_the_list(client, holding):
    _report(client, holding.entity)
    client.force_login(cadre_login(holding.cadre))

    page = client.get(reverse("public:requests")).content.decode()

    assert PublicRequest.objects.get().code in page
