"""The rectification deadline comes from the office's policy (ReminderPolicy): the visit form
proposes it, and an issue raised with its deadline left empty gets it."""

import datetime
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from inspections.checklists import checklist_for
from inspections.models import DEFAULT_DEADLINE_DAYS, CheckResult, Issue, ReminderPolicy
from inspections.services import issue_raise, visit_record
from tests.factories import AssignmentFactory, EntityFactory, admin_user, cadre_login

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 5, 20, 10, 0, tzinfo=TZ)
POLICY_ADMIN = "/admin/inspections/reminderpolicy/"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def holding():
    return AssignmentFactory(entity=EntityFactory(grade="B"))


def office_policy(**days) -> ReminderPolicy:
    policy = ReminderPolicy.load()
    for severity, n in days.items():
        setattr(policy, f"deadline_days_{severity}", n)
    policy.full_clean()
    policy.save()
    return policy


def test_the_policy_starts_with_the_old_periods():
    assert ReminderPolicy.load().deadline_days() == {"minor": 30, "general": 15, "serious": 7}
    assert ReminderPolicy.load().deadline_days() == {
        str(k): v for k, v in DEFAULT_DEADLINE_DAYS.items()
    }


@pytest.mark.parametrize("days", [0, 91])
def test_a_period_outside_1_to_90_days_is_refused(days):
    policy = ReminderPolicy.load()
    policy.deadline_days_serious = days
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "deadline_days_serious" in refused.value.message_dict


def test_the_admin_edits_the_periods_and_refuses_a_bad_one(client):
    # given the saved policy and the admin
    office_policy()
    client.force_login(admin_user())
    page = client.get(f"{POLICY_ADMIN}1/change/")
    assert page.status_code == 200
    assert 'name="deadline_days_general"' in page.text
    data = {k: v for k, v in model_to_dict(ReminderPolicy.load()).items() if v is not None}
    # when 120 days is asked for a general issue
    refused = client.post(f"{POLICY_ADMIN}1/change/", {**data, "deadline_days_general": 120})
    # then the page says why and nothing changes
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["deadline_days_general"]
    assert ReminderPolicy.load().deadline_days_general == 15
    # when 20 days is asked
    saved = client.post(f"{POLICY_ADMIN}1/change/", {**data, "deadline_days_general": 20})
    # then it is the policy
    assert saved.status_code == 302
    assert ReminderPolicy.load().deadline_days_general == 20


def test_an_issue_raised_without_a_deadline_gets_the_policys(holding):
    # given the office gives 10 days to a serious issue
    office_policy(serious=10)
    # when one is raised without a deadline
    issue = issue_raise(
        user=cadre_login(holding.cadre),
        entity=holding.entity,
        category="health",
        severity="serious",
        description="两名员工健康证过期",
        actor_kind="business",
    )
    # then it is due in 10 days, not the old 7
    assert issue.deadline == datetime.date(2026, 5, 30)


def test_a_visit_issue_left_without_a_deadline_gets_the_policys_and_a_typed_one_stays(holding):
    # given the office gives 45 days to a minor issue and 3 to a serious one
    office_policy(minor=45, serious=3)
    entity = holding.entity
    items = list(checklist_for(entity).items.all())
    checks = [
        {"item": item, "result": CheckResult.PROBLEM if i < 2 else CheckResult.PASS, "note": ""}
        for i, item in enumerate(items)
    ]
    issue = {"category": "hygiene", "description": "地面油污", "actor_kind": "business"}
    # when a visit raises a minor issue with no deadline and a serious one with a typed deadline
    visit_record(
        user=cadre_login(holding.cadre),
        entity=entity,
        visited_at=NOW - datetime.timedelta(hours=1),
        on_site=True,
        idempotency_key=uuid.uuid4(),
        checks=checks,
        issues=[
            {**issue, "check": 0, "severity": "minor", "deadline": None},
            {**issue, "check": 1, "severity": "serious", "deadline": datetime.date(2026, 6, 1)},
        ],
    )
    # then the first is due in the policy's 45 days, the second when the cadre said
    deadlines = dict(Issue.objects.values_list("severity", "deadline"))
    assert deadlines == {"minor": datetime.date(2026, 7, 4), "serious": datetime.date(2026, 6, 1)}


def test_the_visit_form_proposes_the_policys_periods(client, holding):
    # given the office's periods
    office_policy(minor=60, general=20, serious=5)
    client.force_login(cadre_login(holding.cadre))
    # when the cadre opens the visit form
    page = client.get(f"{reverse('inspections:visit-new')}?entity={holding.entity.pk}")
    # then visit.js gets them, and the form says them under the deadline
    assert page.status_code == 200
    assert json.loads(page.context["deadline_days"]) == {"minor": 60, "general": 20, "serious": 5}
    assert "轻微 60 天; 一般 20 天; 严重 5 天" in page.text
