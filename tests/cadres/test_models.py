"""What the database itself guarantees: one open holding per business, ordered dates, reasons for
escalations, and an adjustment ledger that can only grow."""

import datetime

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from baobao.models import Level
from cadres.models import Adjustment, AdjustmentKind, Assignment, CadreStatus, ZoneAssignment
from tests.factories import AssignmentFactory, CadreFactory, EntityFactory, ZoneFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the DELETE trigger exists on PostgreSQL only"
)


def _open_holding(entity, **fields) -> Assignment:
    return Assignment.objects.create(
        entity=entity, cadre=CadreFactory(), start_date=TODAY(), **fields
    )


# --- holdings ---------------------------------------------------------------------------------


def test_the_database_refuses_a_second_open_holding_for_a_business():
    # given a business with an open holding
    held = AssignmentFactory()
    # when a second open holding is written directly, bypassing the services
    with pytest.raises(IntegrityError), transaction.atomic():
        _open_holding(held.entity)
    # then the first is still the only one
    assert Assignment.objects.filter(entity=held.entity).count() == 1


def test_a_closed_holding_and_an_open_one_may_coexist():
    # given a business whose earlier holding ended
    old = AssignmentFactory(end_date=TODAY())
    # when a new open holding is written
    _open_holding(old.entity)
    # then both are on record
    assert Assignment.objects.filter(entity=old.entity).count() == 2


def test_several_closed_holdings_may_coexist():
    old = AssignmentFactory(end_date=TODAY())
    Assignment.objects.create(
        entity=old.entity, cadre=old.cadre, start_date=old.start_date, end_date=TODAY()
    )
    assert Assignment.objects.filter(entity=old.entity, end_date__isnull=False).count() == 2


def test_the_database_refuses_an_escalation_without_reason():
    entity = EntityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            entity=entity,
            cadre=CadreFactory(level=Level.TOWNSHIP),
            start_date=TODAY(),
            escalated=True,
        )
    assert not Assignment.objects.exists()


def test_the_database_refuses_a_holding_that_ends_before_it_starts():
    entity = EntityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        _open_holding(entity, end_date=TODAY() - datetime.timedelta(days=1))
    assert not Assignment.objects.exists()


def test_the_database_refuses_a_second_open_holder_of_a_zone():
    zone = ZoneFactory()
    ZoneAssignment.objects.create(
        zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), start_date=TODAY()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ZoneAssignment.objects.create(
            zone=zone, cadre=CadreFactory(level=Level.TOWNSHIP), start_date=TODAY()
        )
    assert ZoneAssignment.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "left_on"),
    [(CadreStatus.LEFT, None), (CadreStatus.ACTIVE, datetime.date(2024, 1, 1))],
    ids=["left-without-date", "in-post-with-date"],
)
def test_the_database_keeps_left_on_in_step_with_status(status, left_on):
    with pytest.raises(IntegrityError), transaction.atomic():
        CadreFactory(status=status, left_on=left_on)


# --- the adjustment ledger is append-only --------------------------------------------------


@pytest.fixture
def row():
    entity = EntityFactory()
    return Adjustment.objects.create(
        kind=AdjustmentKind.ASSIGN,
        entity=entity,
        to_cadre=CadreFactory(),
        reason="新增包保",
        effective_date=TODAY(),
    )


def test_a_ledger_row_cannot_be_saved_again(row):
    # when an existing row is changed and saved
    row.reason = "篡改"
    with pytest.raises(TypeError):
        row.save()
    # then the stored row is unchanged
    assert Adjustment.objects.get(pk=row.pk).reason == "新增包保"


def test_a_ledger_row_cannot_be_deleted(row):
    with pytest.raises(TypeError):
        row.delete()
    assert Adjustment.objects.filter(pk=row.pk).exists()


def test_ledger_rows_cannot_be_updated_in_bulk(row):
    with pytest.raises(TypeError):
        Adjustment.objects.filter(pk=row.pk).update(reason="篡改")
    # bulk_update goes through update() inside its own atomic block
    with pytest.raises(TypeError), transaction.atomic():
        Adjustment.objects.bulk_update([row], ["reason"])
    assert Adjustment.objects.get(pk=row.pk).reason == "新增包保"


def test_ledger_rows_cannot_be_deleted_in_bulk(row):
    with pytest.raises(TypeError):
        Adjustment.objects.all().delete()
    assert Adjustment.objects.filter(pk=row.pk).exists()


def test_the_database_refuses_a_raw_update_of_the_ledger(row):
    # when SQL bypasses the ORM to rewrite a row
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE cadres_adjustment SET reason = %s WHERE id = %s", ["篡改", row.pk])
    # then the trigger refused it and the row is unchanged
    assert Adjustment.objects.get(pk=row.pk).reason == "新增包保"


@on_postgresql
def test_the_database_refuses_a_raw_delete_of_the_ledger(row):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM cadres_adjustment WHERE id = %s", [row.pk])
    assert Adjustment.objects.filter(pk=row.pk).exists()
