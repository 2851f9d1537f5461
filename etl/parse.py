"""Steps 1-5 of the pipeline in one call: read → header → rows → normalise → validate.

`parse_file` never writes anything and never raises on bad input: every problem becomes an
Issue that names the sheet, the Excel row, the column and the value. A ParsedFile with any
blocking error must not be loaded (load.py refuses it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from etl import columns, normalise
from etl.header import Header, column_letter, locate
from etl.normalise import Invalid, apply_unique, to_text
from etl.read import FileProblem, RawSheet, read_tables
from etl.reference import Reference

ERROR, WARNING = "error", "warning"
SEVERITY_LABEL = {ERROR: "错误", WARNING: "提示"}
# Rows that close or annotate a table rather than hold a record (and the templates' example row).
_FOOTER = re.compile(r"^(【示例|合\s*计|小\s*计|总\s*计|累\s*计|注[:：\s]|注$|说明|备注[:：]|填表|制表|审核|负责人|联系人|联系电话|数据来源)")
CITY_WORDS = {"全市", "全市合计", "全市目标", "市级", "全市总计", "示例市", "全市总目标"}
MAX_LISTED_PER_COLUMN = 10_000  # an error report of a broken 100k-row file stays readable


@dataclass
class Issue:
    severity: str
    message: str
    sheet: str | None = None
    row: int | None = None  # Excel row number, as the analyst sees it
    column: str | None = None  # header as written, with the column letter
    value: str | None = None

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = "，".join(
            part
            for part in (
                f"工作表“{self.sheet}”" if self.sheet else "",
                f"第{self.row}行" if self.row else "",
                f"{self.column}" if self.column else "",
            )
            if part
        )
        value = f"，值“{self.value}”" if self.value not in (None, "") else ""
        return f"[{SEVERITY_LABEL[self.severity]}] {where + '：' if where else ''}{self.message}{value}"


@dataclass
class ParsedFile:
    file_name: str
    sha256: str
    data: bytes
    kind: str | None = None
    sheets: list[str] = field(default_factory=list)
    mapping: list[dict] = field(default_factory=list)  # sheet, column, header, field, unit
    frame: pd.DataFrame | None = None  # normalised rows
    patents: pd.DataFrame | None = None  # loans only: row, patent_no, patent_type
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    rows_skipped: int = 0
    year: int | None = None  # targets only

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return self.kind is not None and not self.errors

    @property
    def rows_rejected(self) -> int:
        return len({(i.sheet, i.row) for i in self.errors if i.row is not None})

    @property
    def kind_label(self) -> str:
        return columns.KINDS[self.kind].label if self.kind else "未识别"


@dataclass
class _Rows:
    """Raw cells of the data rows of one or more sheets, column-wise by field."""

    sheet: list[str] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    cells: dict[str, list] = field(default_factory=dict)
    headers: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, field) -> label
    units: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.row)


class _Collector:
    def __init__(self, parsed: ParsedFile, rows: _Rows):
        self.parsed, self.rows = parsed, rows
        self.listed: dict[str, int] = {}

    def add(self, severity: str, i: int, field_name: str | None, message: str, value=None) -> None:
        key = f"{severity}:{field_name}"
        self.listed[key] = self.listed.get(key, 0) + 1
        if self.listed[key] > MAX_LISTED_PER_COLUMN:
            return
        sheet = self.rows.sheet[i]
        header = self.rows.headers.get((sheet, field_name)) if field_name else None
        shown = None if value is None else to_text(value)
        self.parsed.issues.append(Issue(severity, message, sheet, self.rows.row[i], header, shown))

    def column(self, name: str, fn, required: bool = False) -> list:
        """Normalise one field over all rows; failures become errors on their cells."""
        raw = self.rows.cells.get(name)
        if raw is None:
            return [None] * len(self.rows)
        values, failures = apply_unique(raw, fn)
        for i, message in failures.items():
            self.add(ERROR, i, name, message, raw[i])
        return values


def parse_file(
    data: bytes,
    file_name: str,
    reference: Reference,
    kind: str | None = None,
    year: int | None = None,
    today: dt.date | None = None,
) -> ParsedFile:
    try:
        sheets = read_tables(data, file_name)
    except FileProblem as problem:
        return refused(data, file_name, str(problem))
    parsed = ParsedFile(Path(file_name).name, hashlib.sha256(data).hexdigest(), data)

    headers = _choose_headers(parsed, sheets, kind)
    if not headers:
        return parsed
    parsed.kind = headers[0].kind
    rows = _collect_rows(parsed, headers)
    if parsed.errors:
        return parsed
    if len(rows) == 0:
        parsed.issues.append(Issue(ERROR, "表头下面没有数据行", headers[0].sheet.name, headers[0].last_row + 1))
        return parsed
    if parsed.kind != "districts" and not reference.districts:
        parsed.issues.append(Issue(ERROR, "系统中还没有区县名单，请先导入区县名单（区县名称、行政区划代码、别名）"))
        return parsed
    collector = _Collector(parsed, rows)
    if parsed.kind == "loans":
        _normalise_loans(parsed, rows, collector, reference, today or dt.date.today())
    elif parsed.kind == "targets":
        _normalise_targets(parsed, rows, collector, reference, year, sheets)
    else:
        _normalise_districts(parsed, rows, collector)
    for key, count in collector.listed.items():
        if count > MAX_LISTED_PER_COLUMN:
            severity, name = key.split(":", 1)
            parsed.issues.append(
                Issue(severity, f"同类问题共{count}处，仅列出前{MAX_LISTED_PER_COLUMN}处", column=name)
            )
    return parsed


def refused(data: bytes, file_name: str, message: str) -> ParsedFile:
    """A file refused as a whole, with the one message that says why."""
    parsed = ParsedFile(Path(file_name).name, hashlib.sha256(data).hexdigest(), data)
    parsed.issues.append(Issue(ERROR, message))
    return parsed


def _choose_headers(parsed: ParsedFile, sheets: list[RawSheet], kind: str | None) -> list[Header]:
    kinds = [kind] if kind else list(columns.KINDS)
    found = [h for h in (locate(s, kinds) for s in sheets) if h is not None]
    if not found:
        expected = "、".join(f.label for f in columns.LOANS.required)
        parsed.issues.append(
            Issue(ERROR, f"在前{30}行中找不到表头。台账应含有{expected}等列；目标表应含有区县和各项目标列；区县名单应含有区县名称和行政区划代码")
        )
        return []
    best = max(found, key=lambda h: h.score())
    chosen = [h for h in found if h.kind == best.kind and (kind or h is best or h.signature_complete)]
    for sheet in sheets:
        if not any(h.sheet is sheet for h in chosen) and any(any(_text_cells(r)) for r in sheet.rows):
            parsed.issues.append(Issue(WARNING, f"工作表“{sheet.name}”不是{columns.KINDS[best.kind].label}，未导入", sheet.name))
    for header in chosen:
        for missing in header.missing_required:
            aliases = "、".join(missing.aliases[:4])
            parsed.issues.append(
                Issue(ERROR, f"缺少必填列“{missing.label}”（可用的表头有：{aliases}等）", header.sheet.name, header.first_row + 1)
            )
        parsed.sheets.append(header.sheet.name)
        for col in header.columns.values():
            parsed.mapping.append(
                {
                    "sheet": header.sheet.name,
                    "column": column_letter(col.index),
                    "header": col.header,
                    "field": columns.KINDS[header.kind].field(col.field).label,
                    "unit": col.unit or (header.table_unit if columns.KINDS[header.kind].field(col.field).money else None),
                }
            )
    return chosen


def _text_cells(row: list) -> list[str]:
    return [t for t in (to_text(c) for c in row) if t]


def _leading_texts(cells: list, count: int = 3) -> list[str]:
    """The first non-blank cells as stripped text: enough to spot 合计 rows and repeated headers
    without normalising every cell of every row."""
    found = []
    for cell in cells:
        if cell is None or cell == "":
            continue
        text = str(cell).strip()
        if text:
            found.append(text)
            if len(found) == count:
                break
    return found


def _cell(row: list, i: int):
    value = row[i] if i < len(row) else None
    return None if value is None or value == "" or (type(value) is str and not value.strip()) else value


def _collect_rows(parsed: ParsedFile, headers: list[Header]) -> _Rows:
    rows = _Rows()
    kind = columns.KINDS[parsed.kind]
    present = [f.name for f in kind.fields if any(f.name in h.columns for h in headers)]
    for name in present:
        rows.cells[name] = []
    header_words = {c.header.replace(" ", "") for h in headers for c in h.columns.values()}
    for header in headers:
        sheet = header.sheet
        for f in kind.fields:
            if f.name in header.columns:
                col = header.columns[f.name]
                rows.headers[(sheet.name, f.name)] = f"{col.header}（{column_letter(col.index)}列）"
                rows.units[(sheet.name, f.name)] = col.unit or header.table_unit
        kept = []
        for r in range(header.data_start, len(sheet.rows)):
            leading = _leading_texts(sheet.rows[r])
            if not leading or _FOOTER.match(leading[0]):
                parsed.rows_skipped += 1
            elif sum(t.replace(" ", "") in header_words for t in leading) >= 2:
                parsed.rows_skipped += 1  # the header repeated, as on every printed page
            else:
                kept.append(r)
        # Column by column: cheaper than row by row for a 100,000-row ledger.
        picked = {}
        for name in present:
            col = header.columns.get(name)
            if col is None:
                picked[name] = [None] * len(kept)
                continue
            i = col.index
            picked[name] = [_cell(sheet.rows[r], i) for r in kept]
        for n, r in enumerate(kept):
            if all(picked[name][n] is None for name in present):
                parsed.rows_skipped += 1  # only a 序号 or a remark: not a record
                continue
            rows.sheet.append(sheet.name)
            rows.row.append(r + 1)
            for name in present:
                rows.cells[name].append(picked[name][n])
    parsed.rows_read = len(rows)
    return rows


def _unit_for(rows: _Rows, field: columns.Field, parsed: ParsedFile) -> dict[str, str]:
    """The money unit of a field in each sheet; an assumed unit is said out loud."""
    units = {}
    for sheet in dict.fromkeys(rows.sheet):
        unit = rows.units.get((sheet, field.name))
        if unit is None and (sheet, field.name) in rows.headers:
            unit = field.default_unit
            parsed.issues.append(
                Issue(WARNING, f"表头和表格上方都未注明“{field.label}”的单位，按{unit}计算，请核对", sheet, column=rows.headers[(sheet, field.name)])
            )
        units[sheet] = unit or field.default_unit
    return units


def _money(rows: _Rows, collector: _Collector, parsed: ParsedFile, field: columns.Field, fn) -> list:
    units = _unit_for(rows, field, parsed)
    if len(set(units.values())) == 1:
        unit = next(iter(units.values()))
        return collector.column(field.name, lambda v: fn(v, unit))
    # Sheets in different units: tag each value with its sheet's unit.
    tagged = [(v, units[s]) for v, s in zip(rows.cells[field.name], rows.sheet)]
    original = rows.cells[field.name]
    rows.cells[field.name] = tagged
    try:
        return collector.column(field.name, lambda pair: fn(*pair))
    finally:
        rows.cells[field.name] = original


# -- loans ---------------------------------------------------------------------------------
def _normalise_loans(parsed: ParsedFile, rows: _Rows, c: _Collector, ref: Reference, today: dt.date) -> None:
    known = "、".join(d.name for d in ref.districts)

    def district(value):
        code = ref.district_code(to_text(value)) if value is not None else None
        if code is None:
            raise Invalid(f"区县“{to_text(value)}”不在本市区县名单中（应为：{known}）" if value is not None else "区县为空")
        return code

    def bank(value):
        text = to_text(value)
        if not text:
            raise Invalid("质权人（贷款银行）为空")
        return text

    def loan_date(value):
        day = normalise.date(value)
        if day.year < 2000 or day > today + dt.timedelta(days=366):
            raise Invalid(f"放款日期{day.isoformat()}不在合理范围内")
        return day

    n = len(rows)
    name = c.column("enterprise_name", normalise.enterprise_name)
    uscc = c.column("uscc", normalise.uscc)
    district_code = c.column("district", district)
    bank_raw = c.column("bank", bank)
    head_bank, _ = apply_unique(bank_raw, lambda b: ref.head_bank(b) if b else None)
    amount = _money(rows, c, parsed, columns.LOANS.field("amount"), normalise.positive_money_yuan)
    day = c.column("loan_date", loan_date)
    reg_no = c.column("reg_no", normalise.registration_no)
    reg_date = c.column("reg_date", normalise.optional_date)
    ptype = c.column("pledge_type", normalise.pledge_type)
    count = c.column("patent_count", normalise.optional_count)
    term = c.column("term_months", normalise.optional_count)
    rate = c.column("rate_pct", normalise.optional_rate)
    first = c.column("first_loan", normalise.yes_no) if "first_loan" in rows.cells else [False] * n
    subsidy = (
        _money(rows, c, parsed, columns.LOANS.field("subsidy"), normalise.optional_money_yuan)
        if "subsidy" in rows.cells
        else [None] * n
    )
    patents: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    if "patent_numbers" in rows.cells:
        pairs = list(zip(rows.cells["patent_numbers"], ptype))
        found, failures = apply_unique(pairs, lambda p: normalise.patent_numbers(*p))
        for i, message in failures.items():
            c.add(ERROR, i, "patent_numbers", message, pairs[i][0])
        patents = [p or [] for p in found]

    keys: list[str | None] = []
    seen: dict[str, int] = {}
    for i in range(n):
        if day[i] and day[i] > today:
            c.add(WARNING, i, "loan_date", "放款日期晚于今天，请核对", rows.cells["loan_date"][i])
        if amount[i] and amount[i] > Decimal(1_000_000_000):
            c.add(WARNING, i, "amount", "单笔金额超过10亿元，请核对金额单位", rows.cells["amount"][i])
        listed = [t for _, t in patents[i]]
        if count[i] is not None and patents[i] and count[i] != len(patents[i]):
            c.add(WARNING, i, "patent_count", f"填报件数{count[i]}件，但列出了{len(patents[i])}个专利号", rows.cells["patent_count"][i])
        if ptype[i] in ("发明专利", "实用新型", "外观设计") and any(t != ptype[i] for t in listed):
            others = "、".join(sorted({t for t in listed if t != ptype[i]}))
            c.add(WARNING, i, "pledge_type", f"填报为{ptype[i]}，但专利号显示含有{others}", ptype[i])
        if reg_no[i]:
            key = f"R:{reg_no[i]}"
        elif uscc[i] and head_bank[i] and day[i] and amount[i]:
            key = f"K:{uscc[i]}|{head_bank[i]}|{day[i].isoformat()}|{amount[i]}"
        else:
            key = None
        if key is not None:
            if key in seen:
                j = seen[key]
                what = "质押登记号相同" if key.startswith("R:") else "企业、银行、放款日期和金额都相同"
                c.add(WARNING, i, None, f"与第{rows.row[j]}行是同一笔贷款（{what}），以本行为准")
            seen[key] = i
        keys.append(key)

    frame = pd.DataFrame(
        {
            "source_sheet": rows.sheet,
            "source_row": rows.row,
            "loan_key": keys,
            "reg_no": reg_no,
            "reg_date": pd.to_datetime(pd.Series(reg_date, dtype=object)),
            "uscc": uscc,
            "enterprise_name": name,
            "district_code": district_code,
            "bank": head_bank,
            "bank_raw": bank_raw,
            "pledge_type": ptype,
            "patent_count": pd.array(count, dtype="Int64"),
            "amount_cents": pd.array([None if a is None else int(a * 100) for a in amount], dtype="Int64"),
            "loan_date": pd.to_datetime(pd.Series(day, dtype=object)),
            "term_months": pd.array(term, dtype="Int64"),
            "rate_pct": pd.array([None if r is None else float(r) for r in rate], dtype="Float64"),
            "first_loan": pd.array(first, dtype="boolean"),
            "subsidy_cents": pd.array([None if s is None else int(s * 100) for s in subsidy], dtype="Int64"),
        }
    )
    # What tells an updated loan from an unchanged one: every normalised value and its patents.
    values = frame.drop(columns=["source_sheet", "source_row"]).assign(
        patents=["、".join(f"{no}:{t}" for no, t in p) for p in patents]
    )
    frame["row_hash"] = pd.util.hash_pandas_object(values, index=False).map("{:016x}".format)
    parsed.frame = frame
    parsed.patents = pd.DataFrame(
        [(i, no, t) for i, plist in enumerate(patents) for no, t in plist],
        columns=["row", "patent_no", "patent_type"],
    )


# -- targets -------------------------------------------------------------------------------
_YEAR_RE = re.compile(r"(20\d{2})\s*年")


def _target_year(parsed: ParsedFile, rows: _Rows, sheets: list[RawSheet], year: int | None, c: _Collector) -> int | None:
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
            for text in _text_cells(row):
                match = _YEAR_RE.search(text)
                if match:
                    return int(match.group(1))
    match = _YEAR_RE.search(parsed.file_name) or re.search(r"(20\d{2})", parsed.file_name)
    if match:
        return int(match.group(1))
    parsed.issues.append(Issue(ERROR, "无法确定目标所属年度：请在标题或文件名中写明年份（如“2026年度目标”），或导入时指定年度"))
    return None


def _normalise_targets(parsed: ParsedFile, rows: _Rows, c: _Collector, ref: Reference, year: int | None, sheets) -> None:
    parsed.year = _target_year(parsed, rows, sheets, year, c)
    known = "、".join(d.name for d in ref.districts)
    metrics = [f for f in columns.TARGETS.fields if f.name in columns.TARGET_METRICS and f.name in rows.cells]
    if not metrics:
        parsed.issues.append(Issue(ERROR, "目标表中没有找到任何目标列（质押融资金额、质押发明专利、惠及企业、首贷企业等）"))
        return

    def scope(value):
        text = to_text(value).replace(" ", "")
        if text in CITY_WORDS or text.endswith("市") and ref.district_code(text) is None:
            return "CITY"
        code = ref.district_code(text)
        if code is None:
            raise Invalid(f"区县“{text}”不在本市区县名单中（应为：{known}，或“全市”）" if text else "区县为空")
        return code

    scopes = c.column("district", scope)
    records = []
    seen: dict[str, int] = {}
    for i, s in enumerate(scopes):
        if s is None:
            continue
        if s in seen:
            c.add(ERROR, i, "district", f"与第{rows.row[seen[s]]}行重复", rows.cells["district"][i])
        seen[s] = i
    for f in metrics:
        if f.money:
            values = _money(rows, c, parsed, f, normalise.optional_money_yuan)
        else:
            values = c.column(f.name, normalise.optional_count)
        for i, value in enumerate(values):
            if value is not None and scopes[i] is not None:
                records.append((parsed.year, scopes[i], f.name, value, rows.sheet[i], rows.row[i]))
    parsed.frame = pd.DataFrame(records, columns=["year", "scope", "metric", "value", "source_sheet", "source_row"])


# -- districts -----------------------------------------------------------------------------
def _normalise_districts(parsed: ParsedFile, rows: _Rows, c: _Collector) -> None:
    def code(value):
        text = to_text(value)
        if not re.fullmatch(r"\d{6}", text):
            raise Invalid(f"行政区划代码应为6位数字，读到“{text}”")
        return text

    names = c.column("name", lambda v: normalise.enterprise_name(v).replace(" ", ""))
    codes = c.column("code", code)
    aliases = [
        [a for a in re.split(r"[、,，;；/\s]+", to_text(v)) if a] if v is not None else []
        for v in rows.cells.get("aliases", [None] * len(rows))
    ]
    for field_name, values in (("name", names), ("code", codes)):
        first: dict[str, int] = {}
        for i, value in enumerate(values):
            if value is None:
                continue
            if value in first:
                c.add(ERROR, i, field_name, f"与第{rows.row[first[value]]}行重复", value)
            first.setdefault(value, i)
    parsed.frame = pd.DataFrame(
        {"code": codes, "name": names, "aliases": aliases, "sort_order": range(1, len(rows) + 1)}
    )
