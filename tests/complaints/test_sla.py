"""Business-hours arithmetic (apps/complaints/sla.py): plain data, no database.

The week used: Monday 2025-03-03 … Sunday 2025-03-09, Monday 2025-03-10; Asia/Shanghai has no DST.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.complaints.sla import Calendar as SlaCalendar
from apps.complaints.sla import CalendarError, add_business_seconds, business_seconds_between

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600

NINE_TO_SIX = {day: [(time(9), time(18))] for day in range(5)}
OFFICE = SlaCalendar(tz=SHANGHAI, hours=NINE_TO_SIX)
# Tuesday 2025-03-04 is a holiday.
OFFICE_WITH_HOLIDAY = SlaCalendar(tz=SHANGHAI, hours=NINE_TO_SIX, holidays=frozenset({date(2025, 3, 4)}))
# A lunch break; the afternoon period is listed first on purpose (periods are sorted).
LUNCH_BREAK = SlaCalendar(
    tz=SHANGHAI, hours={day: [(time(13), time(18)), (time(9), time(12))] for day in range(5)}
)
EVENING_SHIFT = SlaCalendar(tz=SHANGHAI, hours={day: [(time(16), time(0))] for day in range(7)})
ALWAYS_OPEN = SlaCalendar(tz=SHANGHAI, always_open=True)


def at(day: int, hour: int, minute: int = 0, tz=SHANGHAI) -> datetime:
    """A moment in March 2025 (3 = Monday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=tz)


# --- add_business_seconds ----------------------------------------------------------------------


def test_add_inside_working_hours_is_plain_addition():
    assert add_business_seconds(at(3, 10), 2 * HOUR, OFFICE) == at(3, 12)


def test_add_crossing_the_evening_continues_next_morning():
    assert add_business_seconds(at(3, 17), 2 * HOUR, OFFICE) == at(4, 10)


def test_add_crossing_the_weekend_friday_1730_plus_2h_is_monday_1030():
    assert add_business_seconds(at(7, 17, 30), 2 * HOUR, OFFICE) == at(10, 10, 30)


def test_add_filling_the_day_exactly_ends_at_closing_time_not_next_morning():
    assert add_business_seconds(at(3, 9), 9 * HOUR, OFFICE) == at(3, 18)


def test_add_starting_before_opening_counts_from_opening():
    assert add_business_seconds(at(3, 7), HOUR, OFFICE) == at(3, 10)


def test_add_starting_after_closing_counts_from_next_opening():
    assert add_business_seconds(at(3, 19), HOUR, OFFICE) == at(4, 10)


def test_add_starting_on_a_weekend_counts_from_monday():
    assert add_business_seconds(at(8, 12), HOUR, OFFICE) == at(10, 10)


def test_add_starting_on_a_holiday_counts_from_the_next_working_day():
    assert add_business_seconds(at(4, 10), HOUR, OFFICE_WITH_HOLIDAY) == at(5, 10)


def test_add_skips_a_holiday_in_the_middle():
    assert add_business_seconds(at(3, 17), 2 * HOUR, OFFICE_WITH_HOLIDAY) == at(5, 10)


def test_add_skips_the_lunch_break():
    assert add_business_seconds(at(3, 11), 2 * HOUR, LUNCH_BREAK) == at(3, 14)


def test_add_starting_during_the_lunch_break_counts_from_the_afternoon():
    assert add_business_seconds(at(3, 12, 30), HOUR, LUNCH_BREAK) == at(3, 14)


def test_add_with_a_period_ending_at_midnight_runs_until_the_end_of_the_day():
    assert add_business_seconds(at(3, 23), HOUR, EVENING_SHIFT) == at(4, 0)
    assert add_business_seconds(at(3, 23), 2 * HOUR, EVENING_SHIFT) == at(4, 17)


def test_add_on_a_round_the_clock_calendar_ignores_hours():
    assert add_business_seconds(at(7, 17, 30), 2 * HOUR, ALWAYS_OPEN) == at(7, 19, 30)
    assert add_business_seconds(at(8, 23), 2 * HOUR, ALWAYS_OPEN) == at(9, 1)


def test_add_with_midnight_to_midnight_periods_every_day_equals_round_the_clock():
    every_hour = SlaCalendar(tz=SHANGHAI, hours={day: [(time(0), time(0))] for day in range(7)})
    assert add_business_seconds(at(8, 23), 2 * HOUR, every_hour) == at(9, 1)
    assert add_business_seconds(at(3, 10), 100 * HOUR, every_hour) == at(7, 14)


def test_add_zero_seconds_inside_hours_is_the_start_itself():
    assert add_business_seconds(at(3, 10, 15), 0, OFFICE) == at(3, 10, 15)


def test_add_zero_seconds_outside_hours_is_the_next_opening():
    assert add_business_seconds(at(8, 12), 0, OFFICE) == at(10, 9)


def test_add_answers_in_the_time_zone_of_the_start():
    start = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    due = add_business_seconds(start, 9 * HOUR, OFFICE)
    assert due == datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
    assert due.tzinfo is UTC


def test_shanghai_days_are_always_24_hours_even_when_europe_changes_its_clocks():
    # 2025-03-30: Europe springs forward; Shanghai has no DST, so a day is 86,400 seconds.
    start = datetime(2025, 3, 29, 12, tzinfo=SHANGHAI)
    assert add_business_seconds(start, 24 * HOUR, ALWAYS_OPEN) == datetime(2025, 3, 30, 12, tzinfo=SHANGHAI)
    assert business_seconds_between(start, datetime(2025, 3, 31, 12, tzinfo=SHANGHAI), ALWAYS_OPEN) == (
        48 * HOUR
    )


