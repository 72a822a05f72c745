"""Reminder and warning selection (督导提醒与预警): sending days around every boundary, who is told,
what the messages and digests say, the dedupe keys, working days, and constant query counts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baobao.models import Level, Notification, NotificationKind
from cadres.models import AideKind, CadreStatus
from entities.models import EntityStatus, Grade
from inspections.models import IssueStatus, ReminderPolicy, Visit
from inspections.quarters import Quarter
from inspections.reminders import (
    add_working_days,
    gap_cutoff,
    in_quarter_days,
    is_working_day,
    reminders_run,
)
from tests.factories import (
    AssignmentFactory,
    CadreAideFactory,
    CadreFactory,
    EntityFactory,
    IssueFactory,
    UserFactory,
    aide_user,
    cadre_user,
    county,
    office_user,
    township,
    village,
    wanshan,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
Q2 = Quarter(2026, 2)
D = datetime.date


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def run(kind, today):
    return reminders_run(kind=kind, today=today)


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id"))


def visit(entity, cadre, when):
    return Visit.objects.create(
        entity=entity,
        cadre=cadre,
        logged_by=cadre.user,
        visited_at=when,
        quarter=Quarter.of(when).code,
        idempotency_key=__import__("uuid").uuid4(),
    )


@pytest.fixture
def world():
    """A village cadre in 金滩社区 holding two businesses since January, with a login; the
    township office above them; the county office; an office in another county."""
    cadre = CadreFactory(level=Level.VILLAGE, name="王村干")
    login = cadre_user(cadre, first_name="王村干")
    entities = [
        EntityFactory(name=name, grade=Grade.D, division=village()) for name in ("甲店", "乙店")
    ]
    for entity in entities:
        AssignmentFactory(entity=entity, cadre=cadre, start_date=D(2026, 1, 1))
    return {
        "cadre": cadre,
        "login": login,
        "entities": entities,
        "township_office": office_user(township()),
        "county_office": office_user(county()),
        "other_office": office_user(wanshan()),
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- working days ----------------------------------------------------------------------------


def test_working_days_follow_chinas_holidays_and_make_up_days():
    # given the 2025 National Day holiday (1-8 Oct) and the make-up Saturday 11 Oct
    # then
    assert not is_working_day(D(2025, 10, 6))  # a Monday in the holiday
    assert is_working_day(D(2025, 9, 28))  # a Sunday made a working day (调休)
    assert is_working_day(D(2025, 10, 11))  # a Saturday made a working day
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 7) == D(2025, 10, 16)


def test_working_days_fall_back_to_weekdays_for_unknown_years():
    # given a year the calendar package does not know
    # then Monday to Friday count
    assert is_working_day(D(2040, 1, 2))  # a Monday
    assert not is_working_day(D(2040, 1, 7))  # a Sunday
    assert add_working_days(D(2040, 1, 6), 1) == D(2040, 1, 9)


def test_gap_cutoff_is_the_latest_start_already_past_the_limit():
    # given a limit of 7 working days across the National Day holiday
    today = D(2025, 10, 17)
    # when
    cutoff = gap_cutoff(today, 7)
    # then a gap from the cutoff is over the limit, a gap from the next day is not
    assert add_working_days(cutoff, 7) < today
    assert add_working_days(cutoff + datetime.timedelta(days=1), 7) >= today
    # and a gap that began during the holiday counts from the first working day after it
    assert cutoff == D(2025, 10, 8)


# --- quarter start ---------------------------------------------------------------------------


def test_quarter_start_tells_each_cadre_the_quarters_task(world):
    # given a closed business the cadre still held when it closed
    closed = EntityFactory(name="丙店", division=village(), status=EntityStatus.CLOSED)
    AssignmentFactory(entity=closed, cadre=world["cadre"], start_date=D(2026, 1, 1))
    # when the job runs on the quarter's first day
    result = run("quarter_start", D(2026, 4, 1))
    # then the cadre gets one message naming the open businesses and the deadline
    (message,) = inbox(world["login"])
    assert result.period == "2026Q2" and result.messages == 1
    assert message.kind == NotificationKind.QUARTER_START
    assert "2" in message.title and "甲店" in message.body and "乙店" in message.body
    assert "丙店" not in message.body
    assert "2026-06-30" in message.body
    assert message.link == "/inspections/my/"
    assert message.key == f"quarter_start:{world['login'].pk}:cadre{world['cadre'].pk}:2026Q2"
    # and the offices get nothing
    assert not inbox(world["township_office"])


def test_quarter_start_rerun_and_catch_up_send_nothing_twice(world):
    # given the quarter's task already sent on 1 April
    run("quarter_start", D(2026, 4, 1))
    # when the job runs again the same day and on the next days of the catch-up window
    again = [run("quarter_start", D(2026, 4, day)).messages for day in (1, 2, 4)]
    # then nothing new is written
    assert again == [0, 0, 0]
    assert len(inbox(world["login"])) == 1


def test_quarter_start_missed_day_is_made_up_within_the_window_only(world):
    # given beat did not run on 1 April
    # when it runs on the 4th (3 days later: within the default window) and on the 5th
    late = run("quarter_start", D(2026, 4, 4))
    # then the 4th sends the quarter's task; the day before the quarter and the 5th are no days
    assert late.messages == 1
    assert run("quarter_start", D(2026, 3, 31)).period is None
    assert run("quarter_start", D(2026, 4, 5)).period is None


def test_quarter_start_skips_a_cadre_who_left(world):
    # given the cadre left before the quarter (their holdings ended)
    world["cadre"].assignments.update(end_date=D(2026, 3, 20))
    world["cadre"].status, world["cadre"].left_on = CadreStatus.LEFT, D(2026, 3, 20)
    world["cadre"].save()
    # when
    result = run("quarter_start", D(2026, 4, 1))
    # then
    assert result.messages == 0


def test_disabled_quarter_start_sends_nothing(world):
    # given the admin turned the quarter's task off
    ReminderPolicy(quarter_start_enabled=False).save()
    # when
    result = run("quarter_start", D(2026, 4, 1))
    # then
    assert result.period is None and not inbox(world["login"])


# --- during the quarter ----------------------------------------------------------------------


def test_default_in_quarter_days_are_month_two_and_three_then_weekly_at_the_end():
    # given the default policy (1st of months 2 and 3, Mondays in the last two weeks)
    # then for 2026 Q2 (ends Tuesday 30 June)
    assert in_quarter_days(Q2, ReminderPolicy()) == [
        D(2026, 5, 1),
        D(2026, 6, 1),
        D(2026, 6, 22),
        D(2026, 6, 29),
    ]


def test_in_quarter_reminds_only_cadres_with_unvisited_businesses(world):
    # given one of the two businesses visited in April, and a second cadre who visited all
    first, second = world["entities"]
    visit(first, world["cadre"], at(2026, 4, 10, 9))
    done = CadreFactory(level=Level.VILLAGE)
    done_login = cadre_user(done)
    held = EntityFactory(division=village())
    AssignmentFactory(entity=held, cadre=done, start_date=D(2026, 1, 1))
    visit(held, done, at(2026, 4, 11, 9))
    # when the job runs on 1 May
    result = run("in_quarter", D(2026, 5, 1))
    # then only the cadre with an unvisited business is reminded, naming it, with the visit form
    (message,) = inbox(world["login"])
    assert result.period == "2026-05-01" and result.messages == 1
    assert "乙店" in message.body and "甲店" not in message.body
    assert "1" in message.body and "61" in message.body  # 61 days left to 30 June
    assert message.link == f"/inspections/visits/new/?entity={second.pk}"
    assert not inbox(done_login)


def test_in_quarter_is_quiet_between_sending_days_and_repeats_on_the_next(world):
    # given the 1 May reminder sent
    run("in_quarter", D(2026, 5, 1))
    # when the job runs every day until 1 June
    counts = {}
    day = D(2026, 5, 2)
    while day <= D(2026, 6, 1):
        counts[day] = run("in_quarter", day).messages
        day += datetime.timedelta(days=1)
    # then only 1 June sends again
    assert {d: n for d, n in counts.items() if n} == {D(2026, 6, 1): 1}
    assert run("in_quarter", D(2026, 5, 20)).period is None


def test_weekly_reminders_in_the_last_two_weeks(world):
    # when the job runs on the last Mondays, and on the last day (a Tuesday)
    sent = [run("in_quarter", day).messages for day in (D(2026, 6, 22), D(2026, 6, 29))]
    last_day = run("in_quarter", D(2026, 6, 30))
    # then each Monday sends, the last day only repeats the 29th's (already sent)
    assert sent == [1, 1]
    assert last_day.period == "2026-06-29" and last_day.messages == 0


def test_policy_change_moves_the_in_quarter_day_without_restart(world):
    # given the admin moves the monthly reminder to the 15th
    ReminderPolicy(in_quarter_day=15).save()
    # when the job runs on 1 May and on 15 May
    first, fifteenth = run("in_quarter", D(2026, 5, 1)), run("in_quarter", D(2026, 5, 15))
    # then only the 15th sends
    assert first.period is None
    assert fifteenth.period == "2026-05-15" and fifteenth.messages == 1


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
