"""质押登记: patent pledge events as extracted from the CNIPA gazette or the registration system.

One row is one event of one or more patents: PE01 质押生效, PM01 变更, PC01 注销 (with 登记号,
出质人 and 质权人), or a lapse of a pledged patent, CF01 未缴年费终止 and IW01 全部无效 (no 登记号).
A row listing several patents is one event per patent. Cumulative extracts repeat events: an
event is its key (登记号, 事件, 日期, 专利号) and loading it again counts nothing twice
(v_registration_events keeps the newest active row of each key; undo brings back the one before).
The gazette carries no loan amount: these are never added to the ledgers' figures."""

from __future__ import annotations

import datetime as dt
import io

import duckdb
import pandas as pd
import xlsxwriter

from etl import normalise
from etl.columns import Field, Kind
from etl.issues import ERROR, WARNING, Issue, ParsedFile
from etl.kinds.base import Context, FileKind
from etl.normalise import Invalid, to_text
from etl.rows import Collector, Rows
from etl.templates import valid_dates
from pledge.reference import Reference

# Gazette codes and what each means; the file may say either.
EVENTS = {
    "PE01": "质押生效",
    "PM01": "质押变更",
    "PC01": "质押注销",
    "CF01": "未缴年费终止",
    "IW01": "全部无效",
}
PLEDGE_EVENTS = ("PE01", "PM01", "PC01")
# Words that name an event, tried in this order (终止 before 生效: "专利权终止" is a lapse).
_EVENT_WORDS = [
    ("IW01", ("无效",)),
    ("CF01", ("年费", "终止")),
    ("PC01", ("注销", "解除")),
    ("PM01", ("变更",)),
    ("PE01", ("生效", "设立")),
]
# The date column each event is dated by, when the file has one per event.
_DATE_FOR_EVENT = {"PE01": "effective_date", "PM01": "change_date", "PC01": "release_date"}
BANK_WORDS = ("银行", "信用社", "农商行", "信用合作联社", "农信社")
TEMPLATE_HEADERS = [
    ("事件", 14),
    ("专利号", 22),
    ("登记号", 20),
    ("日期", 13),
    ("出质人", 30),
    ("质权人", 30),
    ("出质人统一社会信用代码", 22),
    ("主分类号", 12),
    ("发明名称", 30),
]


def event_code(value) -> str:
    """'PE01' or '质押生效' (or the gazette's longer wording) -> 'PE01'."""
    text = to_text(value).replace(" ", "").upper()
    if not text:
        raise Invalid("事件为空")
    if text[:4] in EVENTS:  # "PE01", "PE01 质押生效"
        return text[:4]
    found = [code for code, words in _EVENT_WORDS if any(w in text for w in words)]
    if not found and "登记" in text:  # "质押登记" with no other word: the pledge itself
        found = ["PE01"]
    if not found or (len(found) > 1 and found[0] in PLEDGE_EVENTS):
        allowed = "、".join(f"{code} {label}" for code, label in EVENTS.items())
        raise Invalid(f"无法识别的事件，应为{allowed}之一")
    return found[0]


def pledgor_key(name: str | None) -> str | None:
    """A name as pledgors are matched to enterprises (pledge/metrics/registrations.NAME_KEY does the
    same in SQL): half-width, no spaces, 有限责任公司 written 有限公司."""
    if not name:
        return None
    return normalise.enterprise_name(name).replace(" ", "").replace("有限责任公司", "有限公司")


def is_bank(name: str, reference: Reference) -> bool:
    return reference.head_bank(name) in reference.banks or any(w in name for w in BANK_WORDS)


def _patents(value) -> list[str]:
    found = normalise.patent_numbers(value, "专利")
    if not found:
        raise Invalid("专利号为空")
    return [no for no, _ in found]


def _optional_uscc(value) -> str | None:
    return None if normalise.is_blank(value) else normalise.uscc(value)


