"""The business and zone register pages: regrading a business and changing its status."""

import datetime

import pytest
from django.urls import reverse

from cadres.models import Adjustment, AdjustmentKind
from entities.models import EntityStatus, Grade, GradeChange
from tests.entities.views_support import TODAY, YESTERDAY
from tests.factories import AssignmentFactory, EntityFactory
from tests.helpers import success_messages

pytestmark = pytest.mark.django_db


# --- regrade --------------------------------------------------------------------------------


def test_the_clerk_regrades_a_held_business(client, clerk):
    # given a grade D business held by a village cadre
    holding = AssignmentFactory()
    url = reverse("entities:regrade", args=[holding.entity.pk])
    # the page offers the other grades only
    form = client.get(url).context["form"]
    assert [v for v, _label in form.fields["new_grade"].choices] == ["A", "B", "C"]
    # when the clerk regrades it to C with a reason, effective yesterday
    response = client.post(
        url, {"new_grade": "C", "reason": "扩大经营", "effective_date": YESTERDAY}
    )
    # then the grade, the grade history and the ledger change, and the page says so
    assert response.status_code == 302
    holding.entity.refresh_from_db()
    assert holding.entity.grade == Grade.C
    change = GradeChange.objects.filter(entity=holding.entity).latest("id")
    assert (change.old_grade, change.new_grade, change.reason, change.effective_date) == (
        "D",
        "C",
        "扩大经营",
        YESTERDAY,
    )
    adjustment = Adjustment.objects.get(entity=holding.entity)
    assert (adjustment.kind, adjustment.old_grade, adjustment.new_grade) == (
        AdjustmentKind.REGRADE,
        "D",
        "C",
    )
    assert success_messages(response)


@pytest.mark.parametrize(
    ("data", "field", "chinese"),
    [
        ({"new_grade": "C", "reason": ""}, "reason", "请填写调整原因"),
        ({"new_grade": "D", "reason": "复核"}, "new_grade", None),
        (
            {"new_grade": "C", "reason": "复核", "effective_date": TODAY + datetime.timedelta(1)},
            None,
            "生效日期不能晚于今天",
        ),
    ],
    ids=["no-reason", "same-grade", "future-date"],
)
def test_a_bad_regrade_is_refused_and_changes_nothing(client, clerk, data, field, chinese):
    entity = EntityFactory(grade=Grade.D)
    response = client.post(
        reverse("entities:regrade", args=[entity.pk]), {"effective_date": TODAY} | data
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert (field or "__all__") in errors
    if chinese:
        assert chinese in response.text
    entity.refresh_from_db()
    assert entity.grade == Grade.D
    assert GradeChange.objects.filter(entity=entity).count() == 0


def test_a_closed_business_cannot_be_regraded(client, clerk):
    entity = EntityFactory(status=EntityStatus.CLOSED)
    response = client.post(
        reverse("entities:regrade", args=[entity.pk]),
        {"new_grade": "C", "reason": "复核", "effective_date": TODAY},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    entity.refresh_from_db()
    assert entity.grade == Grade.D


# --- status ---------------------------------------------------------------------------------


def test_closing_a_held_business_ends_its_holding_and_writes_the_ledger(client, clerk):
    holding = AssignmentFactory()
    url = reverse("entities:status", args=[holding.entity.pk])
    assert [v for v, _l in client.get(url).context["form"].fields["status"].choices] == [
        "suspended",
        "closed",
    ]
    response = client.post(url, {"status": "closed", "reason": "注销", "effective_date": TODAY})
    assert response.status_code == 302
    holding.refresh_from_db()
    holding.entity.refresh_from_db()
    assert holding.entity.status == EntityStatus.CLOSED
    assert holding.end_date == TODAY
    adjustment = Adjustment.objects.get(entity=holding.entity)
    assert (adjustment.kind, adjustment.from_cadre, adjustment.to_cadre) == (
        AdjustmentKind.ENTITY_CLOSED,
        holding.cadre,
        None,
    )
    assert success_messages(response)


def test_suspending_and_resuming_keep_the_holder_and_are_in_the_ledger(client, clerk):
    holding = AssignmentFactory()
    url = reverse("entities:status", args=[holding.entity.pk])
    client.post(url, {"status": "suspended", "reason": "整改停业", "effective_date": TODAY})
    client.post(url, {"status": "active", "reason": "恢复营业", "effective_date": TODAY})
    holding.refresh_from_db()
    holding.entity.refresh_from_db()
    assert (holding.entity.status, holding.end_date) == (EntityStatus.ACTIVE, None)
    assert list(
        Adjustment.objects.filter(entity=holding.entity)
        .order_by("pk")
        .values_list("kind", flat=True)
    ) == [AdjustmentKind.ENTITY_STATUS, AdjustmentKind.ENTITY_STATUS]


def test_a_status_change_without_a_reason_is_refused(client, clerk):
    entity = EntityFactory()
    response = client.post(
        reverse("entities:status", args=[entity.pk]),
        {"status": "closed", "reason": " ", "effective_date": TODAY},
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    entity.refresh_from_db()
    assert entity.status == EntityStatus.ACTIVE
    assert not Adjustment.objects.exists()


def test_closing_before_the_holding_began_is_refused_by_the_service(client, clerk):
    holding = AssignmentFactory(start_date=TODAY)
    response = client.post(
        reverse("entities:status", args=[holding.entity.pk]),
        {"status": "closed", "reason": "注销", "effective_date": YESTERDAY},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    holding.refresh_from_db()
    assert holding.end_date is None
    assert not Adjustment.objects.exists()
