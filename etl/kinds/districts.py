"""区县名单: the city's districts and functional zones, with their codes and aliases. Versioned by
batch like everything else: the newest active list is the city's list (v_districts).

A row needs a name; its code, when given, is a 6-digit administrative division code. A functional
zone (高新区, 经开区) often has none: it gets "Z" and 5 digits derived from its name (see zone_code),
so that loading the same list again gives it the same code, and no real code (6 digits) can equal it.
A row with a prefecture code (…00, the city itself) is no district and is left out."""

from __future__ import annotations

import hashlib
import re

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import WARNING, LoadRefused, ParsedFile
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, to_text
from etl.rows import Collector, Rows
from pledge.reference import Reference, canonical_name, split_aliases
from pledge.sql import fetch_value


def _name(value) -> str:
    """As written, dashes included (蜀冈—瘦西湖 is the official name); spellings match without them."""
    name = normalise.to_text(value)
    if not name:
        raise Invalid("区县名称为空")
    return name.replace(" ", "")


def _code(value) -> str | None:
    text = to_text(value)
    if not text:
        return None
    if not re.fullmatch(r"\d{6}", text):
        raise Invalid(f"行政区划代码应为6位数字（功能区没有代码可留空），读到“{text}”")
    return text


def zone_code(name: str) -> str:
    """A functional zone's code: Z and 5 digits of a hash of its name as districts are matched
    (高新技术产业开发区 and 高新区 give the same code)."""
    digest = hashlib.sha256(canonical_name(name).encode()).digest()
    return f"Z{int.from_bytes(digest[:8], 'big') % 100_000:05d}"


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
        names = collector.column("name", _name)
        codes = collector.column("code", _code)
        aliases = [split_aliases(to_text(v)) for v in rows.cells.get("aliases", [None] * len(rows))]
        kept = []
        for i, (name, code) in enumerate(zip(names, codes)):
            if code is not None and code.endswith("00"):
                collector.add(WARNING, i, "code", f"{code}是市级（或省级）行政区划代码，“{name}”不作为区县导入", code)
                continue
            if code is None and name and rows.cells.get("code", [None] * len(rows))[i] is None:
                code = codes[i] = zone_code(name)
                collector.add(WARNING, i, "code", f"未填行政区划代码，按功能区处理，代码记为{code}")
            kept.append(i)
        for field_name, values in (("name", names), ("code", codes)):
            first: dict[str, int] = {}
            for i in kept:
                value = values[i]
                if value is None:
                    continue
                if value in first:
                    same = f"与第{rows.row[first[value]]}行重复"
                    if field_name == "code" and value.startswith("Z"):  # two zones whose names are one
                        same = f"按名称生成的代码{value}{same}（两者名称实为同一功能区？否则请为其中一个填写代码）"
                    collector.add("error", i, field_name, same, value)
                first.setdefault(value, i)
        parsed.frame = pd.DataFrame(
            {
                "code": [codes[i] for i in kept],
                "name": [names[i] for i in kept],
                "aliases": [aliases[i] for i in kept],
                "sort_order": range(1, len(kept) + 1),
            }
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
