"""Reminder and warning selection (督导提醒与预警): working days, the quarter's start, during the quarter."""

import datetime

import pytest

from baobao.models import Level, NotificationKind
from cadres.models import CadreStatus
from entities.models import EntityStatus
from inspections.models import ReminderPolicy
from inspections.quarters import Quarter
from inspections.reminders import add_working_days, gap_cutoff, in_quarter_days, is_working_day
from tests.factories import AssignmentFactory, CadreFactory, EntityFactory, cadre_user, village
from tests.inspections.reminders_support import D, _fast_passwords, at, inbox, run, visit  # noqa: F401 (_fast_passwords is autouse)

pytestmark = pytest.mark.django_db


Q2 = Quarter(2026, 2)


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
