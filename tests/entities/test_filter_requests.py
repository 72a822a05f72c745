"""The business list's filters are copied per request without a deep copy: two users of
different areas in one process keep their own zone, cadre and area choices, and the declared
filters are never changed by a request."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from cadres.models import Cadre
from entities.filters import EntityFilter
from tests.factories import CadreFactory, ZoneFactory, county, office_user, wanshan, wanshan_village

pytestmark = pytest.mark.django_db


def _filters(user, **data):
    request = RequestFactory().get(reverse("entities:list"), data)
    request.user = user
    return EntityFilter(request.GET, request=request)


def _zone_options(filters) -> list[str]:
    return [str(label) for _value, label in filters.form.fields["zone"].widget.choices]


def test_two_users_of_different_areas_keep_their_own_choices():
    # given a zone and a cadre in each of two counties, and a clerk of each
    bijiang_zone = ZoneFactory(name="环北美食街")
    wanshan_zone = ZoneFactory(name="万山市场", division=wanshan())
    bijiang_cadre = CadreFactory(name="碧江干部")
    wanshan_cadre = CadreFactory(name="万山干部", division=wanshan_village())
    bijiang, wanshan_clerk = office_user(county()), office_user(wanshan())
    declared = EntityFilter.base_filters["zone"]
    declared_extra = dict(declared.extra)
    # when both filter sets are made before either form (two requests interleaved)
    first, second = _filters(bijiang), _filters(wanshan_clerk)
    # then each form offers its own user's zones and cadres only
    assert _zone_options(first) == ["全部", "环北美食街"]
    assert _zone_options(second) == ["全部", "万山市场"]
    assert list(first.form.fields["zone"].queryset) == [bijiang_zone]
    assert list(second.form.fields["zone"].queryset) == [wanshan_zone]
    assert set(first.form.fields["held_by"].queryset) == {bijiang_cadre}
    assert set(second.form.fields["held_by"].queryset) == {wanshan_cadre}
    # and each request has its own filters, fields and ``extra``; the declared one is untouched
    for name in EntityFilter.base_filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].extra is not second.filters[name].extra
        assert first.form.fields[name] is not second.form.fields[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
    assert declared.extra == declared_extra
    assert not hasattr(declared, "_field")


def test_a_choice_from_the_other_users_area_is_refused_after_they_used_the_list():
    # given the 万山区 clerk has just filtered on their zone and their cadre
    wanshan_zone = ZoneFactory(name="万山市场", division=wanshan())
    wanshan_cadre = CadreFactory(name="万山干部", division=wanshan_village())
    other = _filters(office_user(wanshan()), zone=wanshan_zone.pk, held_by=wanshan_cadre.pk)
    assert other.is_valid()
    # when the 碧江区 clerk sends the same ids in the same process
    mine = _filters(office_user(county()), zone=wanshan_zone.pk, held_by=wanshan_cadre.pk)
    # then both are refused as outside their scope
    assert not mine.is_valid()
    assert set(mine.form.errors) == {"zone", "held_by"}
    assert Cadre.objects.for_user(mine.user).filter(pk=wanshan_cadre.pk).exists() is False


def test_the_search_method_is_bound_to_the_request_copy():
    # a method given by name ("filter_q") resolves through the request's filter set
    filters = _filters(office_user(county()), q="酒楼")
    assert filters.filters["q"].method == "filter_q"
    assert filters.filters["q"].filter.f is filters.filters["q"]
    assert filters.is_valid()
    assert "酒楼" in str(filters.qs.query)


def test_the_area_chooser_shows_each_user_their_own_levels(client):
    # given a clerk of 碧江区 and one of 万山区, one after the other in one process
    seen = {}
    for user in (office_user(county()), office_user(wanshan()), office_user(county())):
        client.force_login(user)
        page = client.get(reverse("entities:list")).text
        chooser = re.search(r'<div class="chooser">.*?</div>', page, re.S).group()
        seen.setdefault(user.division.name, set()).add(chooser)
    # then each sees their own county as the current level and only their own townships
    assert set(seen) == {"碧江区", "万山区"}
    assert len(seen["碧江区"]) == 1  # the same chooser before and after the other clerk
    (bijiang,), (wanshan_chooser,) = seen["碧江区"], seen["万山区"]
    assert "<strong>碧江区</strong>" in bijiang and "万山区" not in bijiang
    assert "<strong>万山区</strong>" in wanshan_chooser and "碧江区" not in wanshan_chooser


def test_the_chooser_levels_are_the_trail_and_children_in_one_query(django_assert_num_queries):
    from baobao.selectors import division_children, division_levels, division_trail
    from tests.factories import admin_user, city, province, township, village

    community = village()
    township_office = office_user(township())
    cases = [
        (admin_user(), community),
        (township_office, community),
        (admin_user(), county()),
        (office_user(province()), city()),
    ]
    for user, division in cases:
        expected = (
            division_trail(user=user, division=division),
            list(division_children(user=user, division=division)),
        )
        with django_assert_num_queries(1):
            assert division_levels(user=user, division=division) == expected


def test_each_business_table_has_its_own_columns():
    from entities.models import Entity
    from entities.tables import EntityTable

    # a table that hides a column (``BoundColumns.hide`` sets the column's ``visible``) does not
    # hide it from the next table, nor from the declared table
    declared = EntityTable.base_columns["zone"]
    narrow = EntityTable(Entity.objects.none())
    narrow.columns.hide("zone")
    full = EntityTable(Entity.objects.none())
    assert "zone" not in [c.name for c in narrow.columns]
    assert "zone" in [c.name for c in full.columns]
    hidden = narrow.columns.columns["zone"].column  # BoundColumns keeps the hidden ones too
    assert hidden is not full.columns["zone"].column and hidden is not declared
    assert declared.visible
