"""The quarter rules: calendar quarters in Asia/Shanghai local time."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from inspections.quarters import Quarter

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC


def test_the_last_second_of_march_is_still_the_first_quarter():
    # given the last second of 31 March, local time
    moment = datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=SHANGHAI)
    # when its quarter is taken
    quarter = Quarter.of(moment)
    # then it is Q1
    assert quarter == Quarter(2026, 1)


def test_midnight_on_the_first_of_april_is_the_second_quarter():
    moment = datetime.datetime(2026, 4, 1, 0, 0, 0, tzinfo=SHANGHAI)
    assert Quarter.of(moment) == Quarter(2026, 2)


def test_a_utc_time_on_31_march_that_is_already_april_in_shanghai_is_the_second_quarter():
    # given 16:30 UTC on 31 March, which is 00:30 on 1 April in Shanghai
    moment = datetime.datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    # when its quarter is taken
    quarter = Quarter.of(moment)
    # then the local date decides
    assert quarter == Quarter(2026, 2)
    assert Quarter.of(datetime.datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)) == Quarter(2026, 1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 1, 1), Quarter(2026, 1)),
        (datetime.date(2026, 6, 30), Quarter(2026, 2)),
        (datetime.date(2026, 7, 1), Quarter(2026, 3)),
        (datetime.date(2026, 12, 31), Quarter(2026, 4)),
    ],
)
def test_a_local_date_falls_in_its_calendar_quarter(day, expected):
    assert Quarter.of(day) == expected


def test_an_instant_falls_in_its_local_quarter():
    # given 17:00 UTC on 31 December 2026: already 2027 in Shanghai
    instant = datetime.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    # when its quarter is asked, then it is 2027 Q1
    assert Quarter.of(instant) == Quarter(2027, 1)


def test_next_and_previous_cross_the_year():
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Quarter(2026, 2).next() == Quarter(2026, 3)
    assert Quarter(2026, 3).previous() == Quarter(2026, 2)


def test_first_and_last_days():
    assert Quarter(2026, 1).first_day == datetime.date(2026, 1, 1)
    assert Quarter(2026, 1).last_day == datetime.date(2026, 3, 31)
    assert Quarter(2028, 1).last_day == datetime.date(2028, 3, 31)
    assert Quarter(2026, 4).last_day == datetime.date(2026, 12, 31)


def test_parse_reads_the_code_form_and_round_trips():
    assert Quarter.parse("2026Q3") == Quarter(2026, 3)
    assert Quarter.parse(" 2026q1 ") == Quarter(2026, 1)
    assert str(Quarter(2026, 3)) == "2026Q3"
    assert Quarter.from_code(Quarter(2026, 3).code) == Quarter(2026, 3)
    assert Quarter(2026, 3).code == 20263


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "2026", "Q3", "nonsense", ""])
def test_parse_refuses_what_is_not_a_quarter(text):
    with pytest.raises(ValueError):
        Quarter.parse(text)


def test_reference_day_is_today_inside_the_quarter_and_the_last_day_after_it():
    quarter = Quarter(2026, 2)
    assert quarter.reference_day(datetime.date(2026, 5, 10)) == datetime.date(2026, 5, 10)
    assert quarter.reference_day(datetime.date(2026, 11, 24)) == datetime.date(2026, 6, 30)
    # a quarter not yet begun is judged on its first day
    assert quarter.reference_day(datetime.date(2026, 1, 5)) == datetime.date(2026, 4, 1)


def test_days_left_counts_today_and_the_last_day():
    quarter = Quarter(2026, 4)
    assert quarter.days_left(datetime.date(2026, 12, 31)) == 1
    assert quarter.days_left(datetime.date(2026, 12, 1)) == 31
    assert quarter.days_left(datetime.date(2027, 1, 1)) == 0
    # before the quarter starts: the whole quarter is left
    assert quarter.days_left(datetime.date(2026, 9, 1)) == 92