class Registrations(FileKind):
    spec = Kind(
        "registrations",
        "质押登记",
        (
            Field("event", "事件", ("事件", "事件类型", "法律状态", "法律状态信息", "公告类型", "登记类型"), True),
            Field("patent_no", "专利号", ("专利号", "申请号", "专利申请号", "质押专利号"), True),
            Field("reg_no", "登记号", ("登记号", "质押登记号", "合同登记号", "质押合同登记号")),
            Field("event_date", "日期", ("日期", "事件日期", "公告日", "法律状态公告日", "登记日期")),
            Field("effective_date", "生效日", ("生效日", "生效日期", "登记生效日")),
            Field("change_date", "变更日", ("变更日", "变更日期")),
            Field("release_date", "解除日", ("解除日", "解除日期", "注销日", "注销日期")),
            Field("pledgor", "出质人", ("出质人", "出质人名称")),
            Field("pledgee", "质权人", ("质权人", "质权人名称")),
            Field(
                "pledgor_uscc",
                "出质人统一社会信用代码",
                ("出质人统一社会信用代码", "统一社会信用代码", "出质人信用代码"),
            ),
            Field("ipc", "主分类号", ("主分类号", "IPC分类号", "分类号", "IPC主分类号")),
            Field("title", "发明名称", ("发明名称", "专利名称", "发明创造名称")),
        ),
        signature=("event", "patent_no"),
        record_fields=("event", "pledgor", "pledgee"),
    )
    template_name = "质押登记模板"

    def normalise(self, parsed: ParsedFile, rows: Rows, c: Collector, context: Context) -> None:
        reference, today = context.reference, context.today
        n = len(rows)
        event = c.column("event", event_code)
        patents = c.column("patent_no", _patents)
        reg_no = c.column("reg_no", normalise.registration_no)
        dates = {
            name: c.column(name, normalise.optional_date)
            for name in ("event_date", "effective_date", "change_date", "release_date")
        }
        pledgor = c.column("pledgor", lambda v: None if normalise.is_blank(v) else normalise.enterprise_name(v))
        pledgee = c.column("pledgee", lambda v: to_text(v) or None)
        uscc = c.column("pledgor_uscc", _optional_uscc, soft=True, soft_note="已留空，按出质人名称匹配企业")
        ipc = c.column("ipc", lambda v: to_text(v) or None)
        title = c.column("title", lambda v: to_text(v) or None)
        if not any(name in rows.cells for name in dates):
            for sheet in dict.fromkeys(rows.sheet):
                parsed.issues.append(
                    _sheet_error(sheet, "缺少日期列（日期，或生效日、变更日、解除日），请补上后再导入")
                )

        records = []
        for i in range(n):
            code, day = event[i], None
            if code:
                own = dates.get(_DATE_FOR_EVENT.get(code, ""), [None] * n)[i]
                given = [own, dates["event_date"][i], *(dates[k][i] for k in _DATE_FOR_EVENT.values())]
                day = next((d for d in given if d), None)
                if day is None and any(name in rows.cells for name in dates):
                    c.add(ERROR, i, None, f"{EVENTS[code]}事件没有日期，请填写日期")
                elif day is not None and day > today:
                    c.add(ERROR, i, None, f"日期{day.isoformat()}晚于今天（{today.isoformat()}），请核对")
                if code in PLEDGE_EVENTS and not reg_no[i]:
                    c.add(ERROR, i, "reg_no", f"{EVENTS[code]}事件缺少登记号，请填写质押登记号")
                if code == "PE01":
                    for field_name, value, label in (
                        ("pledgor", pledgor[i], "出质人"),
                        ("pledgee", pledgee[i], "质权人"),
                    ):
                        if not value:
                            c.add(
                                ERROR, i, field_name if field_name in rows.cells else None, f"质押生效事件缺少{label}"
                            )
                if code in ("CF01", "IW01") and reg_no[i]:
                    c.add(WARNING, i, "reg_no", f"{EVENTS[code]}是专利本身的事件，登记号不参与匹配", reg_no[i])
            for patent in patents[i] or []:
                lapse = code in ("CF01", "IW01")
                records.append(
                    {
                        "source_sheet": rows.sheet[i],
                        "source_row": rows.row[i],
                        "event": code,
                        "reg_no": None if lapse else reg_no[i],
                        "patent_no": patent,
                        "event_date": day,
                        "pledgor": pledgor[i],
                        "pledgor_key": pledgor_key(pledgor[i]),
                        "pledgor_uscc": uscc[i],
                        "pledgee": pledgee[i],
                        "pledgee_head": reference.head_bank(pledgee[i])
                        if pledgee[i] and is_bank(pledgee[i], reference)
                        else None,
                        "ipc": ipc[i],
                        "title": title[i],
                    }
                )
        frame = pd.DataFrame(records, columns=_COLUMNS)
        frame["event_date"] = pd.to_datetime(frame["event_date"])
        frame["event_key"] = [
            f"{r or ''}|{e}|{d:%Y-%m-%d}|{p}" if pd.notna(d) else None
            for r, e, d, p in zip(frame["reg_no"], frame["event"], frame["event_date"], frame["patent_no"])
        ]
        hashed = pd.util.hash_pandas_object(frame.drop(columns=["source_sheet", "source_row"]).astype(str), index=False)
        frame["row_hash"] = hashed.map("{:016x}".format)
        repeated = frame["event_key"].duplicated(keep="last") & frame["event_key"].notna()
        parsed.frame = frame[~repeated].reset_index(drop=True)  # the same event twice in one file: once

    def count(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile) -> dict:
        con.register("incoming", parsed.table[["event_key", "row_hash"]])
        try:
            new, updated, same = con.execute(
                """SELECT count(*) FILTER (WHERE v.event_key IS NULL),
                          count(*) FILTER (WHERE v.row_hash <> i.row_hash),
                          count(*) FILTER (WHERE v.row_hash = i.row_hash)
                   FROM incoming i LEFT JOIN v_registration_events v USING (event_key)"""
            ).fetchall()[0]
        finally:
            con.unregister("incoming")
        return {"new": new, "updated": updated, "duplicate": same}

    def load(self, con: duckdb.DuckDBPyConnection, parsed: ParsedFile, batch_id: int) -> dict:
        counts = self.count(con, parsed)
        con.register("incoming", parsed.table)
        try:
            con.execute(
                """INSERT INTO registration_events
                   SELECT ?, event_key, row_hash, event, reg_no, patent_no, event_date::DATE, pledgor, pledgor_key,
                          pledgor_uscc, pledgee, pledgee_head, ipc, title, source_sheet, source_row
                   FROM incoming""",
                [batch_id],
            )
        finally:
            con.unregister("incoming")
        return counts

    def undo(self, con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
        pass  # v_registration_events follows the active batches by itself

    def preview(self, parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
        frame = parsed.table.head(limit)
        return pd.DataFrame(
            {
                "工作表": frame["source_sheet"],
                "行号": frame["source_row"],
                "事件": frame["event"].map(lambda e: f"{e} {EVENTS.get(e, '')}"),
                "专利号": frame["patent_no"],
                "登记号": frame["reg_no"],
                "日期": frame["event_date"].dt.date,
                "出质人": frame["pledgor"],
                "质权人": frame["pledgee"],
                "质权人是否银行": frame["pledgee_head"].notna().map({True: "是", False: "否（反担保）"}),
            }
        )

    def year_of(self, parsed: ParsedFile) -> int | None:
        return None  # registrations move no figure of the ledgers

    def template(self, districts: list[str], year: int) -> bytes:
        return registrations_template(year)


_COLUMNS = [
    "source_sheet",
    "source_row",
    "event",
    "reg_no",
    "patent_no",
    "event_date",
    "pledgor",
    "pledgor_key",
    "pledgor_uscc",
    "pledgee",
    "pledgee_head",
    "ipc",
    "title",
]


def _sheet_error(sheet: str, message: str) -> Issue:
    return Issue(ERROR, message, sheet)


def registrations_template(year: int) -> bytes:
    """A blank extract: the headers the loader reads, one example row and the events as a drop-down."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("质押登记")
    sheet.write(0, 0, f"{year}年专利权质押登记事件（摘自专利公报或质押登记系统）", book.add_format({"bold": True}))
    for col, (name, width) in enumerate(TEMPLATE_HEADERS):
        sheet.write(1, col, name, bold)
        sheet.set_column(col, col, width)
    example = [
        "【示例行，导入时自动跳过】PE01 质押生效",
        "ZL201310699744.2",
        f"Y{year}990000001",
        dt.datetime(year, 3, 1),
        "示例科技有限公司",
        "中国工商银行股份有限公司示例支行",
        "91110000710925462X",
        "G06F 16/00",
        "一种数据处理方法",
    ]
    for col, value in enumerate(example):
        if isinstance(value, dt.datetime):
            sheet.write_datetime(2, col, value, day)
        else:
            sheet.write(2, col, value)
    sheet.set_column(3, 3, 13, day)
    options = book.add_worksheet("选项")
    options.write_column(0, 0, [f"{code} {label}" for code, label in EVENTS.items()])
    options.hide()
    sheet.data_validation(
        2,
        0,
        2000,
        0,
        {
            "validate": "list",
            "source": f"=选项!$A$1:$A${len(EVENTS)}",
            "error_title": "请从列表中选择",
            "error_message": "事件请从下拉列表中选择",
        },
    )
    valid_dates(sheet, 3)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


KIND = Registrations()
