"""Which columns of a targets table hold this year's targets.

Real tables often put last year's 完成情况 block beside this year's 目标 block under two-row
headers, with the same metric names in both. A column is chosen by its full header path (every
header row above it, merged cells spread) and by the year: columns under 完成/实际/同期 are
results, not targets; columns of another year than the target year are not this year's targets.
When a metric could still come from two columns the file is refused naming both: taking the
first would be silently wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from etl import columns
from etl.normalise import text_cells
from etl.read import RawSheet, column_letter

# Words that make a header a result rather than a target, and words that make it a target.
_ACTUAL = re.compile(r"完成|实际|同期|上年|去年|已发放")
_TARGET = re.compile(r"目标|任务|计划")
_YEAR = re.compile(r"(20\d{2})\s*年")
# A year tied to a target word in the same text: "2026年度目标", "2025年完成情况及2026年目标任务".
_TARGET_YEAR = re.compile(r"(20\d{2})\s*年度?[^0-9]{0,12}?(?:目标|任务|计划)")
# What a targets header may carry around the metric's name: a year and a role word.
_DECORATION = re.compile(
    r"20\d{2}\s*年度?|目标任务|目标值|目标数|目标|任务数|任务|计划数|计划|完成情况|完成数|完成值|完成|实际|同期|本年度?|今年|上年度?|去年"
)


def strip_decoration(base: str) -> str:
    """'2026年融资金额目标' -> '融资金额' (a cleaned header; see columns.clean_header)."""
    return _DECORATION.sub("", base)


def _texts(cell) -> str:
    """A header cell as written (line breaks and spaces dropped), for messages and the mapping."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return re.sub(r"\s+", "", str(cell))


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _spread(sheet: RawSheet, r: int, width: int) -> list[str]:
    """Row r's labels with merged cells (across or down) spread over their whole range."""
    row = sheet.rows[r] if r < len(sheet.rows) else []
    labels = [_texts(c) for c in row][:width] + [""] * max(0, width - len(row))
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 <= r <= r1 and r0 < len(sheet.rows):
            value = _texts(sheet.rows[r0][c0]) if c0 < len(sheet.rows[r0]) else ""
            for c in range(c0, min(c1 + 1, width)):
                labels[c] = labels[c] or value
    return labels


@dataclass
class HeaderColumn:
    index: int
    path: list[str]  # header labels from the top row down, as written (merged cells spread)
    metric: str | None  # the catalogue metric it names, if any
    unit: str | None
    role: str  # "actual" | "target" | "plain"
    year: int | None  # the year its path names, if any

    @property
    def label(self) -> str:
        return "/".join(self.path)

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class HeaderBlock:
    columns: list[HeaderColumn]
    titles: list[str]  # the text of the rows above the header (title lines)
    last_row: int  # the header's last row: one more when a row of 目标 / 完成 labels sits below it


def _says_role(labels: list[str]) -> bool:
    """A row of group or sub-header labels: it tells targets from results, and holds no number."""
    found = [_nfkc(t) for t in labels if t]
    return (
        len(found) >= 2
        and any(_ACTUAL.search(t) or _TARGET.search(t) for t in found)
        and not any(re.fullmatch(r"[-+]?[\d,.]+", t) for t in found)
    )


def _is_title(sheet: RawSheet, r: int, width: int) -> bool:
    return len({t for t in _spread(sheet, r, width)}) == 1 or len(text_cells(sheet.rows[r])) <= 1


def read_block(sheet: RawSheet, first_row: int, last_row: int, match) -> HeaderBlock:
    """The header rows first_row..last_row of a sheet, plus a group row right above them or a row
    of 目标 / 完成 labels right below them. `match` maps a cleaned label to a field."""
    width = max((len(sheet.rows[r]) for r in range(first_row, min(last_row + 2, len(sheet.rows)))), default=0)
    # A title taken for the first header row (one text over the whole width) is a title.
    while first_row < last_row and _is_title(sheet, first_row, width):
        first_row += 1
    levels = list(range(first_row, last_row + 1))
    if first_row > 0 and _says_role(_spread(sheet, first_row - 1, width)):
        levels.insert(0, first_row - 1)
    if last_row + 1 < len(sheet.rows) and _says_role(_spread(sheet, last_row + 1, width)):
        levels.append(last_row + 1)
    rows = [_spread(sheet, r, width) for r in levels]
    found = []
    for c in range(width):
        path: list[str] = []
        for row in rows:
            if row[c] and (not path or path[-1] != row[c]):
                path.append(row[c])
        found.append(_column(c, path, match))
    titles = [" ".join(text_cells(sheet.rows[r])) for r in range(levels[0])]  # NFKC already
    return HeaderBlock(found, [t for t in titles if t], levels[-1])


def _column(index: int, path: list[str], match) -> HeaderColumn:
    metric, unit = None, None
    # The lowest label that names a metric ("融资金额(亿元)" / "目标"), else the labels joined.
    for label in [*reversed(path), "".join(path)]:
        base, label_unit = columns.clean_header(label)
        field = match(base) if base else None
        if field:
            metric = field
            unit = label_unit or next((u for u in (columns.clean_header(p)[1] for p in path) if u), None)
            break
    plain = [_nfkc(p) for p in path]
    role = "plain"
    if any(_ACTUAL.search(p) for p in plain):
        role = "actual"
    elif any(_TARGET.search(p) for p in plain):
        role = "target"
    year = next((int(m.group(1)) for p in reversed(plain) if (m := _YEAR.search(p))), None)
    return HeaderColumn(index, path, metric, unit, role, year)


def target_year(block: HeaderBlock, metric_names: set[str], file_name: str) -> int | None:
    """The year the table sets targets for, when the analyst did not name one: from the title (a
    year next to 目标/任务/计划 first), else the header of the target columns, else the file name."""
    tied = {int(m.group(1)) for t in block.titles for m in _TARGET_YEAR.finditer(t)}
    if len(tied) == 1:
        return tied.pop()
    in_titles = {int(m.group(1)) for t in block.titles for m in _YEAR.finditer(t)}
    if len(in_titles) == 1:
        return in_titles.pop()
    metrics = [c for c in block.columns if c.metric in metric_names and c.year]
    for role in ("target", "plain"):
        years = {c.year for c in metrics if c.role == role}
        if len(years) == 1:
            return years.pop()
        if len(years) > 1:
            return None
    name = _nfkc(file_name)
    match = _TARGET_YEAR.search(name) or _YEAR.search(name)
    return int(match.group(1)) if match else None


@dataclass
class Choice:
    chosen: dict[str, HeaderColumn]  # metric -> the one column it comes from
    ignored: list[tuple[HeaderColumn, str]]  # columns that name a metric but are not targets, and why
    ambiguous: dict[str, list[HeaderColumn]]  # metric -> the columns it could come from


def choose(block: HeaderBlock, metric_names: set[str], year: int | None) -> Choice:
    choice = Choice({}, [], {})
    candidates: dict[str, list[HeaderColumn]] = {}
    for col in block.columns:
        if col.metric not in metric_names:
            continue
        if col.role == "actual":
            choice.ignored.append((col, "完成情况，不是目标"))
        elif year is not None and col.year is not None and col.year != year:
            choice.ignored.append((col, f"{col.year}年，不是{year}年的目标"))
        else:
            candidates.setdefault(col.metric, []).append(col)
    for metric, found in candidates.items():
        if len(found) == 1:
            choice.chosen[metric] = found[0]
        else:
            choice.ambiguous[metric] = found
    return choice
