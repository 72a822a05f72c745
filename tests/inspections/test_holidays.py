"""Holiday arrangements (放假安排) entered by the office: working days of a year the calendar
package does not know, a row overriding the package, the warnings when the coming quarter's year
has no data, the admin pages and the ``holidays`` command."""

import datetime
import io
import logging
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.core.management import CommandError, call_command

from inspections.holidays import (
    HolidayRow,
    holiday_set,
    holidays_fill_from_package,
    holidays_load,
    year_has_holiday_data,
)
from inspections.models import Holiday, HolidayKind
from inspections.reminders import add_working_days, gap_cutoff, is_working_day, reminders_run

pytestmark = pytest.mark.django_db
D = datetime.date
OFF, WORK = HolidayKind.DAY_OFF, HolidayKind.WORKING_DAY
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Q4 2026: the coming quarter is 2027 Q1, a year chinese-calendar 1.11 does not know.
BEFORE_2027 = datetime.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)
POLICY_PAGE = "/admin/inspections/reminderpolicy/add/"


def enter_spring_festival_2027() -> None:
    """春节 2027: Saturday 6 to Friday 12 February off, Sunday 14 February worked (调休)."""
    days = [HolidayRow(D(2027, 2, 6) + datetime.timedelta(days=i), OFF, "春节") for i in range(7)]
    holidays_load(rows=[*days, HolidayRow(D(2027, 2, 14), WORK, "春节")])


def write_csv(tmp_path, text: str):
    path = tmp_path / "holidays.csv"
    path.write_text(text, encoding="utf-8")
    return path


def warnings_of(page) -> list[str]:
    return [str(m) for m in page.context["messages"] if "2027" in str(m)]


# --- working days ------------------------------------------------------------------------------


def test_an_entered_year_follows_the_table_not_monday_to_friday():
    # given 2027, unknown to the package, with 春节 entered
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 2, 8))
    enter_spring_festival_2027()
    # then the holiday's weekdays are off and the 调休 Sunday is worked
    assert not is_working_day(D(2027, 2, 8))  # a Monday of 春节
    assert not is_working_day(D(2027, 2, 12))  # a Friday of 春节
    assert is_working_day(D(2027, 2, 14))  # a Sunday made a working day
    # and the days without a row are Monday to Friday
    assert not is_working_day(D(2027, 2, 13))  # a Saturday
    assert is_working_day(D(2027, 2, 15))  # a Monday
    # and counting across the holiday skips it (Monday to Friday would give 8 and 9 February)
    assert add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 14)
    assert add_working_days(D(2027, 2, 5), 2) == D(2027, 2, 15)
    # and a gap is over the limit of 3 working days from the last day before the 调休 Sunday
    assert gap_cutoff(D(2027, 2, 17), 3) == D(2027, 2, 13)


def test_a_table_row_overrides_the_package_for_a_year_it_knows():
    # given 2026 copied from the package, where Saturday 14 February is a 调休 working day
    assert chinese_calendar.is_workday(D(2026, 2, 14))
    assert holidays_fill_from_package(year=2026) > 0
    # when the office makes it a day off
    holiday_set(day=D(2026, 2, 14), kind=OFF, name="春节", note="本地安排")
    # then the table wins that day, and the package's other days still hold (they were copied)
    assert not is_working_day(D(2026, 2, 14))
    assert not is_working_day(D(2026, 2, 16))  # a Monday of 春节
    assert is_working_day(D(2026, 2, 28))  # a 调休 Saturday
    assert Holiday.objects.get(day=D(2026, 2, 14)).note == "本地安排"


def test_one_row_makes_the_whole_year_the_offices():
    # given 2026, known to the package, with a single day entered
    holiday_set(day=D(2026, 3, 2), kind=OFF, name="地方假日")
    # then the package no longer decides 2026: its 春节 Monday is Monday to Friday again
    assert not is_working_day(D(2026, 3, 2))
    assert is_working_day(D(2026, 2, 16))
    # and another year is untouched
    assert not is_working_day(D(2025, 10, 6))


def test_counting_working_days_reads_each_year_once(django_assert_max_num_queries):
    # given a table for 2027
    enter_spring_festival_2027()
    # when 60 working days are counted across the new year, then one query per year
    with django_assert_max_num_queries(2):
        end = add_working_days(D(2026, 12, 1), 60)
    assert end == D(2027, 3, 1)  # Monday to Friday would give 23 February
    with django_assert_max_num_queries(2):
        gap_cutoff(D(2027, 1, 10), 20)


# --- warnings when the coming quarter's year has no data ---------------------------------------


def test_an_empty_year_has_no_data_and_the_policy_page_warns(admin_client):
    # given nothing entered for 2027
    assert not year_has_holiday_data(2027)
    assert year_has_holiday_data(2026)  # the package knows it
    # when the admin opens the reminder policy in Q4 2026
    with time_machine.travel(BEFORE_2027, tick=False):
        page = admin_client.get(POLICY_PAGE)
    # then one warning names 2027 and where to enter it
    assert page.status_code == 200
    [warning] = warnings_of(page)
    assert "尚未录入" in warning and "manage.py holidays load" in warning
    assert "2027" in page.content.decode()


