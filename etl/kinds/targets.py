"""年度目标: a year's targets per district (and optionally 全市), one column per metric of the
catalogue that can have a target. A targets file replaces the year's targets for every metric
column it carries: a blank cell means no target (the city's then falls back to the districts' sum)."""

from __future__ import annotations

import re
from decimal import Decimal

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.header import Column, Header
from etl.issues import ERROR, WARNING, Issue, ParsedFile
from etl.kinds import target_columns
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, apply_unique, text_cells, to_text
from etl.read import RawSheet
from etl.rows import Collector, Rows, money
from etl.templates import targets_template
from pledge.catalogue import BY_KEY, CITY, HEADLINE, TARGETED
from pledge.reference import Reference

# How a 全市 row is written; any other name ending in 市 that is no district counts too. A 合计 or
# 总计 row of a targets table is the city's target as the file states it (checked against the sum).
CITY_WORDS = {"全市", "全市合计", "全市目标", "市级", "全市总计", "全市总目标"}
TOTAL_WORDS = {"合计", "总计", "总合计"}
_YEAR_RE = re.compile(r"(20\d{2})\s*年")
_METRICS = {m.key for m in TARGETED}


def _target_year(parsed: ParsedFile, rows: Rows, sheets: list[RawSheet], year: int | None) -> int | None:
    if "year" in rows.cells:
        years, _ = apply_unique(rows.cells["year"], lambda v: int(normalise.decimal(re.sub(r"年度?$", "", to_text(v)))))
        distinct = {y for y in years if y}
        if len(distinct) == 1:
            return distinct.pop()
        if len(distinct) > 1:
            parsed.issues.append(Issue(ERROR, f"一个目标表只能含一个年度，读到{sorted(distinct)}"))
            return None
    if year:
        return year
    if parsed.year:  # from the title, the target columns' header or the file name (settle_header)
        return parsed.year
    for sheet in sheets:
        for row in sheet.rows[:5]:
            for text in text_cells(row):
                match = _YEAR_RE.search(text)
                if match:
                    return int(match.group(1))
    match = _YEAR_RE.search(parsed.file_name) or re.search(r"(20\d{2})", parsed.file_name)
    if match:
        return int(match.group(1))
    parsed.issues.append(
        Issue(ERROR, "无法确定目标所属年度：请在标题或文件名中写明年份（如“2026年度目标”），或导入时指定年度")
    )
    return None


def _is_total(text: str) -> bool:
    return to_text(text).replace(" ", "") in TOTAL_WORDS


def _scope_of(reference: Reference):
    known = "、".join(d.name for d in reference.districts)

    def scope(value):
        text = to_text(value).replace(" ", "")
        if text in CITY_WORDS or text in TOTAL_WORDS or text.endswith("市") and reference.district_code(text) is None:
            return CITY
        code = reference.district_code(text)
        if code is None:
            raise Invalid(f"区县“{text}”不在本市区县名单中（应为：{known}，或“全市”）" if text else "区县为空")
        return code

    return scope


class _TargetsKind(Kind):
    """Targets headers carry a year and a role word around the metric's name ("2026年融资金额目标",
    "2025年完成情况"): matched on the name alone, the role and year decide later (settle_header)."""

    def match(self, header_text: str) -> str | None:
        return super().match(header_text) or super().match(target_columns.strip_decoration(header_text))

    def ranked(self, header_text: str) -> tuple[str, int] | None:
        return super().ranked(header_text) or super().ranked(target_columns.strip_decoration(header_text))


def _ambiguity(sheet: str, label: str, found: list[target_columns.HeaderColumn], year: int | None) -> str:
    listed = "、".join(f"{c.letter}列“{c.label}”" for c in found)
    years = {c.year for c in found if c.year}
    why = (
        f"，且无法确定目标年度（表头中有{'、'.join(f'{y}年' for y in sorted(years))}）：请在标题中写明目标年度（如“{max(years)}年目标任务”）或导入时指定年度"
        if year is None and len(years) > 1
        else "。系统不会任取其一：请删除多余的列，或在表头注明哪一列是目标（如“目标任务”）、哪一列是完成情况（如“完成情况”）"
    )
    count = "两" if len(found) == 2 else str(len(found))
    return f"“{label}”可以取自{count}列：工作表“{sheet}”的{listed}{why}，然后重新导入"


