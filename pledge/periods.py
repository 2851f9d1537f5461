"""The time rules of the bulletin, once: 序时进度, the same day last year, month ends.

A year's window runs from 1 January to the as-of date inclusive; year on year compares with the
same window a year earlier (29 February → 28 February); 较上月 compares with the end of the
previous month."""

from __future__ import annotations

import calendar
import datetime as dt


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def time_progress(year: int, as_of: dt.date) -> float:
    """序时进度: days of the year elapsed up to and including as_of, over the days in the year."""
    elapsed = (min(as_of, dt.date(year, 12, 31)) - dt.date(year, 1, 1)).days + 1
    return max(0, min(elapsed, days_in_year(year))) / days_in_year(year)


def same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def report_date(latest: dt.date, today: dt.date) -> dt.date:
    """The date a report is as of: the end of the latest month with data, once that month's files
    are in, but never after today (a month still running is reported to today)."""
    return min(month_end(latest.year, latest.month), max(today, latest))


def previous_month_end(as_of: dt.date) -> dt.date | None:
    """The date 较上月 compares with: the last day of the previous month (None in January)."""
    first = as_of.replace(day=1)
    return None if first.month == 1 else first - dt.timedelta(days=1)