def test_an_entered_year_has_data_and_the_policy_page_is_quiet(admin_client):
    # given 2027 entered
    enter_spring_festival_2027()
    assert year_has_holiday_data(2027)
    # when
    with time_machine.travel(BEFORE_2027, tick=False):
        page = admin_client.get(POLICY_PAGE)
    # then
    assert page.status_code == 200
    assert warnings_of(page) == []


def test_the_reminder_run_logs_the_missing_year_once(caplog):
    # given nothing entered for 2027, when a job runs in Q4 2026
    with caplog.at_level(logging.WARNING, logger="inspections.reminders"):
        reminders_run(kind="coverage_gap", today=D(2026, 11, 20), sink=len)
    # then one warning names the year
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "2027" in r.message]
    assert len(warned) == 1
    assert "holidays load" in warned[0].message


def test_the_reminder_run_is_quiet_when_the_year_is_entered(caplog):
    # given 2027 entered
    enter_spring_festival_2027()
    # when
    with caplog.at_level(logging.WARNING, logger="inspections.reminders"):
        reminders_run(kind="coverage_gap", today=D(2026, 11, 20), sink=len)
    # then
    assert not [r for r in caplog.records if "holiday data" in r.message]


# --- admin and command -------------------------------------------------------------------------


def test_the_holiday_admin_lists_filters_and_searches(admin_client):
    # given 2027's 春节 and a 2026 day
    enter_spring_festival_2027()
    holiday_set(day=D(2026, 10, 1), kind=OFF, name="国庆节")
    # when the admin lists 2027's working days named 春节
    page = admin_client.get("/admin/inspections/holiday/?day__year=2027&kind=work&q=春节")
    # then only the 调休 Sunday is listed
    assert page.status_code == 200
    assert [h.day for h in page.context["cl"].result_list] == [D(2027, 2, 14)]


def test_the_command_loads_a_csv_and_a_second_load_changes_nothing(tmp_path):
    # given a file with a header, a day off in Chinese words and a 调休 day
    path = write_csv(
        tmp_path, "day,kind,name,note\n2027-02-08,休,春节,\n2027/2/14,work,春节,调休\n"
    )
    out = io.StringIO()
    # when
    call_command("holidays", "load", str(path), stdout=out)
    call_command("holidays", "load", str(path), stdout=out)
    # then both days are entered once, and the second load says it changed nothing
    assert list(Holiday.objects.values_list("day", "kind", "note")) == [
        (D(2027, 2, 8), OFF, ""),
        (D(2027, 2, 14), WORK, "调休"),
    ]
    first, second = out.getvalue().splitlines()
    assert "2" in first and "0" in second and "新增或修改" in second
    # and the list shows them
    listed = io.StringIO()
    call_command("holidays", "list", "--year", "2027", stdout=listed)
    assert "2027-02-14" in listed.getvalue() and "春节" in listed.getvalue()


def test_a_csv_with_one_bad_row_changes_nothing_and_says_why_in_chinese(tmp_path):
    # given an entered day and a file that would change it, with a bad date on line 3
    holiday_set(day=D(2027, 2, 8), kind=OFF, name="春节")
    path = write_csv(tmp_path, "day,kind,name\n2027-02-08,work,改\n2027-02-30,休,春节\n")
    err = io.StringIO()
    # when
    with pytest.raises(CommandError) as refused:
        call_command("holidays", "load", str(path), stderr=err)
    # then nothing changed, and the error names the line and the value in Chinese
    assert list(Holiday.objects.values_list("day", "kind", "name")) == [
        (D(2027, 2, 8), OFF, "春节")
    ]
    assert "未做任何更改" in str(refused.value)
    assert "第 3 行" in err.getvalue() and "2027-02-30" in err.getvalue()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("day,kind\n2027-02-08,休\n", "name"),
        ("day,kind,name\n2027-02-08,假,春节\n", "假"),
        ("day,kind,name\n2027-02-08,休,\n", "名称"),
        ("day,kind,name\n2027-02-08,休,春节\n2027-02-08,休,春节\n", "第 2 行"),
    ],
)
def test_the_command_refuses_bad_files(tmp_path, text, error):
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("holidays", "load", str(write_csv(tmp_path, text)), stderr=err)
    assert error in str(refused.value) + err.getvalue()
    assert not Holiday.objects.exists()


def test_fill_from_package_copies_a_known_year_and_refuses_an_unknown_one():
    # when
    call_command("holidays", "fill-from-package", "--year", "2026", stdout=io.StringIO())
    # then the package's days of 2026 are in the table, named in Chinese
    spring = Holiday.objects.get(day=D(2026, 2, 16))
    assert (spring.kind, spring.name) == (OFF, "春节")
    assert Holiday.objects.get(day=D(2026, 2, 28)).kind == WORK
    # and a year the package does not know is refused
    with pytest.raises(CommandError, match="2027"):
        call_command("holidays", "fill-from-package", "--year", "2027")