def _shown(key: str, stored) -> str:
    """A target in its unit as the bureau writes it: 5.00 (亿元, more decimals only when needed), 57."""
    value = BY_KEY[key].in_unit(stored)
    if value is None:
        return "—"
    if not BY_KEY[key].money:
        return f"{value:,}"
    text = f"{value:,.2f}"
    return text if abs(round(value, 2) - value) < 1e-9 else f"{value:,.8f}".rstrip("0")


# The rows of every (year, metric) that the newest active batch carrying that column brought.
_RECOMPUTE_CURRENT = [
    "UPDATE targets SET is_current = false WHERE is_current",
    """UPDATE targets SET is_current = true
       FROM (SELECT c.year, c.metric, max(c.batch_id) AS batch_id
             FROM target_columns c JOIN batches b ON b.id = c.batch_id
             WHERE b.status = 'active' GROUP BY c.year, c.metric) AS newest
       WHERE targets.batch_id = newest.batch_id AND targets.year = newest.year AND targets.metric = newest.metric""",
]


class Targets(FileKind):
    spec = _TargetsKind(
        "targets",
        "年度目标",
        (
            Field("district", "区县", ("区县", "所属区县", "区域", "地区", "辖区", "单位", "区县名称")),
            Field("year", "年度", ("年度", "年份", "目标年度")),
            *(
                Field(m.key, m.label, m.target_aliases, money=m.money, default_unit=m.unit if m.money else None)
                for m in TARGETED
            ),
        ),
        signature=("district", "loan_amount"),
    )
    template_name = "年度目标模板"

    def settle_header(self, header: Header, parsed: ParsedFile, year: int | None) -> list[dict]:
        """Keep, for each metric, the one column of this year's targets; refuse when there are two.
        (Columns under the same label are told apart here, by their full path and year.)"""
        header.conflicts = []
        sheet = header.sheet
        block = target_columns.read_block(sheet, header.first_row, header.last_row, self.spec.match)
        header.last_row = block.last_row  # data start below a row of 目标 / 完成 labels
        settled = year or target_columns.target_year(block, _METRICS, parsed.file_name)
        parsed.year = parsed.year or settled
        choice = target_columns.choose(block, _METRICS, settled)
        for name in _METRICS:
            header.columns.pop(name, None)
        for key, col in choice.chosen.items():
            header.columns[key] = Column(col.index, key, col.label, col.unit)
        for key, found in choice.ambiguous.items():
            parsed.issues.append(
                Issue(
                    ERROR, _ambiguity(sheet.name, BY_KEY[key].label, found, settled), sheet.name, header.first_row + 1
                )
            )
        return [
            {
                "sheet": sheet.name,
                "column": col.letter,
                "header": col.label,
                "field": f"不导入（{BY_KEY[col.metric].label}：{why}）" if col.metric else "不导入",
                "unit": col.unit,
            }
            for col, why in choice.ignored
        ]

    def keeps_row(self, first_text: str) -> bool:
        return _is_total(first_text)

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        parsed.year = _target_year(parsed, rows, context.sheets, context.year)
        metrics = [f for f in self.spec.fields if f.name not in ("district", "year") and f.name in rows.cells]
        if not metrics:
            if not parsed.errors:  # two candidate columns were already named
                parsed.issues.append(
                    Issue(
                        ERROR,
                        "目标表中没有找到任何目标列（质押融资金额、质押发明专利、惠及企业、首贷企业等）；"
                        "完成情况和其他年度的列不作为目标（见“列映射”）",
                    )
                )
            return
        parsed.target_metrics = [f.name for f in metrics]
        scopes = collector.column("district", _scope_of(context.reference))
        values = {}
        for f in metrics:
            if f.money:
                values[f.name] = money(rows, collector, parsed, f, normalise.optional_money_yuan)
            else:
                values[f.name] = collector.column(f.name, normalise.optional_count)
        seen: dict[str, int] = {}
        for i, s in enumerate(scopes):
            if s is None:
                continue
            if s in seen:
                j = seen[s]
                if s == CITY and all(values[f.name][i] == values[f.name][j] for f in metrics):
                    scopes[i] = None  # 全市 and 合计 rows that agree: one city target
                    continue
                collector.add(ERROR, i, "district", f"与第{rows.row[j]}行重复", rows.cells["district"][i])
            seen[s] = i
        self._check_total(rows, collector, scopes, values)
        records = []
        for f in metrics:
            for i, value in enumerate(values[f.name]):
                if value is not None and scopes[i] is not None:
                    records.append((parsed.year, scopes[i], f.name, value, rows.sheet[i], rows.row[i]))
        parsed.frame = pd.DataFrame(records, columns=["year", "scope", "metric", "value", "source_sheet", "source_row"])

    @staticmethod
    def _check_total(rows: Rows, collector: Collector, scopes: list, values: dict[str, list]) -> None:
        """A 合计 row is the city's target as written; one that is not the districts' sum is said."""
        for i, text in enumerate(rows.cells.get("district", [])):
            if scopes[i] != CITY or not _is_total(to_text(text)):
                continue
            for key, column in values.items():
                districts = [v for v, s in zip(column, scopes) if s not in (None, CITY) and v is not None]
                if column[i] is None or not districts or sum(districts) == column[i]:
                    continue
                unit = BY_KEY[key].unit
                collector.add(
                    WARNING,
                    i,
                    key,
                    f"合计行的{BY_KEY[key].label}{_shown(key, column[i])}{unit}不等于各区县目标之和"
                    f"{_shown(key, sum(districts))}{unit}，已按合计行作为全市目标；如全市目标就是各区县之和，请改正合计行",
                    rows.cells[key][i],
                )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        before = {
            (scope, metric): value
            for scope, metric, value in con.execute(
                "SELECT scope, metric, value FROM v_targets WHERE year = ?", [parsed.year]
            ).fetchall()
        }
        keys = [
            (r.scope, r.metric, Decimal(str(r.value)).quantize(Decimal("0.0001"))) for r in parsed.table.itertuples()
        ]
        new = sum((scope, metric) not in before for scope, metric, _ in keys)
        unchanged = sum(before.get((scope, metric)) == value for scope, metric, value in keys)
        return {"new": new, "updated": len(keys) - new - unchanged, "duplicate": unchanged}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        con.executemany(
            "INSERT INTO targets VALUES (?, ?, ?, ?, ?::DECIMAL(20, 4), false, ?, ?)",
            [
                (batch_id, int(r.year), r.scope, r.metric, str(r.value), r.source_sheet, int(r.source_row))
                for r in parsed.table.itertuples(index=False)
            ],
        )
        con.executemany(
            "INSERT INTO target_columns VALUES (?, ?, ?)",
            [(batch_id, parsed.year, metric) for metric in parsed.target_metrics],
        )
        for statement in _RECOMPUTE_CURRENT:
            con.execute(statement)
        return counts

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        for statement in _RECOMPUTE_CURRENT:
            con.execute(statement)

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        """Every metric of every district (limit does not apply): one row per district of the city
        and 全市, one column per metric the file carries, values in the metric's unit. A district
        the file leaves out shows — (no target); a city cell left blank shows the districts' sum."""
        frame = parsed.table
        given = {(r.scope, r.metric): r.value for r in frame.itertuples()}
        keys = [m.key for m in TARGETED if m.key in parsed.target_metrics]
        names = [(d.code, d.name) for d in reference.districts]
        table = pd.DataFrame(
            {
                "区县": [name for _, name in names],
                **{BY_KEY[k].heading: [_shown(k, given.get((code, k))) for code, _ in names] for k in keys},
            }
        )
        city: dict[str, str] = {}
        for k in keys:
            if (CITY, k) in given:
                city[BY_KEY[k].heading] = _shown(k, given[(CITY, k)])
                continue
            parts = [given[(code, k)] for code, _ in names if (code, k) in given]
            city[BY_KEY[k].heading] = f"{_shown(k, sum(parts))}（各区县之和）" if parts else "—"
        return pd.concat([table, pd.DataFrame([{"区县": "全市", **city}])], ignore_index=True)

    def year_of(self, parsed: ParsedFile) -> int | None:
        return parsed.year

    def template(self, districts: list[str], year: int) -> bytes:
        return targets_template(districts, year, [m.heading for m in HEADLINE if m.has_target])


KIND: FileKind = Targets()
