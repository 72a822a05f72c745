"""Reminder and warning selection (督导提醒与预警): the quarter's end, issues, coverage, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baobao.models import Level, Notification, NotificationKind
from cadres.models import AideKind, CadreStatus
from inspections.models import IssueStatus, ReminderPolicy
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    UserFactory,
    aide_user,
    cadre_user,
    village,
)
from tests.inspections.reminders_support import D, _fast_passwords, at, inbox, run, visit  # noqa: F401 (_fast_passwords is autouse)

pytestmark = pytest.mark.django_db


# --- quarter end -----------------------------------------------------------------------------


def test_quarter_end_warns_cadre_aides_and_the_office_above(world):
    # given the first business visited one minute before the quarter's deadline, the second not;
    # the cadre has an active 协保员 with a login and an inactive one
    first, _second = world["entities"]
    visit(first, world["cadre"], at(2026, 6, 30, 23, 59))
    aide = aide_user(CadreAideFactory(cadre=world["cadre"], kind=AideKind.ASSISTANT))
    former = CadreAideFactory(cadre=world["cadre"], kind=AideKind.LIAISON, is_active=False)
    former_login = aide_user(former)
    # when the job runs the day after the quarter ends
    result = run("quarter_end_overdue", D(2026, 7, 1))
    # then the cadre and the active aide each get the warning naming only the unvisited one
    assert result.period == "2026Q2"
    for user in (world["login"], aide):
        (message,) = inbox(user)
        assert message.kind == NotificationKind.QUARTER_END_OVERDUE
        assert "乙店" in message.body and "甲店" not in message.body
        assert "王村干" in message.body
    assert not inbox(former_login)
    # and the township office above the village cadre gets one digest with the rate
    (digest,) = inbox(world["township_office"])
    assert "王村干" in digest.body and "50%" in digest.body
    assert "1" in digest.title
    assert digest.link == "/inspections/visits/"
    # and neither the county office nor another county's
    assert not inbox(world["county_office"]) and not inbox(world["other_office"])


def test_quarter_end_digest_is_one_message_per_office_for_many_cadres(world):
    # given three more village cadres in the same township, each with an unvisited business
    for n in range(3):
        cadre = CadreFactory(level=Level.VILLAGE, name=f"李{n}")
        cadre_user(cadre)
        AssignmentFactory(
            entity=EntityFactory(division=village()), cadre=cadre, start_date=D(2026, 1, 1)
        )
    # when
    run("quarter_end_overdue", D(2026, 7, 1))
    # then the township office gets a single digest naming all four cadres
    (digest,) = inbox(world["township_office"])
    assert all(name in digest.body for name in ("王村干", "李0", "李1", "李2"))
    assert "4" in digest.title and "5" in digest.title  # 4 cadres, 5 businesses


def test_quarter_end_is_not_sent_before_the_quarter_is_over(world):
    # when the job runs on the last day, and then twice after the end
    last_day = run("quarter_end_overdue", D(2026, 6, 30))
    first, again = (run("quarter_end_overdue", D(2026, 7, 1)) for _ in range(2))
    # then
    assert last_day.period is None
    assert first.messages == 2 and again.messages == 0  # cadre + township office


def test_quarter_end_nothing_when_everything_was_visited(world):
    # given both businesses visited in the quarter
    for entity in world["entities"]:
        visit(entity, world["cadre"], at(2026, 5, 3, 10))
    # when
    result = run("quarter_end_overdue", D(2026, 7, 1))
    # then
    assert result.messages == 0


def test_inactive_cadre_login_still_gets_the_in_app_row(world):
    # given the cadre's login is not activated yet
    world["login"].is_active = False
    world["login"].save()
    # when
    run("quarter_start", D(2026, 4, 1))
    # then the message waits in the inbox, without any e-mail or SMS
    (message,) = inbox(world["login"])
    assert not message.deliveries.exists()


# --- issues ----------------------------------------------------------------------------------


@pytest.fixture
def issue(world):
    first = world["entities"][0]
    v = visit(first, world["cadre"], at(2026, 4, 10, 9))
    return IssueFactory(visit=v, entity=first, deadline=D(2026, 5, 20), raised_by=world["login"])


def test_issue_deadline_soon_warns_the_cadre_lead_days_before(issue, world):
    # when the job runs four days and three days before the deadline, and again
    early = run("issue_deadline_soon", D(2026, 5, 16))
    due = run("issue_deadline_soon", D(2026, 5, 17))
    again = run("issue_deadline_soon", D(2026, 5, 18))
    # then the warning goes out once, from three days before, to the cadre only
    assert (early.messages, due.messages, again.messages) == (0, 1, 0)
    (message,) = inbox(world["login"])
    assert message.link == f"/inspections/issues/{issue.pk}/"
    assert "甲店" in message.title and "2026-05-20" in message.body
    assert not inbox(world["county_office"])


def test_closed_issue_gets_no_warning(issue, world):
    # given the issue was closed
    type(issue).objects.filter(pk=issue.pk).update(
        status=IssueStatus.CLOSED, closed_at=at(2026, 5, 10, 9)
    )
    # when
    soon = run("issue_deadline_soon", D(2026, 5, 18))
    late = run("issue_overdue", D(2026, 5, 25))
    # then
    assert soon.messages == late.messages == 0


def test_issue_overdue_repeats_per_period_to_cadre_and_county_office(issue, world):
    # given the deadline is Wednesday 20 May
    days = [D(2026, 5, d) for d in (20, 21, 22, 24, 25, 27, 28)] + [D(2026, 6, 3), D(2026, 6, 4)]
    new = {}
    # when the job runs on each of these days
    for day in days:
        before = [len(inbox(u)) for u in (world["login"], world["county_office"])]
        run("issue_overdue", day)
        after = [len(inbox(u)) for u in (world["login"], world["county_office"])]
        new[day] = (after[0] - before[0], after[1] - before[1])
    # then the cadre is warned the day after the deadline and every 7 days after that
    assert [d for d, (cadre, _) in new.items() if cadre] == [
        D(2026, 5, 21),
        D(2026, 5, 28),
        D(2026, 6, 4),
    ]
    # and the county office gets one digest per Monday-based week: 18 May, 25 May, 1 June
    assert [d for d, (_, office) in new.items() if office] == [
        D(2026, 5, 21),
        D(2026, 5, 25),
        D(2026, 6, 3),
    ]
    digest = inbox(world["county_office"])[0]
    assert digest.key.endswith(":2026-05-18")
    assert "甲店" in digest.body and "1" in digest.title
    assert not inbox(world["other_office"]) and not inbox(world["township_office"])


# --- coverage --------------------------------------------------------------------------------


def test_coverage_gap_told_once_after_the_reassignment_limit(world):
    # given the holding of the first business ended on Tuesday 29 September 2025, before the
    # National Day holiday (the 7th working day after it is 16 October)
    first = world["entities"][0]
    first.assignments.update(start_date=D(2025, 1, 1), end_date=D(2025, 9, 30))
    # when the job runs on the limit's last day, the day after, and again
    on_limit = run("coverage_gap", D(2025, 10, 16))
    after = run("coverage_gap", D(2025, 10, 17))
    again = run("coverage_gap", D(2025, 10, 18))
    # then the county office is told once, on the 17th, naming the business
    assert (on_limit.messages, after.messages, again.messages) == (0, 1, 0)
    (message,) = inbox(world["county_office"])
    assert "甲店" in message.body and "2025-09-30" in message.body
    assert message.link == "/coverage/"
    assert not inbox(world["other_office"]) and not inbox(world["login"])


def test_coverage_gap_new_message_when_another_business_passes_the_limit(world):
    # given one gap past the limit already reported
    first, _second = world["entities"]
    first.assignments.update(start_date=D(2025, 1, 1), end_date=D(2025, 9, 30))
    run("coverage_gap", D(2025, 10, 17))
    # when the second business's holder leaves the post on Friday 10 October (the 7th working
    # day after it, counting the make-up Saturday, is Monday 20 October)
    world["cadre"].status, world["cadre"].left_on = CadreStatus.LEFT, D(2025, 10, 10)
    world["cadre"].save()
    quiet = run("coverage_gap", D(2025, 10, 20))
    told = run("coverage_gap", D(2025, 10, 21))
    # then a second digest lists both
    assert (quiet.messages, told.messages) == (0, 1)
    latest = inbox(world["county_office"])[-1]
    assert "甲店" in latest.body and "乙店" in latest.body and "2" in latest.title


def test_unheld_business_never_held_counts_from_registration(world):
    # given a business registered long ago that nobody ever held
    EntityFactory(name="丁店", division=village())
    # when
    result = run("coverage_gap", D(2040, 1, 20))
    # then
    assert result.messages == 1
    assert "丁店" in inbox(world["county_office"])[0].body


# --- scale -----------------------------------------------------------------------------------


def _queries(kind, today, batch_size=2):
    from inspections import reminders

    policy = ReminderPolicy.load()
    with CaptureQueriesContext(connection) as ctx:
        reminders.JOBS[kind](
            today=today, policy=policy, sink=lambda rows: len(rows), batch_size=batch_size
        )
    return len(ctx.captured_queries)


def _more_cadres(n):
    for _ in range(n):
        cadre = CadreFactory(level=Level.VILLAGE)
        cadre_user(cadre)
        AssignmentFactory(
            entity=EntityFactory(division=village()), cadre=cadre, start_date=D(2026, 1, 1)
        )


@pytest.mark.parametrize(
    ("kind", "today"),
    [("quarter_start", D(2026, 4, 1)), ("quarter_end_overdue", D(2026, 7, 1))],
)
def test_cadre_jobs_take_a_fixed_number_of_queries_per_batch(world, kind, today):
    # given 1 cadre, then 7 more, with a batch of 100
    few = _queries(kind, today, batch_size=100)
    _more_cadres(7)
    # when
    many = _queries(kind, today, batch_size=100)
    # then the number of queries does not grow with the cadres
    assert many == few
    # and with batches of 2 it grows by a fixed amount per batch only (4 batches vs 1)
    assert _queries(kind, today, batch_size=2) - many == 3 * 3


def test_issue_jobs_take_a_fixed_number_of_queries(world, issue):
    # given one overdue issue, then five more on other businesses
    few = _queries("issue_overdue", D(2026, 5, 25), batch_size=100)
    for _ in range(5):
        entity = EntityFactory(division=village())
        AssignmentFactory(entity=entity, cadre=world["cadre"], start_date=D(2026, 1, 1))
        IssueFactory(
            visit=visit(entity, world["cadre"], at(2026, 4, 10, 9)),
            entity=entity,
            deadline=D(2026, 5, 20),
            raised_by=world["login"],
        )
    # when
    many = _queries("issue_overdue", D(2026, 5, 25), batch_size=100)
    # then
    assert many == few


def test_users_of_other_roles_are_never_recipients(world):
    # given an admin and a province office user
    UserFactory(role="admin", division=None)
    # when every job runs on a day each sends
    for kind, day in [
        ("quarter_start", D(2026, 4, 1)),
        ("quarter_end_overdue", D(2026, 7, 1)),
    ]:
        run(kind, day)
    # then only the cadre and the township office have messages
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        world["login"].pk,
        world["township_office"].pk,
    }
