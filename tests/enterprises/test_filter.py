"""The business list's filter "no daily check for N days", contributed by the business side."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Record, RecordPolicy
from tests.enterprises.conftest import business_user
from tests.factories import EntityFactory, county, office_user, wanshan_village

pytestmark = pytest.mark.django_db


def test_the_register_lists_businesses_without_recent_daily_checks(client, pinned):
    # given a business that checked yesterday, one that last checked 10 days ago, and a stall
    # (exempt by the default policy) that never did
    keeping = EntityFactory(name="按时饭店")
    lapsed = EntityFactory(name="断档饭店")
    EntityFactory(name="路边摊", business_type="stall")
    user = business_user(keeping, lapsed)
    for entity, days in ((keeping, 1), (lapsed, 10)):
        Record.objects.create(
            entity=entity,
            kind="daily",
            period_start=pinned - datetime.timedelta(days=days),
            content={},
            submitted_by=user,
            submitted_at=timezone.now(),
        )
    client.force_login(office_user(county()))
    # when the office asks for those without a daily check for 3 days
    page = client.get(reverse("entities:list"), {"self_check_missing": 3})
    # then only the lapsed one is listed, and the filter is on the form
    assert page.status_code == 200
    assert "断档饭店" in page.text and "按时饭店" not in page.text and "路边摊" not in page.text
    assert 'name="self_check_missing"' in page.text


def test_the_filter_resolves_the_policy_exactly(client, pinned):
    # given stalls exempt by default, but kept to daily checks at grade B, and in 碧江区 a
    # county rule exempting every grade-C business
    RecordPolicy.objects.create(business_type="stall", grade="B", requirement="daily_only")
    bijiang = county()
    RecordPolicy.objects.create(division=bijiang, grade="C", requirement="exempt")
    EntityFactory(name="D级摊点", business_type="stall", grade="D")
    EntityFactory(name="B级摊点", business_type="stall", grade="B")
    EntityFactory(name="江边饭店", grade="C")
    EntityFactory(name="山上饭店", grade="C", division=wanshan_village())
    client.force_login(office_user(bijiang.parent))
    # when the city asks for businesses without a daily check for 3 days
    page = client.get(reverse("entities:list"), {"self_check_missing": 3})
    # then the B stall (the most specific rule) and 万山区's C restaurant (no county rule there)
    # are listed; the D stall and 碧江区's C restaurant are exempt
    assert "B级摊点" in page.text and "山上饭店" in page.text
    assert "D级摊点" not in page.text and "江边饭店" not in page.text
