"""Schedule expressions of EventBridge Scheduler and AWS Backup: cron(), rate() and at().

Pure logic: time is always an argument. Cron and at() are evaluated on the wall clock of an IANA time zone and
answered in UTC. Daylight saving time follows EventBridge Scheduler: a wall-clock time the clocks skip over in
spring does not fire, and a time repeated in autumn fires once (the first time)."""

from __future__ import annotations

import calendar
import functools
import itertools
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_INTERVAL_SAMPLE_SPAN = timedelta(days=400)
_MIN_INTERVAL_SAMPLE_SIZE = 1000

_EXPRESSION = re.compile(r"(?P<kind>cron|rate|at)\((?P<body>.*)\)", re.DOTALL)
_AT_BODY = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_NUMBER = re.compile(r"[0-9]+")
_RATE_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_CRON_FIELDS = "minutes hours day-of-month month day-of-week year"


class InvalidScheduleExpression(ValueError):
    """A schedule expression or time zone that EventBridge Scheduler would reject."""


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names[i] stands for low + i

    def describe(self) -> str:
        numbers = f"{self.low}-{self.high}"
        return f"{numbers} or {self.names[0]}-{self.names[-1]}" if self.names else numbers


_MINUTES = _FieldSpec("minutes", 0, 59)
_HOURS = _FieldSpec("hours", 0, 23)
_DAY_OF_MONTH = _FieldSpec("day-of-month", 1, 31)
_MONTH = _FieldSpec("month", 1, 12, tuple(name.upper() for name in calendar.month_abbr[1:]))
_DAY_OF_WEEK = _FieldSpec("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))
_YEAR = _FieldSpec("year", 1970, 2199)


def _aws_weekday(year: int, month: int, day: int) -> int:
    """AWS numbers the days of the week 1 (Sunday) to 7 (Saturday); Python numbers Monday 0."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int, month_length: int) -> int:
    """The Monday-to-Friday day closest to `day` without leaving the month (the `W` rule)."""
    weekday = calendar.weekday(year, month, day)
    if weekday == calendar.SATURDAY:
        return day - 1 if day > 1 else day + 2
    if weekday == calendar.SUNDAY:
        return day + 1 if day < month_length else day - 2
    return day


@dataclass(frozen=True)
class _DayOfMonth:
    days: frozenset[int] = frozenset()
    nearest_weekday_to: frozenset[int] = frozenset()
    last_day: bool = False
    last_weekday: bool = False

    def days_in(self, year: int, month: int, month_length: int) -> set[int]:
        matches = {day for day in self.days if day <= month_length}
        if self.last_day:
            matches.add(month_length)
        if self.last_weekday:
            matches.add(_nearest_weekday(year, month, month_length, month_length))
        for day in self.nearest_weekday_to:
            if day <= month_length:
                matches.add(_nearest_weekday(year, month, day, month_length))
        return matches


@dataclass(frozen=True)
class _DayOfWeek:
    weekdays: frozenset[int] = frozenset()
    last_of_month: frozenset[int] = frozenset()
    nth_of_month: frozenset[tuple[int, int]] = frozenset()

    def days_in(self, year: int, month: int, month_length: int) -> set[int]:
        first = _aws_weekday(year, month, 1)
        matches: set[int] = set()
        for day in range(1, month_length + 1):
            weekday = (first + day - 2) % 7 + 1
            if (
                weekday in self.weekdays
                or (weekday in self.last_of_month and day + 7 > month_length)
                or (weekday, (day - 1) // 7 + 1) in self.nth_of_month
            ):
                matches.add(day)
        return matches


def _from(values: Sequence[int], low: int) -> Sequence[int]:
    return values[bisect_left(values, low) :]


def _wall_clock_to_utc(local: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive wall-clock time in `zone`; None when the clocks skip over it."""
    # fold=0 picks the first of the two instants of a time repeated when the clocks go back.
    instant = local.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local:
        return None
    return instant


@dataclass(frozen=True)
class _Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    day_of_month: _DayOfMonth | None
    day_of_week: _DayOfWeek | None
    months: tuple[int, ...]
    years: tuple[int, ...]
    _days_cache: dict[tuple[int, int], tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def _days(self, year: int, month: int) -> tuple[int, ...]:
        key = (year, month)
        if key not in self._days_cache:
            length = calendar.monthrange(year, month)[1]
            rule = self.day_of_month or self.day_of_week
            assert rule is not None  # parsing guarantees exactly one of them is set
            self._days_cache[key] = tuple(sorted(rule.days_in(year, month, length)))
        return self._days_cache[key]

    def _wall_clock_times_from(self, start: datetime) -> Iterator[datetime]:
        """Every matching naive wall-clock time at or after `start`, in order, skipping by fields."""
        for year in _from(self.years, start.year):
            same_year = year == start.year
            for month in _from(self.months, start.month if same_year else 1):
                same_month = same_year and month == start.month
                for day in _from(self._days(year, month), start.day if same_month else 1):
                    same_day = same_month and day == start.day
                    for hour in _from(self.hours, start.hour if same_day else 0):
                        same_hour = same_day and hour == start.hour
                        for minute in _from(self.minutes, start.minute if same_hour else 0):
                            yield datetime(year, month, day, hour, minute)

    def firings_after(self, after: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        start = after.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
        # With fold=0 and skipped gaps, wall-clock order is UTC order, so filtering keeps the order.
        for local in self._wall_clock_times_from(start):
            instant = _wall_clock_to_utc(local, zone)
            if instant is not None and instant > after:
                yield instant


@dataclass(frozen=True)
class _Rate:
    period: timedelta

    def firings_after(self, after: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        instant = _EPOCH + self.period * ((after - _EPOCH) // self.period + 1)
        while True:
            yield instant
            instant += self.period


@dataclass(frozen=True)
class _At:
    local: datetime

    def firings_after(self, after: datetime, zone: ZoneInfo) -> Iterator[datetime]:
        # A one-time schedule must not vanish in a spring-forward gap: fire when the clock reads past it.
        instant = _wall_clock_to_utc(self.local, zone) or self.local.replace(tzinfo=zone).astimezone(UTC)
        if instant > after:
            yield instant


_Schedule = _Cron | _Rate | _At


def _invalid(expression: str, problem: str) -> InvalidScheduleExpression:
    return InvalidScheduleExpression(f"{expression}: {problem}")


def _parse_value(token: str, spec: _FieldSpec, expression: str) -> int:
    upper = token.upper()
    if upper in spec.names:
        return spec.low + spec.names.index(upper)
    if _NUMBER.fullmatch(token) and spec.low <= int(token) <= spec.high:
        return int(token)
    raise _invalid(expression, f"invalid {spec.name} value {token!r}; expected {spec.describe()}")


def _parse_values(text: str, spec: _FieldSpec, expression: str) -> frozenset[int]:
    """`*`, values, ranges (which may wrap, like FRI-MON) and steps, in a comma-separated list."""
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not _NUMBER.fullmatch(step_text) or int(step_text) == 0:
                raise _invalid(expression, f"invalid {spec.name} step {step_text!r} in {item!r}")
            step = int(step_text)
        if base == "*":
            first, last = spec.low, spec.high
        elif "-" in base:
            low_text, _, high_text = base.partition("-")
            first, last = _parse_value(low_text, spec, expression), _parse_value(high_text, spec, expression)
        else:
            first = _parse_value(base, spec, expression)
            last = spec.high if slash else first
        size = spec.high - spec.low + 1
        span = (last - first) % size
        values.update(spec.low + (first - spec.low + offset) % size for offset in range(0, span + 1, step))
    return frozenset(values)


def _parse_day_of_month(text: str, expression: str) -> _DayOfMonth:
    days: set[int] = set()
    nearest: set[int] = set()
    last_day = last_weekday = False
    for item in text.upper().split(","):
        if item == "L":
            last_day = True
        elif item == "LW":
            last_weekday = True
        elif item.endswith("W"):
            nearest.add(_parse_value(item[:-1], _DAY_OF_MONTH, expression))
        else:
            days |= _parse_values(item, _DAY_OF_MONTH, expression)
    return _DayOfMonth(frozenset(days), frozenset(nearest), last_day, last_weekday)


def _parse_day_of_week(text: str, expression: str) -> _DayOfWeek:
    weekdays: set[int] = set()
    last_of_month: set[int] = set()
    nth_of_month: set[tuple[int, int]] = set()
    for item in text.upper().split(","):
        if item == "L":
            weekdays.add(7)
        elif item.endswith("L"):
            last_of_month.add(_parse_value(item[:-1], _DAY_OF_WEEK, expression))
        elif "#" in item:
            weekday_text, _, nth_text = item.partition("#")
            if nth_text not in {"1", "2", "3", "4", "5"}:
                raise _invalid(expression, f"invalid day-of-week {item!r}; the number after # must be 1-5")
            nth_of_month.add((_parse_value(weekday_text, _DAY_OF_WEEK, expression), int(nth_text)))
        else:
            weekdays |= _parse_values(item, _DAY_OF_WEEK, expression)
    return _DayOfWeek(frozenset(weekdays), frozenset(last_of_month), frozenset(nth_of_month))


def _parse_cron(body: str, expression: str) -> _Cron:
    fields = body.split()
    if len(fields) != 6:
        raise _invalid(expression, f"expected 6 fields ({_CRON_FIELDS}), got {len(fields)}")
    minutes, hours, day_of_month, month, day_of_week, year = fields
    for text, spec in ((minutes, _MINUTES), (hours, _HOURS), (month, _MONTH), (year, _YEAR)):
        if "?" in text:
            raise _invalid(expression, f"? is only allowed in day-of-month or day-of-week, not in {spec.name}")
    if day_of_month != "?" and day_of_week != "?":
        raise _invalid(expression, "day-of-month and day-of-week cannot both be specified; use ? in one of them")
    if day_of_month == "?" and day_of_week == "?":
        raise _invalid(expression, "day-of-month and day-of-week cannot both be ?; give a value or * in one")

    def values(text: str, spec: _FieldSpec) -> tuple[int, ...]:
        return tuple(sorted(_parse_values(text, spec, expression)))

    return _Cron(
        minutes=values(minutes, _MINUTES),
        hours=values(hours, _HOURS),
        day_of_month=None if day_of_month == "?" else _parse_day_of_month(day_of_month, expression),
        day_of_week=None if day_of_week == "?" else _parse_day_of_week(day_of_week, expression),
        months=values(month, _MONTH),
        years=values(year, _YEAR),
    )


def _parse_rate(body: str, expression: str) -> _Rate:
    parts = body.split()
    if len(parts) != 2:
        raise _invalid(expression, "expected rate(value unit), e.g. rate(5 minutes)")
    value_text, unit = parts
    if not _NUMBER.fullmatch(value_text) or int(value_text) == 0:
        raise _invalid(expression, f"the value must be a positive integer, got {value_text!r}")
    value = int(value_text)
    singular = unit.removesuffix("s")
    if singular not in _RATE_UNITS:
        raise _invalid(expression, f"invalid unit {unit!r}; expected minutes, hours or days")
    expected_unit = singular if value == 1 else f"{singular}s"
    if unit != expected_unit:
        raise _invalid(expression, f"use {expected_unit!r} with the value {value}")
    return _Rate(_RATE_UNITS[singular] * value)


def _parse_at(body: str, expression: str) -> _At:
    if not _AT_BODY.fullmatch(body):
        raise _invalid(expression, "expected at(yyyy-mm-ddThh:mm:ss)")
    try:
        return _At(datetime.fromisoformat(body))
    except ValueError as error:
        raise _invalid(expression, f"not a valid date and time ({error})") from None


def _parse(expression: str) -> _Schedule:
    match = _EXPRESSION.fullmatch(expression)
    if match is None:
        raise _invalid(expression, "expected cron(...), rate(...) or at(...)")
    body = match["body"]
    if match["kind"] == "cron":
        return _parse_cron(body, expression)
    if match["kind"] == "rate":
        return _parse_rate(body, expression)
    return _parse_at(body, expression)


def validate_timezone(name: str) -> str:
    """The name itself when it is an IANA time zone; raises InvalidScheduleExpression otherwise."""
    _zone(name)
    return name


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidScheduleExpression(f"unknown time zone {name!r}; expected an IANA name like UTC") from None


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value.isoformat()}")


@dataclass(frozen=True)
class ScheduleExpression:
    """A parsed cron(), rate() or at() expression; construction raises InvalidScheduleExpression."""

    expression: str
    _schedule: _Schedule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_schedule", _parse(self.expression))

    @property
    def kind(self) -> Literal["cron", "rate", "at"]:
        schedule = self._schedule
        return "cron" if isinstance(schedule, _Cron) else "rate" if isinstance(schedule, _Rate) else "at"

    def _firings_after(self, after: datetime, timezone: str) -> Iterator[datetime]:
        _require_aware(after, "after")
        return self._schedule.firings_after(after, _zone(timezone))

    def next_after(self, after: datetime, timezone: str = "UTC") -> datetime | None:
        """The first firing strictly after `after`, in UTC; None when there is none."""
        return next(self._firings_after(after, timezone), None)

    def firings_between(self, start: datetime, end: datetime, timezone: str = "UTC") -> list[datetime]:
        """Every firing t with start < t <= end, in order, in UTC."""
        _require_aware(end, "end")
        return list(itertools.takewhile(lambda instant: instant <= end, self._firings_after(start, timezone)))

    def min_interval(self, timezone: str = "UTC", *, since: datetime = _EPOCH) -> timedelta | None:
        """The smallest gap between consecutive firings from the first after `since`, over the first 1000 firings or
        400 days of them, whichever is fewer (at least two); None for at() and a cron firing fewer than twice."""
        return _min_interval(self.expression, timezone, since)


@functools.lru_cache(maxsize=1024)
def _min_interval(expression: str, timezone: str, since: datetime) -> timedelta | None:
    """Cached: each read of a stored plan validates every rule's schedule (~15 ms a rule, docs/performance.md)."""
    schedule = _parse(expression)
    if isinstance(schedule, _At):
        return None
    _require_aware(since, "after")
    firings = schedule.firings_after(since, _zone(timezone))
    first = next(firings, None)
    if first is None:
        return None
    previous = first
    smallest: timedelta | None = None
    for count, instant in enumerate(firings, start=2):
        gap = instant - previous
        smallest = gap if smallest is None else min(smallest, gap)
        previous = instant
        if count >= _MIN_INTERVAL_SAMPLE_SIZE or instant - first >= _MIN_INTERVAL_SAMPLE_SPAN:
            break
    return smallest


def parse_schedule_expression(expression: str) -> ScheduleExpression:
    """Parse cron(), rate() or at(); raises InvalidScheduleExpression saying what is wrong."""
    return ScheduleExpression(expression)
