"""企业名单 (roster): the enterprises the bureau can reach, from whatever list it has (高新技术企业,
专精特新, holders of invention patents). Several rosters merge by USCC (v_roster): the newest
roster's stated values count, the tags of every roster add up. Undo: the batch stops counting."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import WARNING, Issue, ParsedFile
from etl.kinds import outreach_cells as cells
from etl.kinds.base import Context, FileKind
from etl.kinds.outreach_cells import insert_frame
from etl.rows import Collector, Rows
from pledge.reference import Reference


class Roster(FileKind):
    spec = Kind(
        "roster",
        "企业名单",
        (
            Field("name", "企业名称", ("企业名称", "企业", "单位名称", "公司名称"), True),
            Field("uscc", "统一社会信用代码", ("统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码"), True),
            Field("district", "所属区县", ("所属区县", "区县", "所属区域", "区域", "辖区", "所在区县", "所属区")),
            Field(
                "invention_patents",
                "有效发明专利数",
                ("有效发明专利数", "有效发明专利", "有效发明专利量", "发明专利数", "发明专利", "有效发明专利(件)"),
            ),
            Field("patents", "有效专利数", ("有效专利数", "有效专利", "有效专利量", "专利数", "专利总数")),
            Field("tags", "标签", ("标签", "企业标签", "资质", "认定类型", "企业资质", "荣誉资质")),
            Field("contact", "联系人", ("联系人", "联系方式", "联系人及电话", "联系电话")),
        ),
        signature=("uscc", "invention_patents"),
        record_fields=("invention_patents", "patents", "tags"),
    )
    template_name = "企业名单模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        reference = context.reference
        names = collector.column("name", normalise.enterprise_name)
        codes = collector.column("uscc", normalise.uscc)
        stated = collector.column("district", lambda v: cells.district_of(reference, v))
        inventions = collector.column("invention_patents", normalise.optional_count)
        patents = collector.column("patents", normalise.optional_count)
        contact = collector.column("contact", cells.optional_text, soft=True)
        tag_lists: list[list[str]] = []
        for i, value in enumerate(rows.cells.get("tags", [None] * len(rows))):
            known, other = cells.tags(value)
            if other:
                collector.add(
                    WARNING, i, "tags", f"标签“{'、'.join(other)}”不是{'、'.join(cells.TAGS)}之一，按原样保存", value
                )
            tag_lists.append(known + other)
        districts: list[str | None] = []
        for i, (code, district) in enumerate(zip(codes, stated)):
            if district is None and code and rows.cells.get("district", [None] * len(rows))[i] is None:
                district = cells.district_from_uscc(reference, code)
            districts.append(district)
        for i, (inv, total) in enumerate(zip(inventions, patents)):
            if inv is not None and total is not None and inv > total:
                collector.add(WARNING, i, "patents", f"有效专利数{total}小于有效发明专利数{inv}，请核对", total)
        # One enterprise listed twice in a file: the later row's values, the tags of both.
        last: dict[str, int] = {}
        for i, code in enumerate(codes):
            if code is None:
                continue
            if code in last:
                first = last[code]
                collector.add(WARNING, i, "uscc", f"与第{rows.row[first]}行是同一企业，按本行导入，标签合并", code)
                tag_lists[i] = list(dict.fromkeys(tag_lists[first] + tag_lists[i]))
            last[code] = i
        kept = sorted(last.values())
        parsed.frame = pd.DataFrame(
            {
                "uscc": [codes[i] for i in kept],
                "name": [names[i] for i in kept],
                "district_code": [districts[i] for i in kept],
                "invention_patents": pd.array([inventions[i] for i in kept], dtype="Int64"),
                "patents": pd.array([patents[i] for i in kept], dtype="Int64"),
                "tags": [tag_lists[i] for i in kept],
                "contact": [contact[i] for i in kept],
                "source_sheet": [rows.sheet[i] for i in kept],
                "source_row": [rows.row[i] for i in kept],
            }
        )
        missing = sum(d is None for d in districts)
        if missing and "district" not in rows.cells:
            parsed.issues.append(
                Issue(WARNING, f"名单没有所属区县列，{missing}家企业无法从统一社会信用代码判断区县，只计入全市")
            )

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        frame = parsed.table
        known = {r[0] for r in con.execute("SELECT uscc FROM v_roster").fetchall()}
        new = sum(code not in known for code in frame["uscc"])
        return {"new": new, "updated": len(frame) - new, "duplicate": 0}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        insert_frame(con, "roster", parsed.table.assign(batch_id=batch_id))
        return counts

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # v_roster reads active batches only

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)
        return pd.DataFrame(
            {
                "企业名称": frame["name"],
                "统一社会信用代码": frame["uscc"],
                "所属区县": frame["district_code"].map(lambda c: reference.district_names.get(c, "—")),
                "有效发明专利数(件)": frame["invention_patents"],
                "有效专利数(件)": frame["patents"],
                "标签": frame["tags"].map("、".join),
                "联系人": frame["contact"],
            }
        )

    def template(self, districts: list[str], year: int) -> bytes:
        from etl.templates_outreach import roster_template

        return roster_template(districts)


KIND = Roster()
