"""区县名单: the city's districts and functional zones, with their codes and aliases. Versioned by
batch like everything else: the newest active list is the city's list (v_districts)."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import LoadRefused, ParsedFile
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, to_text
from etl.rows import Collector, Rows
from pledge.reference import Reference, split_aliases
from pledge.sql import fetch_value


def _code(value) -> str:
    text = to_text(value)
    if not re.fullmatch(r"\d{6}", text):
        raise Invalid(f"行政区划代码应为6位数字，读到“{text}”")
    return text


def refuse_dropping_used_districts(con: duckdb.DuckDBPyConnection, codes_after: set[str]) -> None:
    used = con.execute(
        """SELECT DISTINCT d.name FROM v_loans l JOIN v_districts d ON d.code = l.district_code
           WHERE l.district_code NOT IN (SELECT unnest(?::VARCHAR[]))""",
        [sorted(codes_after)],
    ).fetchall()
    if used:
        names = "、".join(r[0] for r in used)
        raise LoadRefused(f"区县名单中缺少已有贷款记录的区县：{names}。请保留这些区县（可改名或加别名）")


class Districts(FileKind):
    spec = Kind(
        "districts",
        "区县名单",
        (
            Field("name", "区县名称", ("区县名称", "名称", "区县", "行政区名称", "行政区划名称"), True),
            Field("code", "行政区划代码", ("行政区划代码", "区划代码", "代码", "区县代码", "行政区代码"), True),
            Field("aliases", "别名", ("别名", "简称", "其他名称", "别称")),
        ),
        signature=("name", "code"),
    )
    needs_districts = False
    required_role = "admin"  # the city's reference data: an admin's, wherever it comes from

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        names = collector.column("name", lambda v: normalise.enterprise_name(v).replace(" ", ""))
        codes = collector.column("code", _code)
        aliases = [split_aliases(to_text(v)) for v in rows.cells.get("aliases", [None] * len(rows))]
        for field_name, values in (("name", names), ("code", codes)):
            first: dict[str, int] = {}
            for i, value in enumerate(values):
                if value is None:
                    continue
                if value in first:
                    collector.add("error", i, field_name, f"与第{rows.row[first[value]]}行重复", value)
                first.setdefault(value, i)
        parsed.frame = pd.DataFrame(
            {"code": codes, "name": names, "aliases": aliases, "sort_order": range(1, len(rows) + 1)}
        )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        frame = parsed.table
        before = dict(con.execute("SELECT code, name FROM v_districts").fetchall())
        new = sum(code not in before for code in frame["code"])
        unchanged = sum(before.get(code) == name for code, name in zip(frame["code"], frame["name"]))
        return {"new": new, "updated": len(frame) - new - unchanged, "duplicate": unchanged}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        frame = parsed.table
        counts = self.count(con, parsed)
        refuse_dropping_used_districts(con, set(frame["code"]))
        con.executemany(
            "INSERT INTO districts VALUES (?, ?, ?, ?, ?)",
            [[batch_id, r.code, r.name, list(r.aliases), int(r.sort_order)] for r in frame.itertuples(index=False)],
        )
        return counts

    def check_undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        """Undoing the current list brings back the previous one: it must keep every district with loans."""
        current = fetch_value(con, "SELECT max(id) FROM batches WHERE kind = 'districts' AND status = 'active'")
        if current != batch_id:
            return
        previous = con.execute(
            """SELECT code FROM districts WHERE batch_id = (SELECT max(id) FROM batches
               WHERE kind = 'districts' AND status = 'active' AND id <> ?)""",
            [batch_id],
        ).fetchall()
        refuse_dropping_used_districts(con, {r[0] for r in previous})

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # v_districts follows the newest active batch by itself

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)
        return pd.DataFrame(
            {
                "区县名称": frame["name"],
                "行政区划代码": frame["code"],
                "别名": frame["aliases"].map("、".join),
            }
        )


KIND = Districts()
