"""seed_demo's supervision work: four past quarters of visits and the current one so far, issues
in every status with their histories, and the demo cadre's quarter half done."""

import datetime
import io
import itertools
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from baobao.models import Notification, NotificationKind, User
from entities.models import Entity
from inspections.models import Issue, IssueEvent, IssueStatus, Visit, VisitCheck
from inspections.quarters import Quarter
from inspections.selectors import due_entities, issue_ledger, supervision_rate

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)
CURRENT = Quarter(2026, 4)
PAST = [Quarter(2026, 3), Quarter(2026, 2), Quarter(2026, 1), Quarter(2025, 4)]


@pytest.fixture
def seeded():
    with time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)):
        call_command("seed_demo", scale=0.01, stdout=io.StringIO())
        yield


def test_visits_cover_four_past_quarters_at_about_95_percent_and_the_current_one_partly(seeded):
    # when the rate of the whole city is read per quarter
    entities = Entity.objects.all()
    past = [supervision_rate(entities=entities, quarter=q, today=TODAY) for q in PAST]
    current = supervision_rate(entities=entities, quarter=CURRENT, today=TODAY)
    # then each past quarter is close to 95% and the current one is under way
    for rate in past:
        assert rate["due"] > 100
        assert 0.9 <= rate["rate"] <= 0.99
    assert 0.3 <= current["rate"] <= 0.8
    assert set(Visit.objects.values_list("quarter", flat=True)) == {
        q.code for q in [CURRENT, *PAST]
    }


def test_every_visit_is_a_weekday_daytime_visit_by_the_holder_in_its_quarter(seeded):
    visits = list(Visit.objects.select_related("entity").prefetch_related("entity__assignments"))
    assert visits
    for visit in visits:
        local = timezone.localtime(visit.visited_at)
        day = local.date()
        # the quarter code is the local quarter, and the visit is in the past
        assert visit.quarter == Quarter.of(visit.visited_at).code
        assert day < TODAY
        assert local.weekday() < 5
        assert datetime.time(8, 30) <= local.time() <= datetime.time(17, 31)
        # the visiting cadre held the business that day
        assert any(
            a.cadre_id == visit.cadre_id
            and a.start_date <= day
            and (a.end_date is None or a.end_date > day)
            for a in visit.entity.assignments.all()
        )
        assert visit.created_at > visit.visited_at


def test_issues_are_in_every_status_with_their_history_and_some_are_overdue(seeded):
    statuses = Counter(Issue.objects.values_list("status", flat=True))
    assert set(statuses) == set(IssueStatus.values)
    assert Issue.objects.overdue(TODAY).exists()
    assert not Issue.objects.filter(status=IssueStatus.CLOSED, closed_at__isnull=True).exists()
    for issue in Issue.objects.prefetch_related("events").select_related("visit"):
        events = list(issue.events.all())
        # the history starts at open and ends at the issue's status, one step at a time
        assert events[0].from_status == "" and events[0].to_status == IssueStatus.OPEN
        assert events[-1].to_status == issue.status
        assert all(a.to_status == b.from_status for a, b in itertools.pairwise(events))
        assert issue.created_at >= issue.visit.visited_at
    assert VisitCheck.objects.filter(result="problem").exists()


def test_the_demo_cadre_has_work_left_this_quarter_and_issues_to_follow(seeded):
    user = User.objects.get(username="cadre")
    due = list(due_entities(cadre=user.cadre, quarter=CURRENT, today=TODAY))
    visited = [e for e in due if e.visited]
    assert 0 < len(visited) < len(due)
    issues = list(issue_ledger(user=user, today=TODAY))
    assert any(i.status == IssueStatus.OPEN and not i.overdue for i in issues)
    assert any(i.overdue for i in issues)
    # some of the demo cadre's visits were logged by their 协保员, with a checklist
    logged_by = set(
        Visit.objects.filter(cadre=user.cadre).values_list("logged_by__username", flat=True)
    )
    assert {"cadre", "assistant"} <= logged_by
    assert VisitCheck.objects.filter(visit__cadre=user.cadre).exists()


def test_a_second_run_changes_nothing(seeded):
    before = [m.objects.count() for m in (Visit, VisitCheck, Issue, IssueEvent, User)]
    with time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, tzinfo=datetime.UTC)):
        call_command("seed_demo", scale=0.01, stdout=io.StringIO())
    assert [m.objects.count() for m in (Visit, VisitCheck, Issue, IssueEvent, User)] == before


def test_the_demo_inboxes_hold_every_kind_of_reminder(seeded):
    # given the seeded demo (the demo cadre left one business unvisited last quarter)
    inbox = {
        username: set(
            Notification.objects.filter(recipient__username=username).values_list("kind", flat=True)
        )
        for username in ("cadre", "county", "city")
    }
    last = supervision_rate(
        entities=due_entities(
            cadre=User.objects.get(username="cadre").cadre, quarter=PAST[0], today=TODAY
        ),
        quarter=PAST[0],
        today=TODAY,
    )
    assert last["visited"] == last["due"] - 1
    # then the cadre has each kind that goes to cadres, the quarter-end warning included
    assert {
        NotificationKind.QUARTER_START,
        NotificationKind.IN_QUARTER,
        NotificationKind.QUARTER_END_OVERDUE,
        NotificationKind.ISSUE_DEADLINE_SOON,
        NotificationKind.ISSUE_OVERDUE,
    } <= inbox["cadre"]
    # and the offices have their digests: the county its overdue issues, the city (the office
    # above the county-level demo cadre) the quarter-end one naming them
    assert NotificationKind.ISSUE_OVERDUE in inbox["county"]
    assert NotificationKind.QUARTER_END_OVERDUE in inbox["city"]
