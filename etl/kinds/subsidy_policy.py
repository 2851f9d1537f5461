"""贴息政策: a year's subsidy policy as a parameter sheet, one row per parameter (参数 | 取值 | 说明),
from the template or from the 贴息政策 page's form (which writes the same sheet). Each load is a
batch; the year's policy is the newest active one (v_subsidy_policies), so undo restores the last."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from etl.columns import Field, Kind, clean_header
from etl.issues import ERROR, Issue, ParsedFile
from etl.kinds.base import Context, FileKind
from etl.normalise import to_text
from etl.rows import Collector, Rows
from etl.subsidy_templates import policy_template
from pledge.reference import Reference
from pledge.subsidy.policy import BY_KEY, PARAMS, Policy, PolicyError, as_text, from_values, parse_value

_BY_CLEAN = {clean_header(p.label)[0]: p for p in PARAMS} | {clean_header(p.key)[0]: p for p in PARAMS}


def _param(value):
    text = clean_header(to_text(value))[0]
    found = _BY_CLEAN.get(text) or _BY_CLEAN.get(re.sub(r"[(（].*$", "", text))
    if found is None:
        raise ValueError(text)
    return found


class SubsidyPolicy(FileKind):
    spec = Kind(
        "subsidy_policy",
        "贴息政策",
        (
            Field("param", "参数", ("参数", "参数名称", "项目", "政策参数"), True),
            Field("value", "取值", ("取值", "值", "参数值", "内容", "设定值"), True),
            Field("note", "说明", ("说明", "备注", "释义")),
        ),
        signature=("param", "value"),
    )
    needs_districts = False
    template_name = "贴息政策参数模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        values: dict[str, str | None] = {}
        where: dict[str, int] = {}
        for i, (name, value) in enumerate(zip(rows.cells.get("param", []), rows.cells.get("value", []))):
            if not to_text(name):
                continue
            try:
                param = _param(name)
            except ValueError:
                known = "、".join(p.label for p in PARAMS)
                collector.add(ERROR, i, "param", f"不认识的参数，应为：{known}", name)
                continue
            if param.key in where:
                collector.add(ERROR, i, "param", f"与第{rows.row[where[param.key]]}行重复", name)
                continue
            where[param.key] = i
            try:
                typed = parse_value(param, to_text(value))
            except PolicyError as problem:
                collector.add(ERROR, i, "value", str(problem), value)
                continue
            values[param.key] = as_text(param, typed)
        if not values.get("year") and context.year:
            values["year"] = str(context.year)
        try:
            policy: Policy = from_values(values)
        except PolicyError as problem:
            if not parsed.errors:
                parsed.issues.append(
                    Issue(ERROR, f"{problem}，请补充后重新导入", rows.sheet[0] if rows.sheet else None)
                )
            return
        if context.year and policy.year != context.year:
            parsed.issues.append(Issue(ERROR, f"参数表的年度为{policy.year}年，而保存的是{context.year}年的政策"))
        parsed.year = policy.year
        parsed.frame = pd.DataFrame(
            {"param": [p.key for p in PARAMS], "value": pd.Series([values.get(p.key) for p in PARAMS], dtype=object)}
        )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        before = dict(
            con.execute("SELECT param, value FROM v_subsidy_policies WHERE year = ?", [parsed.year]).fetchall()
        )
        frame = parsed.table
        given = {p: v for p, v in zip(frame["param"], frame["value"]) if not pd.isna(v)}
        new = sum(p not in before for p in given)
        same = sum(before.get(p) == v for p, v in given.items())
        return {"new": new, "updated": len(given) - new - same, "duplicate": same}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        con.executemany(
            "INSERT INTO subsidy_policies VALUES (?, ?, ?, ?)",
            [
                (batch_id, parsed.year, r.param, None if pd.isna(r.value) else r.value)
                for r in parsed.table.itertuples(index=False)
            ],
        )
        return counts

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # v_subsidy_policies follows the newest active batch of each year by itself

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table
        return pd.DataFrame(
            {
                "参数": [BY_KEY[k].label for k in frame["param"]],
                "取值": frame["value"].fillna("（不设）"),
                "说明": [BY_KEY[k].note for k in frame["param"]],
            }
        )

    def template(self, districts: list[str], year: int) -> bytes:
        return policy_template(year, None)


KIND: FileKind = SubsidyPolicy()
