"""The period a ledger reports on, as its title or file name states it: "2026年10月",
"2026年1-10月", "1-9月累计", "2026年第三季度", "2026年上半年", "2026年度", "截至2026年10月31日".

A loan dated after that period is a typo or belongs to another report (etl/kinds/loans.py); the
period is read from the title rows first, else from the file name. A period written without a
year ("1-9月累计") takes the year written elsewhere in the title, else in the file name, else the
year most of the file's dates fall in.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_DASH = r"[-—–~～至到－]"
_NUMERAL = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _year(group: str) -> str:
    return rf"(?P<{group}>20\d{{2}})\s*年"


_FORMS = re.compile(
    "|".join(
        (
            # 截至2026年10月31日 / 截至2026年10月底: from 1 January to that day or month end.
            r"截[至止]\s*(?P<to_year>20\d{2})\s*年\s*(?P<to_month>\d{1,2})\s*月(?:\s*(?P<to_day>\d{1,2})\s*[日号]|[底末])?",
            # 2025年12月-2026年2月
            rf"(?P<y1>20\d{{2}})\s*年\s*(?P<m1>\d{{1,2}})\s*月\s*{_DASH}\s*(?P<y2>20\d{{2}})\s*年\s*(?P<m2>\d{{1,2}})\s*月",
            # (2026年)1-10月, 1月至10月, 1—10月份
            rf"(?:{_year('ry')}\s*)?(?<!\d)(?P<first>\d{{1,2}})\s*月?\s*{_DASH}\s*(?P<last>\d{{1,2}})\s*月份?",
            # (2026年)前三季度
            rf"(?:{_year('fy')}\s*)?前\s*(?P<upto>[一二三1-3])\s*(?:个)?季度",
            # (2026年)第三季度, 三季度
            rf"(?:{_year('qy')}\s*)?第?\s*(?P<quarter>[一二三四1-4])\s*季度",
            # (2026年)上半年 / 下半年
            rf"(?:{_year('hy')}\s*)?(?P<half>[上下])半年",
            # (2026年)10月, 10月份: not a day ("11月3日" is a date, not a month)
            rf"(?:{_year('my')}\s*)?(?<!\d)(?P<month>\d{{1,2}})\s*月份?(?!\s*\d{{1,2}}\s*[日号])",
            # 2026年度, 2026年全年
            rf"{_year('wy')}\s*(?:度|全年)",
        )
    )
)
_ANY_YEAR = re.compile(r"(20\d{2})\s*年")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str  # as written: 2026年1-10月


@dataclass(frozen=True)
class _Found:
    year: int | None
    first_month: int
    last_month: int
    last_year: int | None  # a range across years names its own end year
    last_day: int | None
    label: str


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _found(match: re.Match) -> _Found | None:
    g = {k: v for k, v in match.groupdict().items() if v is not None}
    label = match.group(0).strip()

    def year(key: str) -> int | None:
        return int(g[key]) if key in g else None

    if "to_month" in g:
        return _Found(year("to_year"), 1, int(g["to_month"]), None, year("to_day"), label)
    if "m1" in g:
        return _Found(year("y1"), int(g["m1"]), int(g["m2"]), year("y2"), None, label)
    if "first" in g:
        return _Found(year("ry"), int(g["first"]), int(g["last"]), None, None, label)
    if "upto" in g:
        return _Found(year("fy"), 1, 3 * _NUMERAL[g["upto"]], None, None, label)
    if "quarter" in g:
        q = _NUMERAL[g["quarter"]]
        return _Found(year("qy"), 3 * q - 2, 3 * q, None, None, label)
    if "half" in g:
        first = 1 if g["half"] == "上" else 7
        return _Found(year("hy"), first, first + 5, None, None, label)
    if "month" in g:
        return _Found(year("my"), int(g["month"]), int(g["month"]), None, None, label)
    if "wy" in g:
        return _Found(year("wy"), 1, 12, None, None, label)
    return None


def _resolve(found: _Found, year: int) -> Period | None:
    first, last = found.first_month, found.last_month
    end_year = found.last_year or year
    if not (1 <= first <= 12 and 1 <= last <= 12) or (end_year, last) < (year, first):
        return None
    end = _month_end(end_year, last)
    if found.last_day is not None:
        try:
            end = dt.date(end_year, last, found.last_day)
        except ValueError:
            return None
    return Period(dt.date(year, first, 1), end, found.label)


def in_text(text: str, year: int | None = None) -> Period | None:
    """The first period a text names; one without a year takes `year` (None: not resolved)."""
    text = unicodedata.normalize("NFKC", text)
    for match in _FORMS.finditer(text):
        found = _found(match)
        known = found.year or year if found else None
        period = _resolve(found, known) if found and known else None
        if period is not None:
            return period
    return None


def _years(texts: Iterable[str]) -> list[int]:
    return [int(m.group(1)) for t in texts for m in _ANY_YEAR.finditer(unicodedata.normalize("NFKC", t))]


def of_file(titles: list[str], file_name: str, dates_year: Callable[[], int | None]) -> tuple[Period, str] | None:
    """The period and where it was read ("标题" or "文件名"), or None when neither names one.
    `titles` are the lines above the header of every sheet read; where several name a period, the
    one that ends last. `dates_year` gives the year most of the file's dates fall in, for
    "1-9月累计" with no year."""
    name = re.sub(r"\.[A-Za-z]+$", "", file_name)

    def year_for(texts: list[str]) -> int | None:
        years = _years(texts) or _years([name])
        return years[0] if years else dates_year()

    for origin, texts in (("标题", titles), ("文件名", [name])):
        # Sheets of one workbook may each name their period: the latest end bounds the file.
        named = [p for p in (in_text(t) for t in texts) if p is not None]
        if not named:
            year = year_for(texts)
            named = [p for p in (in_text(t, year) for t in texts) if p is not None]
        if named:
            return max(named, key=lambda p: p.end), origin
    return None
