"""A plan rule's schedule in words, its next runs and its frequency, from the expression the engine itself
evaluates (lambdas/domain/schedule_expressions.py): what the CLI says is when the engine fires."""

from __future__ import annotations

from datetime import datetime, timedelta

from lambdas.domain.schedule_expressions import InvalidScheduleExpression, parse_schedule_expression

DEFAULT_TIMEZONE = "UTC"
_WEEKDAYS = {"1": "SUN", "2": "MON", "3": "TUE", "4": "WED", "5": "THU", "6": "FRI", "7": "SAT"}


def _two(text: str) -> str:
    return text.zfill(2)


def _time_of_day(minutes: str, hours: str) -> str:
    if minutes.isdigit() and hours.isdigit():
        return f"at {_two(hours)}:{_two(minutes)}"
    if minutes.isdigit() and hours == "*":
        return f"every hour at minute {minutes}"
    if minutes.isdigit() and "/" in hours:
        start, step = hours.split("/", 1)
        start = "0" if start == "*" else start
        return f"every {step} hours from {_two(start)}:{_two(minutes)}"
    if minutes.isdigit() and all(part.isdigit() for part in hours.split(",")):
        return "at " + ", ".join(f"{_two(h)}:{_two(minutes)}" for h in hours.split(","))
    if "/" in minutes and hours == "*":
        return f"every {minutes.split('/', 1)[1]} minutes"
    return f"at minute(s) {minutes} of hour(s) {hours}"


def _weekday(token: str) -> str:
    return _WEEKDAYS.get(token, token.upper())


def _days(day_of_month: str, day_of_week: str) -> str:
    if day_of_month in ("*", "?") and day_of_week in ("*", "?"):
        return "every day"
    if day_of_month == "?":
        if day_of_week.upper() in ("MON-FRI", "2-6"):
            return "on weekdays"
        if "#" in day_of_week:
            weekday, nth = day_of_week.split("#", 1)
            return f"on the {_ordinal(int(nth))} {_weekday(weekday)} of the month"
        if day_of_week.upper().endswith("L") and len(day_of_week) > 1:
            return f"on the last {_weekday(day_of_week[:-1])} of the month"
        return "on " + ", ".join(_weekday(day) for day in day_of_week.split(","))
    if day_of_month.upper() == "L":
        return "on the last day of the month"
    if day_of_month.upper() == "LW":
        return "on the last weekday of the month"
    days = [f"the {_ordinal(int(day))}" if day.isdigit() else day for day in day_of_month.split(",")]
    return f"on {', '.join(days)} of the month"


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def in_words(expression: str, timezone: str | None = None) -> str:
    """`cron(0 5 ? * * *)` -> "every day at 05:00 UTC"; `rate(12 hours)` -> "every 12 hours"."""
    zone = "UTC" if timezone in (None, "", "Etc/UTC") else str(timezone)  # plans default to Etc/UTC
    body = expression[expression.find("(") + 1 : expression.rfind(")")].strip()
    if expression.startswith("rate("):
        return f"every {body}"
    if expression.startswith("at("):
        return f"once, at {body.replace('T', ' ')} {zone}"
    fields = body.split()
    if not expression.startswith("cron(") or len(fields) != 6:
        return expression
    minutes, hours, day_of_month, month, day_of_week, year = fields
    words = [_days(day_of_month, day_of_week), _time_of_day(minutes, hours) + f" {zone}"]
    if month != "*":
        words.append(f"in {month}")
    if year != "*":
        words.append(f"in {year}")
    return " ".join(words)


def next_runs(expression: str, timezone: str | None, after: datetime, count: int = 3) -> list[datetime]:
    """The next `count` firings strictly after `after`, in UTC (fewer for at() or a cron that ends)."""
    schedule = parse_schedule_expression(expression)
    runs: list[datetime] = []
    moment = after
    while len(runs) < count:
        following = schedule.next_after(moment, timezone or DEFAULT_TIMEZONE)
        if following is None:
            break
        runs.append(following)
        moment = following
    return runs


def frequency(expression: str, timezone: str | None) -> timedelta | None:
    """The shortest gap between firings: a resource's recovery point older than this (plus the start window)
    misses the rule's recovery point objective. None for at() or an expression the engine would not accept."""
    try:
        return parse_schedule_expression(expression).min_interval(timezone or DEFAULT_TIMEZONE)
    except InvalidScheduleExpression:
        return None
