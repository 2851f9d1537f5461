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
from etl.issues import ERROR, Issue, ParsedFile
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, apply_unique, text_cells, to_text
from etl.read import RawSheet
from etl.rows import Collector, Rows, money
from etl.templates import targets_template
from pledge.catalogue import CITY, HEADLINE, TARGETED
from pledge.reference import Reference

# How a 全市 row is written; any other name ending in 市 that is no district counts too.
CITY_WORDS = {"全市", "全市合计", "全市目标", "市级", "全市总计", "全市总目标"}
_YEAR_RE = re.compile(r"(20\d{2})\s*年")


def _target_year(parsed: ParsedFile, rows: Rows, sheets: list[RawSheet], year: int | None, c: Collector) -> int | None:
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


def _scope_of(reference: Reference):
    known = "、".join(d.name for d in reference.districts)

    def scope(value):
        text = to_text(value).replace(" ", "")
        if text in CITY_WORDS or text.endswith("市") and reference.district_code(text) is None:
            return CITY
        code = reference.district_code(text)
        if code is None:
            raise Invalid(f"区县“{text}”不在本市区县名单中（应为：{known}，或“全市”）" if text else "区县为空")
        return code

    return scope


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
    spec = Kind(
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

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        parsed.year = _target_year(parsed, rows, context.sheets, context.year, collector)
        metrics = [f for f in self.spec.fields if f.name not in ("district", "year") and f.name in rows.cells]
        if not metrics:
            parsed.issues.append(
                Issue(ERROR, "目标表中没有找到任何目标列（质押融资金额、质押发明专利、惠及企业、首贷企业等）")
            )
            return
        parsed.target_metrics = [f.name for f in metrics]
        scopes = collector.column("district", _scope_of(context.reference))
        seen: dict[str, int] = {}
        for i, s in enumerate(scopes):
            if s is None:
                continue
            if s in seen:
                collector.add(ERROR, i, "district", f"与第{rows.row[seen[s]]}行重复", rows.cells["district"][i])
            seen[s] = i
        records = []
        for f in metrics:
            if f.money:
                values = money(rows, collector, parsed, f, normalise.optional_money_yuan)
            else:
                values = collector.column(f.name, normalise.optional_count)
            for i, value in enumerate(values):
                if value is not None and scopes[i] is not None:
                    records.append((parsed.year, scopes[i], f.name, value, rows.sheet[i], rows.row[i]))
        parsed.frame = pd.DataFrame(records, columns=["year", "scope", "metric", "value", "source_sheet", "source_row"])

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
        """Every metric of every district (not only the first rows), in the metric's unit."""
        frame = parsed.table
        scale = {m.key: m.scale for m in TARGETED}
        wide = frame.assign(value=[float(v) / scale[m] for v, m in zip(frame["value"], frame["metric"])])
        table = wide.pivot_table(index="scope", columns="metric", values="value", aggfunc="first")
        table = table.reindex(columns=[m.key for m in TARGETED if m.key in table.columns])
        table = table.rename(columns={m.key: m.heading for m in TARGETED}).reset_index()
        names = reference.district_names
        table.insert(0, "区县", table.pop("scope").map(lambda s: "全市" if s == CITY else names.get(s, s)))
        table.insert(0, "年度", parsed.year)
        return table

    def year_of(self, parsed: ParsedFile) -> int | None:
        return parsed.year

    def template(self, districts: list[str], year: int) -> bytes:
        return targets_template(districts, year, [m.heading for m in HEADLINE if m.has_target])


KIND = Targets()
