"""Stories about when a backup rule's schedule fires: cron(), rate() and at(), in UTC and in local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lambdas.domain.schedule_expressions import (
    InvalidScheduleExpression,
    ScheduleExpression,
    parse_schedule_expression,
    validate_timezone,
)

NEW_YORK = "America/New_York"
NEW_YORK_ZONE = ZoneInfo(NEW_YORK)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def next_firings(expression: str, after: datetime, count: int, tz: str = "UTC") -> list[datetime]:
    schedule = parse_schedule_expression(expression)
    firings: list[datetime] = []
    for _ in range(count):
        following = schedule.next_after(after, tz)
        assert following is not None
        firings.append(following)
        after = following
    return firings


# --- cron ---------------------------------------------------------------------------------------------


def test_given_a_daily_cron_when_asked_the_evening_before_then_it_fires_at_five_next_morning() -> None:
    schedule = parse_schedule_expression("cron(0 5 ? * * *)")

    assert schedule.next_after(utc(2024, 3, 9, 22)) == utc(2024, 3, 10, 5)


def test_given_a_daily_cron_when_asked_at_its_exact_firing_time_then_the_next_is_tomorrow() -> None:
    # Strictly after: a scheduler that asks at the firing instant must not fire the same window twice.
    schedule = parse_schedule_expression("cron(0 5 ? * * *)")

    assert schedule.next_after(utc(2024, 3, 10, 5)) == utc(2024, 3, 11, 5)
    assert schedule.next_after(utc(2024, 3, 10, 5, 0, 30)) == utc(2024, 3, 11, 5)


def test_given_an_after_in_another_offset_then_the_answer_is_the_same_instant_in_utc() -> None:
    schedule = parse_schedule_expression("cron(0 5 ? * * *)")
    tokyo_evening = datetime(2024, 3, 10, 7, 0, tzinfo=timezone(timedelta(hours=9)))  # 2024-03-09T22:00Z

    firing = schedule.next_after(tokyo_evening)

    assert firing == utc(2024, 3, 10, 5)
    assert firing is not None and firing.tzinfo == UTC


def test_given_a_daily_cron_in_new_york_then_it_fires_at_local_five_in_winter_and_in_summer() -> None:
    schedule = parse_schedule_expression("cron(0 5 ? * * *)")

    assert schedule.next_after(utc(2024, 1, 15), NEW_YORK) == utc(2024, 1, 15, 10)  # EST, UTC-5
    assert schedule.next_after(utc(2024, 7, 15), NEW_YORK) == utc(2024, 7, 15, 9)  # EDT, UTC-4


def test_given_an_hourly_cron_in_new_york_when_clocks_spring_forward_then_it_keeps_firing_hourly() -> None:
    # On 2024-03-10 New York jumps from 02:00 EST to 03:00 EDT: local 02:00 does not exist.
    schedule = parse_schedule_expression("cron(0 * ? * * *)")

    firings = schedule.firings_between(utc(2024, 3, 10, 4, 30), utc(2024, 3, 10, 9), NEW_YORK)

    assert firings == [utc(2024, 3, 10, hour) for hour in (5, 6, 7, 8, 9)]
    assert [firing.astimezone(NEW_YORK_ZONE).hour for firing in firings] == [0, 1, 3, 4, 5]


def test_given_an_hourly_cron_in_new_york_when_clocks_fall_back_then_the_repeated_hour_fires_once() -> None:
    # On 2024-11-03 New York goes from 02:00 EDT back to 01:00 EST: local 01:00 happens twice.
    schedule = parse_schedule_expression("cron(0 * ? * * *)")

    firings = schedule.firings_between(utc(2024, 11, 3, 3, 30), utc(2024, 11, 3, 8), NEW_YORK)

    assert firings == [utc(2024, 11, 3, 4), utc(2024, 11, 3, 5), utc(2024, 11, 3, 7), utc(2024, 11, 3, 8)]
    assert [firing.astimezone(NEW_YORK_ZONE).hour for firing in firings] == [0, 1, 2, 3]


def test_given_a_time_inside_the_repeated_hour_when_asking_next_then_it_does_not_fire_that_hour_again() -> None:
    schedule = parse_schedule_expression("cron(45 1 ? * * *)")
    second_pass_of_one_thirty = utc(2024, 11, 3, 6, 30)  # 01:30 EST, after 01:45 EDT already fired

    assert schedule.next_after(second_pass_of_one_thirty, NEW_YORK) == utc(2024, 11, 4, 6, 45)


def test_given_a_daily_cron_at_a_local_time_that_does_not_exist_then_that_day_is_skipped() -> None:
    # EventBridge Scheduler skips an invocation that falls in the spring-forward gap.
    schedule = parse_schedule_expression("cron(30 2 ? * * *)")

    firings = schedule.firings_between(utc(2024, 3, 9), utc(2024, 3, 12), NEW_YORK)

    assert firings == [utc(2024, 3, 9, 7, 30), utc(2024, 3, 11, 6, 30)]


def test_given_last_day_of_month_then_it_fires_on_31_29_in_a_leap_february_and_30() -> None:
    firings = next_firings("cron(0 0 L * ? *)", utc(2024, 1, 15), 4)

    assert firings == [utc(2024, 1, 31), utc(2024, 2, 29), utc(2024, 3, 31), utc(2024, 4, 30)]


def test_given_last_day_of_month_in_a_common_year_then_february_ends_on_the_28th() -> None:
    assert next_firings("cron(0 0 L * ? *)", utc(2023, 2, 1), 1) == [utc(2023, 2, 28)]


def test_given_the_third_friday_then_it_fires_on_the_third_friday_of_each_month() -> None:
    firings = next_firings("cron(0 12 ? * 6#3 *)", utc(2024, 1, 1), 3)

    assert firings == [utc(2024, 1, 19, 12), utc(2024, 2, 16, 12), utc(2024, 3, 15, 12)]
    assert {firing.strftime("%A") for firing in firings} == {"Friday"}


def test_given_the_last_friday_and_a_bare_l_in_day_of_week_then_last_friday_and_every_saturday() -> None:
    assert next_firings("cron(0 0 ? * 6L *)", utc(2024, 1, 1), 2) == [utc(2024, 1, 26), utc(2024, 2, 23)]
    # May 2024 has Fridays on the 24th and the 31st: only the 31st is the last one.
    assert next_firings("cron(0 0 ? * 6L *)", utc(2024, 5, 1), 1) == [utc(2024, 5, 31)]
    assert next_firings("cron(0 0 ? * L *)", utc(2024, 1, 1), 2) == [utc(2024, 1, 6), utc(2024, 1, 13)]


@pytest.mark.parametrize(
    ("month", "expected_day"),
    [
        pytest.param(5, 15, id="the 15th is a Wednesday: the 15th"),
        pytest.param(6, 14, id="the 15th is a Saturday: Friday the 14th"),
        pytest.param(9, 16, id="the 15th is a Sunday: Monday the 16th"),
    ],
)
def test_given_nearest_weekday_to_the_15th_then_a_weekend_15th_moves_to_the_closest_weekday(
    month: int, expected_day: int
) -> None:
    schedule = parse_schedule_expression("cron(0 8 15W * ? *)")

    assert schedule.next_after(utc(2024, month, 1)) == utc(2024, month, expected_day, 8)


def test_given_nearest_weekday_when_the_1st_is_a_saturday_then_it_does_not_leave_the_month() -> None:
    # 2024-06-01 is a Saturday: the nearest weekday inside June is Monday the 3rd, not Friday May 31.
    assert next_firings("cron(0 8 1W * ? *)", utc(2024, 5, 31, 9), 1) == [utc(2024, 6, 3, 8)]


def test_given_last_weekday_of_month_then_a_month_ending_on_a_sunday_fires_on_friday() -> None:
    # 2024-03-31 is a Sunday.
    assert next_firings("cron(0 0 LW * ? *)", utc(2024, 3, 1), 1) == [utc(2024, 3, 29)]


def test_given_every_quarter_hour_on_weekdays_when_friday_night_ends_then_it_resumes_monday() -> None:
    schedule = parse_schedule_expression("cron(0/15 * ? * MON-FRI *)")

    firings = schedule.firings_between(utc(2024, 1, 5, 23, 20), utc(2024, 1, 8, 0, 15))

    assert firings == [
        utc(2024, 1, 5, 23, 30),
        utc(2024, 1, 5, 23, 45),
        utc(2024, 1, 8),
        utc(2024, 1, 8, 0, 15),
    ]


def test_given_a_stepped_range_and_lowercase_names_then_each_field_is_honoured() -> None:
    schedule = parse_schedule_expression("cron(5-30/10 1 ? jan,Jul sat 2025)")

    firings = schedule.firings_between(utc(2025, 1, 1), utc(2025, 1, 5))

    assert firings == [utc(2025, 1, 4, 1, 5), utc(2025, 1, 4, 1, 15), utc(2025, 1, 4, 1, 25)]
    assert schedule.next_after(utc(2025, 2, 1)) == utc(2025, 7, 5, 1, 5)


def test_given_a_wrapping_day_of_week_range_then_it_covers_friday_through_monday() -> None:
    firings = next_firings("cron(0 0 ? * FRI-MON *)", utc(2024, 1, 1, 1), 4)  # Monday 01:00

    assert [firing.strftime("%a") for firing in firings] == ["Fri", "Sat", "Sun", "Mon"]


def test_given_a_cron_whose_years_are_over_then_there_is_no_next_firing() -> None:
    schedule = parse_schedule_expression("cron(0 0 1 1 ? 2024)")

    assert schedule.next_after(utc(2023, 6, 1)) == utc(2024, 1, 1)
    assert schedule.next_after(utc(2024, 1, 1)) is None


def test_given_a_date_that_never_exists_then_there_is_no_next_firing() -> None:
    assert parse_schedule_expression("cron(0 0 30 2 ? *)").next_after(utc(2024, 1, 1)) is None


# --- rate ---------------------------------------------------------------------------------------------


def test_given_a_rate_in_minutes_then_firings_are_multiples_of_the_period_since_the_epoch() -> None:
    schedule = parse_schedule_expression("rate(5 minutes)")

    assert schedule.next_after(utc(2024, 1, 1, 10, 2, 30)) == utc(2024, 1, 1, 10, 5)
    assert schedule.next_after(utc(2024, 1, 1, 10, 5)) == utc(2024, 1, 1, 10, 10)


def test_given_a_rate_of_one_day_then_it_ignores_the_time_zone_and_fires_every_24_hours() -> None:
    schedule = parse_schedule_expression("rate(1 day)")

    firings = schedule.firings_between(utc(2024, 3, 9, 12), utc(2024, 3, 12, 12), NEW_YORK)

    assert firings == [utc(2024, 3, 10), utc(2024, 3, 11), utc(2024, 3, 12)]


def test_given_rates_in_hours_then_the_period_is_exact() -> None:
    assert next_firings("rate(2 hours)", utc(2024, 1, 1, 1), 2) == [utc(2024, 1, 1, 2), utc(2024, 1, 1, 4)]
    assert next_firings("rate(1 hour)", utc(2024, 1, 1, 1, 59), 1) == [utc(2024, 1, 1, 2)]


# --- at -----------------------------------------------------------------------------------------------


def test_given_a_one_time_schedule_in_paris_then_it_fires_once_at_that_local_time() -> None:
    schedule = parse_schedule_expression("at(2024-07-01T09:00:00)")

    assert schedule.next_after(utc(2024, 6, 1), "Europe/Paris") == utc(2024, 7, 1, 7)
    assert schedule.firings_between(utc(2024, 6, 1), utc(2025, 6, 1), "Europe/Paris") == [utc(2024, 7, 1, 7)]


def test_given_a_one_time_schedule_in_the_past_then_it_never_fires_again() -> None:
    schedule = parse_schedule_expression("at(2024-07-01T09:00:00)")

    assert schedule.next_after(utc(2024, 7, 1, 9)) is None


def test_given_a_one_time_schedule_in_the_spring_forward_gap_then_it_still_fires_once() -> None:
    # Skipping a one-time schedule would lose it for good, so it fires as the clock passes that time.
    schedule = parse_schedule_expression("at(2024-03-10T02:30:00)")

    assert schedule.next_after(utc(2024, 3, 1), NEW_YORK) == utc(2024, 3, 10, 7, 30)


# --- over a long span ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "days"), [(2023, 365), (2024, 366)])
def test_given_a_daily_cron_over_a_whole_year_then_it_fires_once_a_day(year: int, days: int) -> None:
    schedule = parse_schedule_expression("cron(0 5 ? * * *)")

    firings = schedule.firings_between(utc(year - 1, 12, 31, 5), utc(year, 12, 31, 5))

    assert len(firings) == days
    assert firings[0] == utc(year, 1, 1, 5)
    assert firings[-1] == utc(year, 12, 31, 5)


def test_given_an_hourly_cron_over_a_year_in_new_york_then_only_the_repeated_hour_is_not_fired() -> None:
    # 2024 has 8784 hours. In spring no hour is lost (local 02:00 never exists, 03:00 EDT follows 01:00 EST);
    # in autumn the second 01:00 does not fire again.
    schedule = parse_schedule_expression("cron(0 * ? * * *)")

    firings = schedule.firings_between(utc(2024, 1, 1, 4, 30), utc(2025, 1, 1, 4, 30), NEW_YORK)

    assert len(firings) == 8784 - 1
    assert firings == sorted(set(firings))


# --- min_interval -------------------------------------------------------------------------------------


def test_given_an_hourly_cron_then_the_minimum_interval_is_one_hour() -> None:
    schedule = parse_schedule_expression("cron(0 * ? * * *)")

    assert schedule.min_interval() == timedelta(hours=1)
    assert schedule.min_interval(NEW_YORK) == timedelta(hours=1)


def test_given_a_daily_cron_in_a_dst_zone_then_the_spring_forward_day_is_23_hours() -> None:
    schedule = parse_schedule_expression("cron(0 5 ? * * *)")

    assert schedule.min_interval() == timedelta(days=1)
    assert schedule.min_interval(NEW_YORK) == timedelta(hours=23)


def test_given_rates_and_one_time_schedules_then_min_interval_is_the_period_or_none() -> None:
    assert parse_schedule_expression("rate(30 minutes)").min_interval() == timedelta(minutes=30)
    assert parse_schedule_expression("at(2030-01-01T00:00:00)").min_interval() is None


def test_given_a_cron_with_a_single_firing_then_min_interval_is_none() -> None:
    assert parse_schedule_expression("cron(0 0 1 1 ? 2030)").min_interval() is None


# --- invalid input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 5 * * * *)", "day-of-month and day-of-week cannot both be specified; use ? in one of them"),
        ("cron(0 5 15 * MON *)", "cannot both be specified"),
        ("cron(0 5 ? * ? *)", "cannot both be ?"),
        ("cron(0 5 * * *)", "expected 6 fields"),
        ("cron(60 5 ? * * *)", "invalid minutes value '60'; expected 0-59"),
        ("cron(0 24 ? * * *)", "invalid hours value '24'"),
        ("cron(0 5 32 * ? *)", "invalid day-of-month value '32'"),
        ("cron(0 5 ? FOO * *)", "invalid month value 'FOO'; expected 1-12 or JAN-DEC"),
        ("cron(0 5 ? * FUNDAY *)", "invalid day-of-week value 'FUNDAY'; expected 1-7 or SUN-SAT"),
        ("cron(0 5 ? * 8 *)", "invalid day-of-week value '8'"),
        ("cron(0 5 ? * 6#6 *)", "the number after # must be 1-5"),
        ("cron(0 5 ? * * 1969)", "invalid year value '1969'; expected 1970-2199"),
        ("cron(*/0 5 ? * * *)", "invalid minutes step '0'"),
        ("cron(0 ? * * ? *)", "? is only allowed in day-of-month or day-of-week"),
        ("rate(1 minutes)", "use 'minute' with the value 1"),
        ("rate(5 minute)", "use 'minutes' with the value 5"),
        ("rate(0 minutes)", "the value must be a positive integer"),
        ("rate(-5 minutes)", "the value must be a positive integer"),
        ("rate(1 week)", "invalid unit 'week'"),
        ("rate(5)", "expected rate(value unit)"),
        ("at(2024-02-30T00:00:00)", "not a valid date and time"),
        ("at(2024-02-01 00:00:00)", "expected at(yyyy-mm-ddThh:mm:ss)"),
        ("every day at 5", "expected cron(...), rate(...) or at(...)"),
    ],
)
def test_given_an_invalid_expression_then_parsing_fails_saying_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(InvalidScheduleExpression) as raised:
        parse_schedule_expression(expression)

    assert str(raised.value).startswith(f"{expression}: ")
    assert message in str(raised.value)


def test_given_an_invalid_expression_then_the_error_is_also_a_value_error() -> None:
    # Pydantic validators turn ValueError into validation errors, so models can call the parser directly.
    with pytest.raises(ValueError, match="expected 6 fields"):
        ScheduleExpression("cron(0 5 * * *)")


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "America"])
def test_given_an_unknown_time_zone_then_it_is_rejected(name: str) -> None:
    with pytest.raises(InvalidScheduleExpression, match="unknown time zone"):
        validate_timezone(name)
    with pytest.raises(InvalidScheduleExpression, match="unknown time zone"):
        parse_schedule_expression("cron(0 5 ? * * *)").next_after(utc(2024, 1, 1), name)


def test_given_a_known_time_zone_then_it_is_returned_unchanged() -> None:
    assert validate_timezone(NEW_YORK) == NEW_YORK
    assert validate_timezone("UTC") == "UTC"


def test_given_a_naive_datetime_then_it_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_schedule_expression("rate(5 minutes)").next_after(datetime(2024, 1, 1))


def test_given_the_same_expression_then_schedules_compare_equal() -> None:
    assert parse_schedule_expression("rate(5 minutes)") == ScheduleExpression("rate(5 minutes)")
    assert parse_schedule_expression("cron(0 5 ? * * *)").kind == "cron"
