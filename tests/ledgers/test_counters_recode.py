"""A division re-coded in place (its code corrected after a redistricting): every copy of its path
follows it (businesses, the public's requests, the running counts and their marks), so the counts
still equal a recount and nothing falls out of its area; a change that would break the tree below
it is refused with a message."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from baobao.models import Division, Level
from entities.models import Entity
from public.models import PublicRequest
from tests.factories import EntityFactory, city, county, office_user, township, village
from tests.ledgers.test_counters import START, _walk, all_kept_equal_a_recount

pytestmark = pytest.mark.django_db


def test_a_re_coded_village_takes_its_businesses_and_counts_along():
    walk = _walk(11, 300)
    community = village()
    businesses = set(Entity.objects.filter(division=community).values_list("pk", flat=True))
    assert businesses  # the walk registered some there
    with time_machine.travel(datetime.datetime.combine(walk.today, START.timetz()), tick=False):
        # when the office corrects the community's code in the admin
        community.code = "520602001009"
        community.full_clean()
        community.save()
        # then its businesses carry the new path, the county still finds them, and every
        # running count and mark equals a recount from the facts
        paths = set(
            Entity.objects.filter(pk__in=businesses).values_list("division_path", flat=True)
        )
        assert paths == {"520602001009"}
        area = Division.objects.get(code="520602000000")
        assert (
            set(
                Entity.objects.for_user(office_user(area))
                .filter(pk__in=businesses)
                .values_list("pk", flat=True)
            )
            == businesses
        )
        all_kept_equal_a_recount(walk.today)


def test_a_re_coded_leaf_county_takes_the_public_s_requests_along():
    new_county = county(code="520690000000", name="新区")
    business = EntityFactory(division=new_county)
    request = PublicRequest.objects.create(
        code="R00000000001",
        division=new_county,
        entity=business,
        category="hygiene",
        text="后厨脏乱",
        phone="13800138000",
    )
    new_county.code = "520691000000"
    new_county.full_clean()
    new_county.save()
    request.refresh_from_db()
    business.refresh_from_db()
    assert request.division_path == business.division_path == "520691"
    assert PublicRequest.objects.for_user(office_user(new_county)).filter(pk=request.pk).exists()


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: setattr(d, "code", "520602009000"), "code"),  # has villages under it
        # under another county: its code no longer begins with its parent's
        (lambda d: setattr(d, "parent", county(code="520603000000", name="万山区")), "code"),
        (lambda d: setattr(d, "level", Level.VILLAGE), "__all__"),
    ],
)
def test_a_change_that_would_break_the_tree_is_refused(change, field):
    village()  # the township has a village under it
    street = township()
    change(street)
    with pytest.raises(ValidationError) as refused:
        street.full_clean()
    assert field in refused.value.message_dict
    with pytest.raises(ValidationError):
        street.save()
    assert Division.objects.get(pk=street.pk).code == "520602001000"


def test_a_code_outside_the_parent_is_refused():
    stray = Division(code="520700000001", name="飞地", level=Level.COUNTY, parent=city())
    with pytest.raises(ValidationError) as refused:
        stray.full_clean()
    assert "code" in refused.value.message_dict
