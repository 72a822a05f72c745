"""Each business keeps a copy of its division's path (``Entity.division_path``): the lists and
the scope find an area's businesses on it, so it must follow the division in every write."""

import pytest

from baobao.models import Division
from entities.filters import EntityFilter
from entities.models import BusinessType, Entity, Grade
from entities.services import entities_create_bulk, entity_create, entity_update
from tests.factories import (
    EntityFactory,
    county,
    office_user,
    valid_uscc,
    village,
    wanshan,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


def stored_path(entity) -> str:
    return Entity.objects.values_list("division_path", flat=True).get(pk=entity.pk)


def test_a_registered_business_has_its_villages_path():
    entity = entity_create(
        by=office_user(county()),
        name="铜仁市碧江区好味餐馆",
        business_type=BusinessType.CATERING,
        grade=Grade.D,
        division=village(),
        uscc=valid_uscc(881001),
    )
    assert stored_path(entity) == village().path == "520602001001"


def test_moving_a_business_moves_its_path():
    # given a business of 金滩社区 nobody holds
    entity = EntityFactory()
    other = village(code="520602001002", name="西门社区")
    # when the office moves it
    entity_update(entity=entity, division=other, by=office_user(county()))
    # then its path is the new community's
    assert stored_path(entity) == other.path


def test_a_save_of_the_division_alone_updates_the_path_too():
    entity = EntityFactory()
    entity.division = wanshan_village()
    entity.save(update_fields=["division"])
    assert stored_path(entity) == wanshan_village().path


def test_businesses_imported_in_bulk_have_their_paths():
    rows = [
        {
            "name": f"批量导入餐馆{n}",
            "business_type": BusinessType.CATERING,
            "grade": Grade.D,
            "division": village() if n % 2 else wanshan_village(),
            "uscc": valid_uscc(882000 + n),
        }
        for n in range(4)
    ]
    entities_create_bulk(rows=rows, by=None, reason="导入")
    paths = dict(Entity.objects.values_list("name", "division_path"))
    assert paths == {row["name"]: row["division"].path for row in rows}


def test_a_division_whose_code_changes_takes_its_businesses_along():
    # given a business in 金滩社区
    entity = EntityFactory()
    community = Division.objects.get(pk=entity.division_id)
    # when the community's code is corrected (codes are re-issued after a redistricting)
    community.code = "520602001009"
    community.save()
    # then the business's path follows
    assert stored_path(entity) == "520602001009"


def test_the_area_filter_and_the_scope_go_by_the_path(rf):
    # given a business in each of two counties
    here = EntityFactory(division=village())
    there = EntityFactory(division=wanshan_village())
    # then a county office sees its own only, and the area filter narrows a wider scope
    request = rf.get("/")
    request.user = office_user(county())
    assert list(Entity.objects.for_user(request.user)) == [here]
    request.user = office_user(county().parent)
    chosen = EntityFilter({"division": wanshan().pk}, request=request)
    assert list(chosen.qs) == [there]
    assert list(Entity.objects.in_area(wanshan())) == [there]
