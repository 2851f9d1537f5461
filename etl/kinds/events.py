"""对接活动 (matchmaking events): one row per event (日期, 活动名称, 区县或园区, 主办银行, 参会企业数),
and optionally a second sheet listing the enterprises that attended (活动名称, 统一社会信用代码).

An event is its date and name: a later file listing it again replaces it. Its attendee list is the
newest active batch's that gave one (v_outreach_attendees). Undo: the batch stops counting."""

from __future__ import annotations

import duckdb
import pandas as pd

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import ERROR, WARNING, Issue, ParsedFile
from etl.kinds import outreach_cells as cells
from etl.kinds.base import Context, FileKind
from etl.kinds.outreach_cells import insert_frame
from etl.normalise import Invalid, to_text
from etl.rows import Collector, Rows
from pledge.reference import Reference


def event_key(day, name: str) -> str:
    return f"{day.isoformat()}|{name}"


class Events(FileKind):
    spec = Kind(
        "events",
        "对接活动",
        (
            Field("date", "日期", ("日期", "活动日期", "活动时间", "举办日期", "举办时间")),
            Field("name", "活动名称", ("活动名称", "活动", "对接活动名称", "活动主题")),
            Field("place", "区县或园区", ("区县或园区", "区县", "所属区县", "园区", "举办地点", "活动地点", "地点")),
            Field("banks", "主办银行", ("主办银行", "参与银行", "合作银行", "对接银行", "承办银行")),
            Field("attendee_count", "参会企业数", ("参会企业数", "参会企业", "参加企业数", "参会企业(家)", "企业数")),
            Field("enterprise_name", "企业名称", ("企业名称", "参会企业名称", "企业")),
            Field("uscc", "统一社会信用代码", ("统一社会信用代码", "信用代码", "社会信用代码")),
        ),
        signature=("date", "name"),
        record_fields=("banks", "attendee_count", "uscc"),
    )
    template_name = "对接活动模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, collector: Collector, context: Context) -> None:
        reference, today = context.reference, context.today
        sheets = list(dict.fromkeys(rows.sheet))
        listing = {s for s in sheets if (s, "uscc") in rows.headers}  # the attendee sheets
        for sheet in sheets:
            if sheet in listing:
                continue
            for field_name, label in (("date", "日期"), ("name", "活动名称")):
                if (sheet, field_name) not in rows.headers:
                    parsed.issues.append(Issue(ERROR, f"工作表“{sheet}”缺少必填列“{label}”，请补上后重新导入", sheet))

        def event_date(value):
            if normalise.is_blank(value):
                raise Invalid("活动日期为空")
            found = normalise.date(value)
            day = normalise.settled(found)
            if day.year < 2000 or day > today:
                raise Invalid(f"活动日期{day.isoformat()}不在合理范围内（不能晚于今天）")
            return found

        def event_name(value):
            name = to_text(value).replace(" ", "")
            if not name:
                raise Invalid("活动名称为空")
            return name

        is_event = [s not in listing for s in rows.sheet]
        dates = collector.column("date", event_date)
        names = collector.column("name", event_name)
        places = collector.column("place", cells.optional_text)
        bank_lists = [cells.banks(reference, v) for v in rows.cells.get("banks", [None] * len(rows))]
        counts = collector.column("attendee_count", normalise.optional_count)
        ent_names = collector.column("enterprise_name", cells.optional_text)
        codes = collector.column("uscc", lambda v: normalise.uscc(v) if not normalise.is_blank(v) else None)

        events: dict[str, int] = {}
        by_name: dict[str, list[str]] = {}
        districts: list[str | None] = [None] * len(rows)
        for i in range(len(rows)):
            if not is_event[i] or dates[i] is None or names[i] is None:
                continue
            key = event_key(dates[i], names[i])
            if key in events:
                collector.add(
                    WARNING, i, "name", f"与第{rows.row[events[key]]}行是同一活动（日期和名称相同），按本行导入"
                )
            events[key] = i
            by_name.setdefault(names[i], []).append(key)
            if places[i]:
                districts[i] = reference.district_code(places[i])
                if districts[i] is None:
                    collector.add(WARNING, i, "place", "未能对应到一个区县，该活动只计入全市", places[i])
        attendees: list[tuple[str, str, str | None]] = []
        for i in range(len(rows)):
            if is_event[i]:
                continue
            if codes[i] is None:
                collector.add(ERROR, i, "uscc", "对接企业名单中统一社会信用代码为空")
                continue
            keys = by_name.get(names[i] or "", [])
            if names[i] is None and len(events) == 1:
                keys = list(events)
            if dates[i] is not None:
                keys = [k for k in keys if k.startswith(dates[i].isoformat())]
            if len(keys) != 1:
                why = "在活动表中有多场，请填写活动日期" if len(keys) > 1 else "不在本文件的活动表中"
                collector.add(ERROR, i, "name", f"对接企业名单的活动“{names[i] or ''}”{why}", names[i])
                continue
            attendees.append((keys[0], codes[i], ent_names[i]))
        kept = sorted(events.values())
        parsed.frame = pd.DataFrame(
            {
                "event_key": [event_key(dates[i], names[i]) for i in kept],
                "event_date": [dates[i] for i in kept],
                "name": [names[i] for i in kept],
                "place": [places[i] for i in kept],
                "district_code": [districts[i] for i in kept],
                "banks": [bank_lists[i] for i in kept],
                "attendee_count": pd.array([counts[i] for i in kept], dtype="Int64"),
                "source_sheet": [rows.sheet[i] for i in kept],
                "source_row": [rows.row[i] for i in kept],
            }
        )
        if not kept and not parsed.errors:
            parsed.issues.append(Issue(ERROR, "文件中没有活动记录（日期、活动名称）"))
        parsed.side_tables["attendees"] = pd.DataFrame(
            attendees, columns=["event_key", "uscc", "name"]
        ).drop_duplicates(["event_key", "uscc"])

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        frame = parsed.table
        known = {r[0] for r in con.execute("SELECT event_key FROM v_outreach_events").fetchall()}
        new = sum(k not in known for k in frame["event_key"])
        return {"new": new, "updated": len(frame) - new, "duplicate": 0}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        insert_frame(con, "outreach_events", parsed.table.assign(batch_id=batch_id))
        listed = attendees_of(parsed)
        if len(listed):
            insert_frame(con, "outreach_attendees", listed.assign(batch_id=batch_id))
        return counts

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # the views read active batches only

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)
        listed = attendees_of(parsed).groupby("event_key").size()
        return pd.DataFrame(
            {
                "日期": frame["event_date"],
                "活动名称": frame["name"],
                "区县或园区": frame["place"],
                "所属区县": frame["district_code"].map(lambda c: reference.district_names.get(c, "—")),
                "主办银行": frame["banks"].map("、".join),
                "参会企业数(家)": frame["attendee_count"],
                "名单企业数(家)": frame["event_key"].map(lambda k: int(listed.get(k, 0))),
            }
        )

    def template(self, districts: list[str], year: int) -> bytes:
        from etl.templates_outreach import events_template

        return events_template(districts, year)


def attendees_of(parsed: ParsedFile) -> pd.DataFrame:
    found = parsed.side_tables.get("attendees")
    return found if found is not None else pd.DataFrame({"event_key": [], "uscc": [], "name": []})


KIND = Events()
