"""The demo's row writer: COPY with reserved ids on PostgreSQL, bulk_create elsewhere."""

import datetime

import pytest
from django.db import connection

from baobao.models import Division, Level
from demo import copy
from entities.models import Entity, Grade, GradeChange
from tests import factories

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and sequences are PostgreSQL's"
)


def _division(code: str, level: int, parent: Division | None) -> Division:
    return Division(
        code=code,
        name=f"区划{code}",
        level=level,
        parent=parent,
        path=Division.path_for(code, level),
    )


def test_written_rows_get_ids_and_their_relations_resolve_through_the_related_rows():
    # Given a province in the database and an unsaved city and county under it
    province = factories.DivisionFactory(code="520000000000", level=Level.PROVINCE, parent=None)
    city = _division("520600000000", Level.CITY, province)
    county = _division("520602000000", Level.COUNTY, city)

    # When both are written, the county before its parent has an id
    copy.write_objects(Division, [city])
    copy.write_objects(Division, [county])

    # Then each has the id of its row and the county's row points at the city's
    assert city.pk is not None and county.pk is not None
    assert Division.objects.get(pk=county.pk).parent_id == city.pk
    assert Division.objects.get(code="520600000000").pk == city.pk


def test_automatic_timestamps_are_stamped():
    # Given an unsaved entity and its first grading
    entity = factories.EntityFactory.build(division=factories.DivisionFactory())

    # When they are written
    copy.write_objects(Entity, [entity])
    change = GradeChange(
        entity=entity,
        old_grade="",
        new_grade=Grade.D,
        reason="初次定级",
        effective_date=datetime.date(2026, 1, 5),
    )
    copy.write_objects(GradeChange, [change])

    # Then the rows carry their creation time, and the objects too
    row = Entity.objects.get(pk=entity.pk)
    assert row.created_at is not None and row.updated_at is not None
    assert row.created_at == entity.created_at
    assert GradeChange.objects.get(pk=change.pk).created_at is not None


def test_ids_follow_the_rows_already_there_and_later_inserts_do_not_collide():
    # Given rows written the ordinary way
    before = factories.DivisionFactory()

    # When the writer adds some, then the ordinary way adds one more
    written = [_division(f"5206{n:02d}000000", Level.COUNTY, before) for n in range(2, 6)]
    copy.write_objects(Division, written)
    after = _division("520699000000", Level.COUNTY, before)
    after.save()

    # Then the ids are distinct and increasing
    ids = [before.pk, *(d.pk for d in written), after.pk]
    assert ids == sorted(set(ids))


def test_one_query_per_table_whatever_the_count(django_assert_num_queries):
    # Given many unsaved divisions under one parent
    parent = factories.DivisionFactory()
    rows = [_division(f"53{n:04d}000000", Level.COUNTY, parent) for n in range(100)]

    # Then writing them takes one statement Django sees (the id block, or the insert)
    with django_assert_num_queries(1):
        copy.write_objects(Division, rows, batch_size=500)
    assert Division.objects.filter(parent=parent).count() == 100


def test_nothing_to_write_touches_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        copy.write_objects(Division, [])


@on_postgres
def test_reserved_blocks_do_not_overlap():
    first = copy.reserve_ids(Division, 5)
    second = copy.reserve_ids(Division, 3)

    assert len(first) == 5 and len(second) == 3
    assert first[-1] < second[0]
    assert copy.reserve_ids(Division, 0) == range(0)


@on_postgres
def test_write_rows_copies_tuples_in_chunks(monkeypatch):
    # Given chunks of two rows and five rows to write
    monkeypatch.setattr(copy, "COPY_CHUNK", 2)
    parent = factories.DivisionFactory()
    ids = copy.reserve_ids(Division, 5)
    rows = [
        (pk, f"52990{n}000000", f"县{n}", Level.COUNTY, parent.pk, f"52990{n}")
        for n, pk in enumerate(ids)
    ]

    # When they are copied
    written = copy.write_rows(
        Division, ["id", "code", "name", "level", "parent_id", "path"], iter(rows)
    )

    # Then all five are there with the given values
    assert written == 5
    assert list(Division.objects.filter(parent=parent).values_list("id", "name")) == [
        (pk, f"县{n}") for n, pk in enumerate(ids)
    ]


@on_postgres
def test_a_bad_reference_is_refused_outside_the_load_mode():
    # Given a row pointing at a division that does not exist
    ids = copy.reserve_ids(Division, 1)
    row = (ids[0], "529901000000", "县", Level.COUNTY, 10**12, "529901")

    # Then the database refuses it (the foreign key is checked at the latest on commit)
    with pytest.raises(Exception, match="foreign key"):
        copy.write_rows(Division, ["id", "code", "name", "level", "parent_id", "path"], [row])
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_load_mode_and_analyze_leave_the_data_alone_on_either_database():
    division = factories.DivisionFactory()

    copy.load_mode()
    copy.analyze([Division])

    assert list(Division.objects.values_list("pk", flat=True)) == [division.pk]


@on_postgres
def test_load_mode_skips_the_row_triggers_for_the_transaction_only():
    copy.load_mode()

    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "replica"  # the test database runs as a superuser
