"""The inspection write services: visit_record, who may log and on which dates."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cadres.models import Assignment
from inspections.models import ChecklistTemplate, CheckResult, Visit
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    aide_user,
    cadre_login,
    cadre_user,
    county,
    office_user,
    province,
    wanshan,
)
from tests.inspections.services_support import NOW, TZ, frozen_time, record  # noqa: F401 (frozen_time is autouse)

# --- visit_record: who may log -------------------------------------------------------------


def test_the_holding_cadre_records_a_visit_with_its_checklist(holding):
    # given the cadre holding a restaurant and its seeded catering checklist
    user = cadre_login(holding.cadre)
    template = ChecklistTemplate.objects.get(name="餐饮服务督导清单")
    item = template.items.get(text="餐饮具清洗消毒")
    # when they record a visit with one checked item and one free-text check
    visit, created = record(
        user,
        holding.entity,
        findings=" 整体良好 ",
        companions="王协保",
        checks=[
            {"item": item, "result": CheckResult.PASS, "note": "消毒柜运行正常"},
            {"text": "冷库温度", "area": "on_site", "result": CheckResult.NOT_APPLICABLE},
        ],
        latitude="27.718000",
        longitude="109.191000",
        accuracy_m=12,
    )
    # then the visit counts for the cadre, in this quarter, with the item's text copied
    assert created
    visit = Visit.objects.get(pk=visit.pk)
    assert visit.cadre == holding.cadre
    assert visit.logged_by == user
    assert visit.quarter == 20262
    assert visit.template == template
    assert visit.findings == "整体良好"
    assert visit.accuracy_m == 12
    checks = list(visit.checks.order_by("id"))
    assert [(c.text, c.area, c.result, c.item_id) for c in checks] == [
        ("餐饮具清洗消毒", "on_site", "pass", item.pk),
        ("冷库温度", "on_site", "na", None),
    ]


def test_an_aide_logs_a_visit_for_their_cadre(holding):
    # given the 协保员 of the holding cadre
    aide = aide_user(CadreAideFactory(cadre=holding.cadre))
    # when the aide records the visit
    visit, created = record(aide, holding.entity)
    # then it counts for the cadre and records who logged it
    assert created
    assert visit.cadre == holding.cadre
    assert visit.logged_by == aide


def test_an_office_user_logs_a_visit_for_the_cadre_then_holding(holding):
    # given a county office user whose area contains the business
    clerk = office_user(county())
    # when the office types in a visit
    visit, _ = record(clerk, holding.entity)
    # then it counts for the cadre who held the business that day
    assert visit.cadre == holding.cadre
    assert visit.logged_by == clerk


def test_a_read_only_office_cannot_log_a_visit(holding):
    # given the province office, which may read but not write
    with pytest.raises(PermissionDenied):
        record(office_user(province()), holding.entity)
    assert not Visit.objects.exists()


def test_another_cadres_business_is_not_found(holding):
    # given a cadre who does not hold the business, and an office of another county
    other = cadre_user(AssignmentFactory().cadre)
    foreign_office = office_user(wanshan())
    # when / then either trying to log a visit on it gets a 404
    for user in (other, foreign_office):
        with pytest.raises(Http404):
            record(user, holding.entity)
    assert not Visit.objects.exists()


# --- visit_record: dates --------------------------------------------------------------------


def test_a_visit_dated_in_the_future_is_refused(holding):
    user = cadre_login(holding.cadre)
    with pytest.raises(ValidationError) as refused:
        record(user, holding.entity, visited_at=NOW + datetime.timedelta(minutes=10))
    assert refused.value.code == "future"
    assert not Visit.objects.exists()


def test_a_phone_clock_a_minute_ahead_is_tolerated(holding):
    _, created = record(
        cadre_login(holding.cadre), holding.entity, visited_at=NOW + datetime.timedelta(minutes=1)
    )
    assert created


def test_a_visit_before_the_holding_began_is_refused(holding):
    # given a holding that began on 2026-04-20
    assert holding.start_date == datetime.date(2026, 4, 20)
    user = cadre_login(holding.cadre)
    # when the cadre dates a visit the evening before
    with pytest.raises(ValidationError) as refused:
        record(user, holding.entity, visited_at=datetime.datetime(2026, 4, 19, 23, 0, tzinfo=TZ))
    # then it is refused; the first day of the holding is fine
    assert refused.value.code == "not_held"
    _, created = record(
        user, holding.entity, visited_at=datetime.datetime(2026, 4, 20, 0, 5, tzinfo=TZ)
    )
    assert created


def test_after_a_transfer_each_cadre_may_log_only_their_own_days(holding):
    # given the business transferred to a new cadre on 2026-05-10
    transfer_day = datetime.date(2026, 5, 10)
    Assignment.objects.filter(pk=holding.pk).update(end_date=transfer_day)
    new_cadre = CadreFactory(level=holding.cadre.division.level)
    Assignment.objects.create(entity=holding.entity, cadre=new_cadre, start_date=transfer_day)
    new_user = cadre_user(new_cadre)
    # when the new cadre dates a visit before the transfer
    with pytest.raises(ValidationError) as refused:
        record(new_user, holding.entity, visited_at=datetime.datetime(2026, 5, 9, 15, tzinfo=TZ))
    # then it is refused, while the transfer day itself is theirs
    assert refused.value.code == "not_held"
    visit, _ = record(
        new_user, holding.entity, visited_at=datetime.datetime(2026, 5, 10, 9, tzinfo=TZ)
    )
    assert visit.cadre == new_cadre
    # and the former cadre no longer reaches the business at all
    with pytest.raises(Http404):
        record(cadre_login(holding.cadre), holding.entity)


def test_an_office_visit_counts_for_the_cadre_holding_on_its_date(holding):
    # given a transfer on 2026-05-10
    Assignment.objects.filter(pk=holding.pk).update(end_date=datetime.date(2026, 5, 10))
    new_cadre = CadreFactory(level=holding.cadre.division.level)
    Assignment.objects.create(
        entity=holding.entity, cadre=new_cadre, start_date=datetime.date(2026, 5, 10)
    )
    clerk = office_user(county())
    # when the office types in visits from either side of the transfer
    before, _ = record(clerk, holding.entity, visited_at=datetime.datetime(2026, 5, 9, tzinfo=TZ))
    after, _ = record(clerk, holding.entity, visited_at=datetime.datetime(2026, 5, 11, tzinfo=TZ))
    # then each counts for the cadre who held it that day
    assert (before.cadre, after.cadre) == (holding.cadre, new_cadre)


def test_the_last_second_of_a_quarter_counts_for_that_quarter(db):
    # given a holding since January, and today 2026-04-10 (Q1 still open for late entries)
    holding = AssignmentFactory(start_date=datetime.date(2026, 1, 1))
    with time_machine.travel(datetime.datetime(2026, 4, 10, 9, tzinfo=TZ), tick=False):
        # when a visit at 23:59:59 on 31 March is recorded
        visit, _ = record(
            cadre_login(holding.cadre),
            holding.entity,
            visited_at=datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=TZ),
        )
    # then it counts for Q1
    assert visit.quarter == 20261


def test_a_quarter_closed_more_than_the_grace_period_ago_is_refused(db):
    # given a holding since January; Q1 closes for late entries on 15 April
    holding = AssignmentFactory(start_date=datetime.date(2026, 1, 1))
    user = cadre_login(holding.cadre)
    march = datetime.datetime(2026, 3, 20, 10, tzinfo=TZ)
    # when a March visit is logged on 15 April, it is still taken
    with time_machine.travel(datetime.datetime(2026, 4, 15, 20, tzinfo=TZ), tick=False):
        _, created = record(user, holding.entity, visited_at=march)
    assert created
    # when one is logged on 16 April, it is refused
    with (
        time_machine.travel(datetime.datetime(2026, 4, 16, 8, tzinfo=TZ), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        record(user, holding.entity, visited_at=march)
    assert refused.value.code == "quarter_closed"