def test_a_zone_with_dst_counts_elapsed_time_not_wall_clock_time():
    # Berlin, 2025-03-30: 02:00 becomes 03:00, so that day has 23 hours.
    round_the_clock = SlaCalendar(tz=BERLIN, always_open=True)
    midnight_periods = SlaCalendar(tz=BERLIN, hours={day: [(time(0), time(0))] for day in range(7)})
    start = datetime(2025, 3, 30, 1, 0, tzinfo=BERLIN)
    for calendar in (round_the_clock, midnight_periods):
        due = add_business_seconds(start, 2 * HOUR, calendar)
        assert due == datetime(2025, 3, 30, 4, 0, tzinfo=BERLIN)
        assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=2)
        day = (datetime(2025, 3, 30, tzinfo=BERLIN), datetime(2025, 3, 31, tzinfo=BERLIN))
        assert business_seconds_between(*day, calendar) == 23 * HOUR


def test_a_calendar_with_no_working_hours_is_refused():
    with pytest.raises(CalendarError, match="^the calendar has no working time in the next ten years$"):
        add_business_seconds(at(3, 10), 1, SlaCalendar(tz=SHANGHAI))


def test_a_calendar_open_one_day_a_week_waits_for_that_day():
    monday_only = SlaCalendar(tz=SHANGHAI, hours={0: [(time(9), time(18))]})
    assert add_business_seconds(at(4, 10), HOUR, monday_only) == at(10, 10)


def test_a_period_that_ends_before_it_starts_is_no_working_time():
    overnight = SlaCalendar(tz=SHANGHAI, hours={3: [(time(18), time(9))]})
    with pytest.raises(CalendarError, match="^the calendar has no working time in the next ten years$"):
        add_business_seconds(at(3, 10), HOUR, overnight)


def test_add_refuses_a_naive_start():
    with pytest.raises(CalendarError, match="^start must be timezone-aware$"):
        add_business_seconds(datetime(2025, 3, 3, 10), HOUR, OFFICE)  # noqa: DTZ001


def test_add_refuses_negative_seconds():
    with pytest.raises(CalendarError, match="^seconds must not be negative$"):
        add_business_seconds(at(3, 10), -1, OFFICE)


# --- business_seconds_between ------------------------------------------------------------------


def test_between_inside_one_period():
    assert business_seconds_between(at(3, 10), at(3, 12, 30), OFFICE) == 9000


def test_between_friday_evening_and_monday_morning_counts_only_working_time():
    assert business_seconds_between(at(7, 17, 30), at(10, 10, 30), OFFICE) == 2 * HOUR


def test_between_a_whole_week_is_five_working_days():
    assert business_seconds_between(at(3, 0), at(10, 0), OFFICE) == 45 * HOUR


def test_between_leaves_out_holidays_and_lunch_breaks():
    assert business_seconds_between(at(3, 17), at(5, 10), OFFICE_WITH_HOLIDAY) == 2 * HOUR
    assert business_seconds_between(at(3, 11), at(3, 14), LUNCH_BREAK) == 2 * HOUR


def test_between_counts_a_period_ending_at_midnight():
    assert business_seconds_between(at(3, 22), at(4, 17), EVENING_SHIFT) == 3 * HOUR


def test_between_outside_hours_is_zero():
    assert business_seconds_between(at(8, 0), at(10, 9), OFFICE) == 0


def test_between_on_a_round_the_clock_calendar_is_elapsed_time():
    assert business_seconds_between(at(7, 17, 30), at(10, 10, 30), ALWAYS_OPEN) == 65 * HOUR


def test_between_is_zero_when_the_end_is_not_after_the_start():
    assert business_seconds_between(at(3, 12), at(3, 12), OFFICE) == 0
    assert business_seconds_between(at(3, 12), at(3, 10), OFFICE) == 0


def test_between_with_no_working_hours_is_zero():
    assert business_seconds_between(at(3, 0), at(10, 0), SlaCalendar(tz=SHANGHAI)) == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [(datetime(2025, 3, 3, 10), at(3, 12)), (at(3, 10), datetime(2025, 3, 3, 12))],  # noqa: DTZ001
    ids=["naive start", "naive end"],
)
def test_between_refuses_naive_times(start, end):
    with pytest.raises(CalendarError, match="^times must be timezone-aware$"):
        business_seconds_between(start, end, OFFICE)


@pytest.mark.parametrize(
    "calendar",
    [OFFICE, OFFICE_WITH_HOLIDAY, LUNCH_BREAK, EVENING_SHIFT, ALWAYS_OPEN],
    ids=["office", "holiday", "lunch break", "evening shift", "24x7"],
)
@pytest.mark.parametrize(
    "start",
    [at(3, 10), at(3, 7), at(3, 19), at(4, 12, 30), at(7, 17, 30), at(8, 12), at(3, 23, 59)],
    ids=["inside", "before opening", "after closing", "lunch/holiday", "friday", "saturday", "late"],
)
@pytest.mark.parametrize("seconds", [0, 1, 1800, 2 * HOUR, 9 * HOUR, 40 * HOUR, 1_000_000])
def test_between_is_the_inverse_of_add(calendar, start, seconds):
    due = add_business_seconds(start, seconds, calendar)
    assert due >= start
    assert business_seconds_between(start, due, calendar) == seconds
