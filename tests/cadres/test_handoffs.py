"""The A-grade hand-off (待市级安排包保): a business whose grade needs a holder only a higher office
can assign waits in that office's queue, its inbox says so with a link to assign, the lower office
reads the wait (and its days) instead of an empty picker; an escalation already recorded is never
a hand-off, and assigning the holder ends it."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from baobao.models import Level, Notification
from cadres.selectors.handoffs import entity_handoff, handoff_queue, handoffs_passed_up
from cadres.services import assignment_create
from entities.models import Grade
from entities.services import entity_create, entity_regrade
from tests.factories import (
    AssignmentFactory,
    CadreFactory,
    EntityFactory,
    city,
    county,
    office_user,
    township,
    valid_uscc,
    village,
    wanshan,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 5, 18, 9, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 18)


@pytest.fixture(autouse=True)
def _pinned():
    with time_machine.travel(MONDAY, tick=False):
        yield


def _regrade_to_a(entity, by):
    entity_regrade(entity=entity, new_grade=Grade.A, reason="大型餐饮", by=by)
    entity.refresh_from_db()
    return entity


def test_a_county_regrading_to_a_hands_the_business_to_the_city_with_an_inbox_message():
    # given an unheld grade D business in 碧江区, its county office and the city office
    clerk, city_office = office_user(county()), office_user(city())
    entity = EntityFactory(grade=Grade.D)
    # when the county regrades it to A
    _regrade_to_a(entity, clerk)
    # then the city's queue lists it, the county reads it as passed up, waiting since today
    assert [e.pk for e in handoff_queue(user=city_office)] == [entity.pk]
    assert [e.pk for e in handoffs_passed_up(user=clerk)] == [entity.pk]
    assert list(handoff_queue(user=clerk)) == []
    handoff = entity_handoff(entity=entity, today=TODAY)
    assert (handoff.level, handoff.since, handoff.days, str(handoff.label)) == (
        Level.CITY,
        TODAY,
        0,
        "待市级安排包保",
    )
    # and the city office (only) got one message linking to the assign page for it
    message = Notification.objects.get()
    assert message.recipient == city_office
    assert message.link == f"{reverse('holdings:assign')}?entity={entity.pk}"
    assert entity.name in message.title


def test_days_waiting_count_from_the_regrade():
    clerk, city_office = office_user(county()), office_user(city())
    entity = _regrade_to_a(EntityFactory(grade=Grade.C), clerk)
    with time_machine.travel(MONDAY + datetime.timedelta(days=9), tick=False):
        row = handoff_queue(user=city_office).get()
        assert row.waiting_since == TODAY
        assert entity_handoff(entity=entity, today=TODAY + datetime.timedelta(days=9)).days == 9


def test_a_township_registering_grade_b_hands_it_to_the_county():
    # given the township office of 环北街道 and the county office
    town_office, county_office = office_user(township()), office_user(county())
    # when the township registers a grade B business
    entity = entity_create(
        by=town_office,
        name="环北大酒店",
        business_type="catering",
        grade=Grade.B,
        division=village(),
        uscc=valid_uscc(770001),
        address="环北路1号",
    )
    # then it waits for the county, which got the message; the township reads it as passed up
    assert [e.pk for e in handoff_queue(user=county_office)] == [entity.pk]
    assert [e.pk for e in handoffs_passed_up(user=town_office)] == [entity.pk]
    assert Notification.objects.get().recipient == county_office


def test_the_city_registering_grade_a_itself_sends_nothing():
    city_office = office_user(city())
    entity_create(
        by=city_office,
        name="铜仁大酒店",
        business_type="catering",
        grade=Grade.A,
        division=village(),
        uscc=valid_uscc(770002),
        address="环北路2号",
    )
    assert handoff_queue(user=city_office).count() == 1
    assert not Notification.objects.exists()


def test_a_business_held_by_a_county_cadre_regraded_to_a_waits_for_a_transfer():
    # given a grade B business held by a county cadre
    clerk, city_office = office_user(county()), office_user(city())
    holding = AssignmentFactory(entity=EntityFactory(grade=Grade.B))
    # when it is regraded to A
    _regrade_to_a(holding.entity, clerk)
    # then the city's queue lists it with its holder, and the message links to the transfer
    row = handoff_queue(user=city_office).get()
    assert (row.holding_id, row.holder_name) == (holding.pk, holding.cadre.name)
    assert Notification.objects.get().link == reverse("holdings:transfer", args=[holding.pk])


def test_an_escalation_already_recorded_is_not_a_hand_off():
    # given a grade B business escalated to a city cadre (提级包保), and a grade A one held by one
    escalated = EntityFactory(grade=Grade.B)
    assignment_create(
        entity=escalated,
        cadre=CadreFactory(level=Level.CITY),
        reason="重点保障",
        escalation_reason="重大活动保障",
        by=office_user(city()),
    )
    AssignmentFactory(entity=EntityFactory(grade=Grade.A))
    # then neither office has a hand-off
    assert not handoff_queue(user=office_user(city())).exists()
    assert not handoff_queue(user=office_user(county())).exists()
    assert not handoffs_passed_up(user=office_user(county())).exists()
    assert entity_handoff(entity=escalated, today=TODAY) is None


def test_the_city_assigning_a_city_cadre_ends_the_hand_off():
    clerk, city_office = office_user(county()), office_user(city())
    entity = _regrade_to_a(EntityFactory(grade=Grade.D), clerk)
    assignment_create(
        entity=entity, cadre=CadreFactory(level=Level.CITY), reason="市级包保", by=city_office
    )
    assert not handoff_queue(user=city_office).exists()
    assert not handoffs_passed_up(user=clerk).exists()


def test_another_county_sees_nothing_of_it():
    _regrade_to_a(EntityFactory(grade=Grade.D), office_user(county()))
    assert not handoffs_passed_up(user=office_user(wanshan())).exists()
    assert not handoff_queue(user=office_user(wanshan())).exists()


# --- pages ---------------------------------------------------------------------------------


def test_the_county_reads_the_wait_on_the_business_and_on_coverage(client):
    clerk = office_user(county())
    entity = _regrade_to_a(EntityFactory(grade=Grade.D, name="金滩大酒店"), clerk)
    client.force_login(clerk)
    # the business's page: the wait with its days, no picker that would be empty
    page = client.get(reverse("entities:detail", args=[entity.pk])).text
    assert "待市级安排包保" in page
    assert f"{reverse('holdings:assign')}?entity={entity.pk}" not in page
    # coverage: the unheld row reads the wait instead of the assign button, and the passed-up
    # section lists it with its days
    response = client.get(reverse("overview:coverage"))
    assert f"{reverse('holdings:assign')}?entity={entity.pk}" not in response.text
    assert response.text.count("待市级安排包保") >= 2
    rows = list(response.context["passed_up_table"].paginated_rows)
    assert [row.record.pk for row in rows] == [entity.pk]


def test_the_city_queue_page_lists_it_with_the_link_to_assign(client):
    entity = _regrade_to_a(EntityFactory(grade=Grade.D, name="金滩大酒店"), office_user(county()))
    client.force_login(office_user(city()))
    response = client.get(reverse("overview:handoffs"))
    assert response.status_code == 200
    assert "金滩大酒店" in response.text
    assert f"{reverse('holdings:assign')}?entity={entity.pk}" in response.text
    coverage = client.get(reverse("overview:coverage"))
    assert coverage.context["queue_count"] == 1
    detail = client.get(reverse("entities:detail", args=[entity.pk])).text
    assert f"{reverse('holdings:assign')}?entity={entity.pk}" in detail


def test_the_queue_page_is_for_offices_only(client):
    holding = AssignmentFactory()
    from tests.factories import cadre_user

    client.force_login(cadre_user(holding.cadre))
    assert client.get(reverse("overview:handoffs")).status_code == 403


def test_the_queue_page_reads_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    clerk, city_office = office_user(county()), office_user(city())
    for _n in range(8):
        _regrade_to_a(EntityFactory(grade=Grade.D), clerk)
    client.force_login(city_office)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("overview:handoffs"))
    assert len(response.context["table"].paginated_rows) == 8
