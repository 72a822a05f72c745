"""The office's triage of public requests is in the security audit log: each step that goes
through writes one row (its kind, the request's receipt code), a refused step writes none."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, AuditKind, AuditResult
from public.models import PublicRequest, RequestStatus
from tests.factories import AssignmentFactory, cadre_login, county, office_user, wanshan
from tests.public.helpers import report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def holding():
    return AssignmentFactory()


def _reported(client, holding, n=1):
    for _ in range(n):
        client.post(reverse("public:report", args=[holding.entity.pk]), report_data())
    client.logout()
    return list(PublicRequest.objects.order_by("id"))


def _rows():
    """The rows of the public requests' steps (user creation and sign-ins are logged too)."""
    kinds = (AuditKind.PUBLIC_TRIAGE, AuditKind.PUBLIC_REPLY)
    return list(AuditEvent.objects.filter(kind__in=kinds).order_by("id"))


def _post(client, name, req, data):
    return client.post(reverse(f"public:{name}", args=[req.pk]), data)


def test_assign_and_the_approved_reply_each_write_one_row(client, holding):
    (req,) = _reported(client, holding)
    office = office_user(county())
    client.force_login(office)
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    _post(client, "request-assign", req, {"cadre": holding.cadre.pk, "deadline": deadline})
    rows = _rows()
    assert [(r.kind, r.target, r.user_id, r.result) for r in rows] == [
        (AuditKind.PUBLIC_TRIAGE, req.code, office.pk, AuditResult.SUCCESS)
    ]
    assert rows[0].detail == {"step": "assign", "pk": req.pk, "cadre": holding.cadre.pk}
    # the cadre's handling is not an office step; the reply that closes it is
    client.force_login(cadre_login(holding.cadre))
    _post(
        client,
        "request-handle",
        req,
        {"handling": "现场检查", "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    client.force_login(office)
    _post(client, "request-reply", req, {"reply": "已整改。"})
    req.refresh_from_db()
    assert req.status == RequestStatus.CLOSED
    rows = _rows()
    assert [(r.kind, r.target, r.detail["step"]) for r in rows] == [
        (AuditKind.PUBLIC_TRIAGE, req.code, "assign"),
        (AuditKind.PUBLIC_REPLY, req.code, "reply"),
    ]


def test_merge_and_reject_each_write_one_row(client, holding):
    first, second, third = _reported(client, holding, n=3)
    client.force_login(office_user(county()))
    _post(client, "request-merge", second, {"into": first.code})
    _post(client, "request-reject", third, {"reason": "非食品安全问题"})
    rows = _rows()
    assert [(r.kind, r.target, r.detail["step"]) for r in rows] == [
        (AuditKind.PUBLIC_TRIAGE, second.code, "merge"),
        (AuditKind.PUBLIC_TRIAGE, third.code, "reject"),
    ]
    assert rows[0].detail["into"] == first.code


def test_a_refused_step_writes_no_row(client, holding):
    first, second = _reported(client, holding, n=2)
    client.force_login(office_user(county()))
    # a reject with no reason, a merge into no request, a reply before the handling
    _post(client, "request-reject", first, {"reason": ""})
    _post(client, "request-merge", second, {"into": "NOPE"})
    _post(client, "request-reply", first, {"reply": "已整改。"})
    # a step already taken: the second reject of a rejected request
    _post(client, "request-reject", second, {"reason": "重复"})
    assert len(_rows()) == 1
    _post(client, "request-reject", second, {"reason": "重复"})
    assert len(_rows()) == 1
    # another area's office: not found, nothing written
    client.force_login(office_user(wanshan(), username="other"))
    response = _post(client, "request-reject", first, {"reason": "重复"})
    assert response.status_code == 404
    assert len(_rows()) == 1
    first.refresh_from_db()
    assert first.status == RequestStatus.RECEIVED
