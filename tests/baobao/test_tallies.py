"""The running counts' shared write and read (baobao.tallies): each change goes to its leaf row
and to its county's roll-up; an area above the counties sums the roll-ups, a county or anything
below it its leaf rows; the rebuild sums the leaves again; a drifted roll-up is found."""

import pytest

from baobao.tallies import tally_rollups_rebuild, tally_rollups_recounted, upsert_add
from entities.models import EntityTally
from entities.tallies import KEYS
from tests.factories import city, county, province, second_village, village, wanshan_village

pytestmark = pytest.mark.django_db
TABLE = EntityTally._meta.db_table


def add(rows: dict) -> None:
    upsert_add(TABLE, KEYS, ("n",), {(d.pk, d.path, g, s): (n,) for (d, g, s), n in rows.items()})


def rows(qs) -> dict:
    return {(t.division_path, t.grade, t.status): t.n for t in qs.exclude(n=0)}


def sums(path: str, digits: int | None = None) -> dict:
    totals: dict = {}
    for t in EntityTally.objects.area(path, digits=digits).exclude(n=0):
        key = (t.division_path[: digits or len(path)], t.grade)
        totals[key] = totals.get(key, 0) + t.n
    return totals


def test_a_change_is_added_to_its_leaf_and_to_its_county_s_roll_up():
    # given two villages of 碧江区 and one of 万山区, and a business held at the city itself
    bijiang_a, bijiang_b, wanshan = village(), second_village(), wanshan_village()
    at_city = city()
    # when changes are added, some of them cancelling out
    add({(bijiang_a, "A", "active"): 2, (bijiang_b, "A", "active"): 3, (wanshan, "B", "active"): 1})
    add({(bijiang_a, "A", "active"): -1, (at_city, "C", "active"): 4})
    # then each leaf holds its own count
    assert rows(EntityTally.objects.leaves()) == {
        (bijiang_a.path, "A", "active"): 1,
        (bijiang_b.path, "A", "active"): 3,
        (wanshan.path, "B", "active"): 1,
        (at_city.path, "C", "active"): 4,
    }
    # and each county one row per key, the city its own (it is above the counties)
    assert rows(EntityTally.objects.filter(rollup=True)) == {
        (county().path, "A", "active"): 4,
        (wanshan.path[:6], "B", "active"): 1,
        (at_city.path, "C", "active"): 4,
    }
    assert not tally_rollups_recounted(EntityTally, KEYS, ("n",))


def test_an_area_sums_roll_ups_down_to_a_county_and_leaves_below_it():
    bijiang_a, bijiang_b, wanshan = village(), second_village(), wanshan_village()
    add({(bijiang_a, "A", "active"): 2, (bijiang_b, "A", "active"): 3, (wanshan, "A", "active"): 1})
    # the province by city, a city by county: roll-up rows
    assert sums(province().path, digits=4) == {(city().path, "A"): 6}
    assert sums(city().path, digits=6) == {(county().path, "A"): 5, (wanshan.path[:6], "A"): 1}
    assert all(t.rollup for t in EntityTally.objects.area(city().path, digits=6))
    # a county whole: its roll-up; by township: its leaves
    assert sums(county().path) == {(county().path, "A"): 5}
    assert sums(county().path, digits=9) == {
        (bijiang_a.path[:9], "A"): 2,
        (bijiang_b.path[:9], "A"): 3,
    }
    assert not any(t.rollup for t in EntityTally.objects.area(county().path, digits=9))
    # everything ("" for the admin): the roll-ups, each fact once
    assert sum(t.n for t in EntityTally.objects.area("")) == 6


def test_the_rebuild_sums_the_leaves_again_and_a_drift_is_found():
    bijiang, wanshan = village(), wanshan_village()
    add({(bijiang, "A", "active"): 2, (wanshan, "D", "closed"): 5})
    EntityTally.objects.filter(rollup=True, grade="A").update(n=7)
    EntityTally.objects.filter(rollup=True, grade="D").delete()
    assert tally_rollups_recounted(EntityTally, KEYS, ("n",)) == {
        (county().path, "A", "active"): ((7,), (2,)),
        (wanshan.path[:6], "D", "closed"): (None, (5,)),
    }
    tally_rollups_rebuild(TABLE, KEYS, ("n",))
    assert not tally_rollups_recounted(EntityTally, KEYS, ("n",))
    assert rows(EntityTally.objects.filter(rollup=True)) == {
        (county().path, "A", "active"): 2,
        (wanshan.path[:6], "D", "closed"): 5,
    }
