"""Whom a ledger sheet speaks for and over which months: its *report*.

A bank sends its own loans (all districts), a district sends the loans of its enterprises (all
banks). When the same source sends 1–10月 after 1–9月, the new report replaces the old one for the
months it covers: loans it no longer lists are withdrawn (etl/kinds/loans.py, pledge/versions.py).
A sheet whose source cannot be told safely (a city-wide ledger of many banks and districts, or one
bank and one district with neither named) has no report: its loans are added and updated, never
withdrawn.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from etl.normalise import to_text
from etl.read import RawSheet
from pledge.reference import Reference

_SUPPLEMENT = re.compile("补报|补充|增补|补录|漏报")
_TITLE_ROWS = 6


@dataclass(frozen=True)
class Report:
    """One source's report in a file: what a later report of the same source may replace."""

    source: str  # 'bank:江苏银行' | 'district:321002'
    source_label: str  # 江苏银行 | 邗江区
    start: dt.date
    end: dt.date
    period_label: str  # 2026年1-10月
    origin: str  # 标题 | 文件名 | 放款日期
    replaces: bool  # withdraws the source's earlier loans in [start, end] that it does not list
    sheets: tuple[str, ...]


def source_label(source: str | None, reference: Reference) -> str:
    if not source:
        return ""
    kind, _, value = source.partition(":")
    return reference.district_names.get(value, value) if kind == "district" else value


def sheet_texts(sheets: list[RawSheet], first_data_rows: dict[str, int]) -> dict[str, str]:
    """Each sheet's name and the title lines above its table: where a file names its source."""
    texts = {}
    for sheet in sheets:
        top = min(first_data_rows.get(sheet.name, _TITLE_ROWS), _TITLE_ROWS)
        lines = [to_text(c) for row in sheet.rows[:top] for c in row if c not in (None, "")]
        texts[sheet.name] = " ".join([sheet.name, *lines])
    return texts


def _names_bank(text: str, bank: str, reference: Reference) -> bool:
    return bank in text or reference.head_bank(text) == bank


def _names_district(text: str, code: str, reference: Reference) -> bool:
    district = next((d for d in reference.districts if d.code == code), None)
    if district is None:
        return False
    names = [district.name, *district.aliases]
    names += [n[:-1] for n in names if len(n) > 2 and n[-1] in "区县市"]
    return any(n and n in text for n in names)


def source_of(
    banks: set[str], districts: set[str], named_in: str, reference: Reference, bank_column: bool = True
) -> str | None:
    """The bank or district a sheet speaks for, or None when that cannot be told safely."""
    one_bank = next(iter(banks)) if len(banks) == 1 else None
    one_district = next(iter(districts)) if len(districts) == 1 else None
    bank_named = one_bank is not None and (not bank_column or _names_bank(named_in, one_bank, reference))
    district_named = one_district is not None and _names_district(named_in, one_district, reference)
    if bank_named and not district_named:
        return f"bank:{one_bank}"
    if district_named and not bank_named:
        return f"district:{one_district}"
    if one_bank and len(districts) > 1:
        return f"bank:{one_bank}"
    if one_district and len(banks) > 1:
        return f"district:{one_district}"
    return None


def _month_span(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    end = dt.date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])
    return dt.date(first.year, first.month, 1), end


def span_label(start: dt.date, end: dt.date) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}-{end.month}月"
    return f"{start.year}年{start.month}月-{end.year}年{end.month}月"


def reports(
    frame: pd.DataFrame,
    period: tuple[dt.date, dt.date] | None,
    period_label: str | None,
    period_origin: str | None,
    named_in: dict[str, str],
    file_name: str,
    reference: Reference,
) -> list[Report]:
    """The reports of a normalised ledger (its `source` column filled), one per source.

    The period is the one the file names (title or file name), else the months its loan dates
    span. A named period replaces, unless the file calls itself a supplement (补报); a period read
    off the dates replaces only when it looks cumulative (January to a later month): a single
    month without a title may be a supplement, and withdrawing a month's loans on a guess is worse
    than counting one twice (which 疑似重复 then shows)."""
    found = []
    for source, rows in frame[frame["source"].notna()].groupby("source", sort=True):
        dates = rows["loan_date"].dropna()
        if dates.empty:
            continue
        sheets = tuple(dict.fromkeys(rows["source_sheet"]))
        words = " ".join([file_name, *(named_in.get(s, "") for s in sheets)])
        supplement = bool(_SUPPLEMENT.search(words))
        if period is not None:
            start, end = period
            label, origin = period_label or span_label(start, end), period_origin or "标题"
            replaces = not supplement
        else:
            start, end = _month_span(dates.min().date(), dates.max().date())
            label, origin = span_label(start, end), "放款日期"
            replaces = not supplement and start.month == 1 and end.month > 1 and start.year == end.year
        found.append(
            Report(str(source), source_label(str(source), reference), start, end, label, origin, replaces, sheets)
        )
    return found


def as_chosen(found: list[Report], mode: str) -> list[Report]:
    """The reports with the analyst's choice applied: 'replace', 'add' or 'auto' (as they are)."""
    if mode == "auto":
        return found
    return [dataclasses.replace(r, replaces=mode == "replace") for r in found]
