"""One scope mechanism for every model: office subtree, a cadre's holdings, the aide's cadre."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from baobao.models import Division, Level
from baobao.scoping import SCOPED_QUERYSETS, require_division_in_scope, require_register_writer
from cadres.models import Adjustment, Assignment, Cadre
from cadres.selectors import access_cadre
from enterprises.models import Record
from entities.models import Entity, Zone
from entities.selectors import access_entity
from inspections.models import Issue, Visit
from public.models import Campaign, PublicRequest
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    VisitFactory,
    ZoneFactory,
    admin_user,
    aide_user,
    cadre_login,
    cadre_user,
    city,
    county,
    office_user,
    province,
    township,
    village,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counties():
    """碧江区 and 万山区 in 铜仁市, each with a township, a village and a held entity."""
    bijiang = county()
    wanshan = county(code="520603000000", name="万山区")
    ws_township = township(code="520603001000", name="谢桥街道", county_division=wanshan)
    ws_village = village(code="520603001001", name="龙门坳村", township_division=ws_township)
    here = AssignmentFactory(entity=EntityFactory(division=village()))
    there = AssignmentFactory(
        entity=EntityFactory(division=ws_village),
        cadre=CadreFactory(division=ws_village),
    )
    return bijiang, wanshan, here, there


def test_office_sees_its_subtree_only(two_counties):
    # given a 碧江区 office user and a held entity in each county
    bijiang, _wanshan, here, there = two_counties
    user = office_user(bijiang)
    # when the scoped querysets are read
    # then only 碧江区's rows are there
    assert list(Entity.objects.for_user(user)) == [here.entity]
    assert list(Assignment.objects.for_user(user)) == [here]
    assert set(Cadre.objects.for_user(user)) == {here.cadre}
    assert all(bijiang.contains(d) for d in Division.objects.for_user(user))
    assert not Division.objects.for_user(user).filter(pk=there.entity.division_id).exists()


def test_city_office_sees_all_its_counties(two_counties):
    _bijiang, _wanshan, here, there = two_counties
    user = office_user(city())
    assert set(Entity.objects.for_user(user)) == {here.entity, there.entity}


def test_division_subtree_is_one_prefix_query(two_counties, django_assert_num_queries):
    # given the city
    tongren = city()
    # when its subtree is read, then it costs one query whatever the depth
    with django_assert_num_queries(1):
        levels = {d.level for d in Division.objects.subtree(tongren)}
    assert levels == {Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE}


def test_cadre_sees_only_what_they_hold(two_counties):
    _bijiang, _wanshan, here, _there = two_counties
    other_entity_same_village = EntityFactory(division=here.entity.division)
    user = cadre_user(here.cadre)
    assert list(Entity.objects.for_user(user)) == [here.entity]
    assert list(Cadre.objects.for_user(user)) == [here.cadre]
    assert other_entity_same_village not in Entity.objects.for_user(user)


def test_cadre_no_longer_sees_an_entity_transferred_away(two_counties):
    _bijiang, _wanshan, here, _there = two_counties
    user = cadre_user(here.cadre)
    Assignment.objects.filter(pk=here.pk).update(end_date=here.start_date)
    assert not Entity.objects.for_user(user).exists()


def test_assistant_and_liaison_see_their_cadres_holdings():
    # given a county cadre holding a B entity, with a 协保员 and a 联络员
    holding = AssignmentFactory(entity=EntityFactory(grade="B"))
    assistant = aide_user(CadreAideFactory(cadre=holding.cadre, kind="assistant"))
    liaison = aide_user(CadreAideFactory(cadre=holding.cadre, kind="liaison"))
    AssignmentFactory(entity=EntityFactory(grade="B"))  # someone else's
    for user in (assistant, liaison):
        assert list(Entity.objects.for_user(user)) == [holding.entity]
        assert list(Cadre.objects.for_user(user)) == [holding.cadre]


def test_adjustments_follow_the_entity_scope(two_counties):
    bijiang, _wanshan, here, there = two_counties
    for a in (here, there):
        Adjustment.objects.create(
            kind="assign",
            entity=a.entity,
            to_cadre=a.cadre,
            reason="r",
            effective_date=a.start_date,
        )
    assert [a.entity for a in Adjustment.objects.for_user(office_user(bijiang))] == [here.entity]
    assert [a.entity for a in Adjustment.objects.for_user(cadre_user(there.cadre))] == [
        there.entity
    ]


def test_zones_follow_the_division_scope(two_counties):
    bijiang, wanshan, _here, _there = two_counties
    mine = ZoneFactory(division=township())
    ZoneFactory(division=township(code="520603001000", name="谢桥街道", county_division=wanshan))
    assert list(Zone.objects.for_user(office_user(bijiang))) == [mine]


def test_admin_sees_everything_and_anonymous_nothing(two_counties):
    assert Entity.objects.for_user(admin_user()).count() == 2
    assert Entity.objects.for_user(AnonymousUser()).count() == 0
    assert Cadre.objects.for_user(AnonymousUser()).count() == 0


def test_access_helpers_answer_404_outside_the_scope(two_counties):
    # given 碧江区 staff and a cadre of 碧江区
    bijiang, _wanshan, here, there = two_counties
    staff = office_user(bijiang)
    cadre = cadre_user(here.cadre)
    # then their own objects are served and the others are 404, not someone else's data
    assert access_entity(staff, here.entity.pk) == here.entity
    with pytest.raises(Http404):
        access_entity(staff, there.entity.pk)
    with pytest.raises(Http404):
        access_cadre(staff, there.cadre.pk)
    with pytest.raises(Http404):
        access_entity(cadre, there.entity.pk)
    with pytest.raises(Http404):
        access_entity(staff, 10**9)


def test_write_checks(two_counties):
    bijiang, wanshan, here, _there = two_counties
    staff = office_user(bijiang)
    require_division_in_scope(staff, here.entity.division)
    with pytest.raises(PermissionDenied):
        require_division_in_scope(staff, wanshan)
    with pytest.raises(PermissionDenied):
        require_register_writer(cadre_user(here.cadre))
    with pytest.raises(PermissionDenied):
        require_register_writer(office_user(province()))
    require_division_in_scope(admin_user(), wanshan)


def _rows_of(holding) -> dict:
    """One row of each scoped model that belongs to ``holding`` (its business, cadre, zone...)."""
    zone = ZoneFactory(division=holding.entity.division.parent)
    zone.assignments.create(cadre=holding.cadre, start_date=holding.start_date)
    visit = VisitFactory(assignment=holding)
    campaign = Campaign.objects.create(
        division=holding.entity.division.parent,
        theme="校园周边餐饮",
        starts_on=holding.start_date,
        ends_on=holding.start_date,
    )
    request = PublicRequest.objects.create(
        code=f"T{holding.pk:07d}",
        division=holding.entity.division,
        entity=holding.entity,
        holder=holding.cadre,
        assigned_cadre=holding.cadre,
        category="hygiene",
        text="t",
        campaign=campaign,
    )
    return {
        Entity: holding.entity,
        Zone: zone,
        Cadre: holding.cadre,
        Assignment: holding,
        Adjustment: Adjustment.objects.create(
            kind="assign",
            entity=holding.entity,
            to_cadre=holding.cadre,
            reason="r",
            effective_date=holding.start_date,
        ),
        Visit: visit,
        Issue: IssueFactory(visit=visit),
        Record: Record.objects.create(
            entity=holding.entity,
            kind="daily",
            period_start=holding.start_date,
            content={"items": []},
            submitted_by=visit.logged_by,
            submitted_at=visit.visited_at,
        ),
        PublicRequest: request,
        Campaign: campaign,
    }


def test_every_scoped_model_is_in_the_sweep():
    # given every model whose queryset is scoped by the one mechanism
    scoped = {m for m in apps.get_models() if type(m._default_manager.all()) in SCOPED_QUERYSETS}
    # then the sweep below covers each of them (a new scoped model must be added to _rows_of)
    assert scoped == {
        Entity,
        Zone,
        Cadre,
        Assignment,
        Adjustment,
        Visit,
        Issue,
        Record,
        PublicRequest,
        Campaign,
    }


def test_every_scoped_model_follows_the_one_rule(two_counties):
    # given one row of every scoped model in each county, held by that county's cadre
    bijiang, _wanshan, here, there = two_counties
    mine, theirs = _rows_of(here), _rows_of(there)
    admin, office, holder = admin_user(), office_user(bijiang), cadre_login(here.cadre)
    aide = aide_user(CadreAideFactory(cadre=here.cadre))
    nobody = admin_user(is_active=False)  # an admin whose login was switched off
    for model, row in mine.items():
        rows = model.objects.filter(pk__in=[row.pk, theirs[model].pk])
        # then the admin sees both, the office and the holder (and their aide) only their own,
        # a switched-off login and an anonymous visitor nothing
        assert set(rows.for_user(admin)) == {row, theirs[model]}, model
        assert list(rows.for_user(office)) == [row], model
        assert list(rows.for_user(holder)) == [row], model
        assert list(rows.for_user(aide)) == [row], model
        assert not rows.for_user(nobody).exists(), model
        assert not rows.for_user(AnonymousUser()).exists(), model
