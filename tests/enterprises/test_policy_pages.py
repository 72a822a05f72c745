"""The office's page of its area's self-management policy and daily check items: a county's
rule overrides the default for its businesses only, a withdrawn rule is kept and the level above
decides again, every change names who and when and is audited, items are taken out of use and
never deleted, and an office outside the area (or below county level) gets 404."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from enterprises.models import DailyCheckItem, RecordPolicy, Requirement
from enterprises.policy import PolicyTable
from enterprises.selectors import daily_items
from tests.enterprises.conftest import business_user
from tests.factories import (
    EntityFactory,
    admin_user,
    county,
    office_user,
    township,
    wanshan,
    wanshan_village,
)

pytestmark = pytest.mark.django_db


def _stall_requirement(entity) -> str:
    return PolicyTable().requirement(entity.business_type, entity.grade, entity.division_path)


def test_a_county_rule_overrides_the_default_in_its_area_only(client, pinned):
    # given stalls in 碧江区 and in 万山区, exempt by the default policy
    bijiang = county()
    here = EntityFactory(business_type="stall")
    there = EntityFactory(business_type="stall", division=wanshan_village())
    assert _stall_requirement(here) == Requirement.EXEMPT
    office = office_user(bijiang)
    client.force_login(office)
    url = reverse("enterprises:policy")
    assert client.get(url).status_code == 200
    # when 碧江区's office asks its stalls for daily checks
    response = client.post(
        url,
        {"action": "policy", "business_type": "stall", "grade": "", "requirement": "daily_only"},
    )
    # then 碧江区's stalls owe daily checks, 万山区's stay exempt
    assert response.status_code == 302
    assert _stall_requirement(here) == Requirement.DAILY_ONLY
    assert _stall_requirement(there) == Requirement.EXEMPT
    # and the change names who and when, in the rule's history and the audit log
    rule = RecordPolicy.objects.get(division=bijiang, business_type="stall")
    change = rule.history.latest()
    assert change.history_user == office and change.history_date is not None
    assert AuditEvent.objects.filter(user=office, detail__step="self_policy_set").exists()
    page = client.get(url)
    assert "仅日管控" in page.text or "Daily checks only" in page.text
    # when the office withdraws its rule, the row is kept and the default decides again
    client.post(url, {"action": "policy", "business_type": "stall", "grade": "", "requirement": ""})
    rule.refresh_from_db()
    assert not rule.is_active
    assert _stall_requirement(here) == Requirement.EXEMPT
    assert rule.history.count() == 2


def test_daily_check_items_of_an_area_are_added_and_taken_out_of_use(client, pinned):
    bijiang = county()
    entity = EntityFactory()
    elsewhere = EntityFactory(division=wanshan_village())
    office = office_user(bijiang)
    client.force_login(office)
    url = reverse("enterprises:policy")
    # a check without text is refused, in Chinese
    refused = client.post(url, {"action": "item", "text": "", "order": 10})
    assert refused.status_code == 400 and "请写明检查内容" in refused.text
    # when the office adds a check for its catering businesses
    client.post(
        url,
        {"action": "item", "text": "燃气报警器完好", "business_types": ["catering"], "order": 10},
    )
    item = DailyCheckItem.objects.get(text="燃气报警器完好")
    # then its businesses' daily check has it, another county's has not
    assert "燃气报警器完好" in daily_items(entity=entity)
    assert "燃气报警器完好" not in daily_items(entity=elsewhere)
    # when it is taken out of use, it is kept but no longer asked
    response = client.post(reverse("enterprises:item-active", args=[item.pk]), {"active": "0"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.is_active and "燃气报警器完好" not in daily_items(entity=entity)
    assert item.history.count() == 2


def test_an_office_outside_the_area_gets_404(client, pinned):
    bijiang = county()
    item = DailyCheckItem.objects.create(division=bijiang, text="碧江区的检查")
    # a county office beside it, a township office below county level, a business user
    for user in (
        office_user(wanshan()),
        office_user(township()),
        business_user(EntityFactory()),
    ):
        client.force_login(user)
        if user.division_id and user.division.level == 3:
            assert client.get(reverse("enterprises:policy")).status_code == 200  # its own
        else:
            assert client.get(reverse("enterprises:policy")).status_code == 404
        assert client.get(reverse("enterprises:policy-area", args=[bijiang.pk])).status_code == 404
        posted = client.post(
            reverse("enterprises:policy-area", args=[bijiang.pk]),
            {"action": "policy", "business_type": "stall", "requirement": "full"},
        )
        assert posted.status_code == 404
        toggled = client.post(reverse("enterprises:item-active", args=[item.pk]), {"active": "0"})
        assert toggled.status_code == 404
    assert not RecordPolicy.objects.filter(division=bijiang).exists()
    item.refresh_from_db()
    assert item.is_active
    # the city above may open 碧江区's page
    client.force_login(office_user(bijiang.parent))
    assert client.get(reverse("enterprises:policy-area", args=[bijiang.pk])).status_code == 200


def test_the_admin_keeps_the_default_rules_with_their_history_and_no_delete(client):
    rule = RecordPolicy.objects.get(division=None, business_type="stall", grade="")
    client.force_login(admin_user())
    assert client.get(reverse("admin:enterprises_recordpolicy_changelist")).status_code == 200
    history = client.get(reverse("admin:enterprises_recordpolicy_history", args=[rule.pk]))
    assert history.status_code == 200
    deleting = client.get(reverse("admin:enterprises_recordpolicy_delete", args=[rule.pk]))
    assert deleting.status_code == 403
