"""Steps 1-5 of the pipeline in one call: read → header → rows → normalise → validate.

`parse_file` never writes anything and never raises on bad input: every problem becomes an
Issue that names the sheet, the Excel row, the column and the value. A ParsedFile with any
blocking error must not be loaded (load.py refuses it). What normalising means for a kind of
file is the kind's own (etl/kinds/); the steps here are the same for every kind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from pathlib import Path

from etl import kinds, period, titles, unmatched
from etl.header import Header, locate
from etl.issues import ERROR, SEVERITY_LABEL, WARNING, Issue, ParsedFile, refused
from etl.normalise import apply_unique, optional_date, text_cells
from etl.read import FileProblem, RawSheet, column_letter, read_tables
from etl.rows import MAX_LISTED_PER_COLUMN, Collector, Rows
from pledge.reference import Reference

# Rows that close or annotate a table rather than hold a record (and the templates' example row),
# by their first cell.
_FOOTER = re.compile(
    r"^(【示例|合\s*计|小\s*计|总\s*计|累\s*计|注[:：\s]|注$|说明|备注[:：]|填表|制表|审核|数据来源)|(合计|小计|总计)$"
)
# The signature block under a table, by any of its first cells: "填报人：张三  联系电话：0514-…".
_SIGNATURE = re.compile(
    r"^(单位负责人|填报单位|填报人|填报日期|制表人|制表日期|审核人|负责人|联系人|联系电话|报送单位|报送日期)"
    r"|(单位负责人|填报单位|填报人|填报日期|制表人|审核人|负责人|联系人|联系电话)[:：]"
)

IGNORED = "（未导入）"  # the field of a header cell no field takes, in the preview's column list

__all__ = ["ERROR", "SEVERITY_LABEL", "WARNING", "Issue", "ParsedFile", "parse_file", "refused"]


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

    headers = _choose_headers(parsed, sheets, kind, reference, year)
    if not headers:
        return parsed
    parsed.kind = headers[0].kind
    parsed.kind_label = kinds.label(parsed.kind)
    rows = _collect_rows(parsed, headers)
    if len(rows) == 0:
        parsed.issues.append(Issue(ERROR, "表头下面没有数据行", headers[0].sheet.name, headers[0].last_row + 1))
        return parsed
    file_kind = kinds.get(parsed.kind)
    if file_kind.needs_districts and not reference.districts:
        parsed.issues.append(Issue(ERROR, "系统中还没有区县名单，请先导入区县名单（区县名称、行政区划代码、别名）"))
        return parsed
    # A missing column does not stop here: the cells of the other columns are checked as well, so
    # that every problem of the file is reported in one round.
    if file_kind.period_field:
        _read_period(parsed, headers, rows.cells.get(file_kind.period_field, []))
    collector = Collector(parsed, rows)
    context = kinds.Context(reference, year, today or dt.date.today(), sheets, parsed.period)
    file_kind.normalise(parsed, rows, collector, context)
    for key, count in collector.listed.items():
        if count > MAX_LISTED_PER_COLUMN:
            severity, name = key.split(":", 1)
            parsed.issues.append(
                Issue(severity, f"同类问题共{count}处，仅列出前{MAX_LISTED_PER_COLUMN}处", column=name)
            )
    return parsed


def _choose_headers(
    parsed: ParsedFile, sheets: list[RawSheet], kind: str | None, reference: Reference, year: int | None
) -> list[Header]:
    candidates = [kind] if kind else list(kinds.KINDS)
    specs = [kinds.get(k).spec for k in candidates]
    found = [h for h in (locate(s, specs, reference.header_aliases) for s in sheets) if h is not None]
    if not found:
        expected = "、".join(f.label for f in kinds.get("loans").spec.required)
        parsed.issues.append(
            Issue(
                ERROR,
                f"在前{30}行中找不到表头。台账应含有{expected}等列；目标表应含有区县和各项目标列；区县名单应含有区县名称和行政区划代码",
            )
        )
        return []
    best = max(found, key=lambda h: h.score())
    chosen = [h for h in found if h.kind == best.kind and (kind or h is best or h.looks_like_kind)]
    spec = kinds.get(best.kind).spec
    for sheet in sheets:
        if not any(h.sheet is sheet for h in chosen) and any(any(text_cells(r)) for r in sheet.rows):
            expected = "、".join(f.label for f in spec.required)
            parsed.issues.append(
                Issue(
                    WARNING,
                    f"工作表“{sheet.name}”中没有{spec.label}的表头（应含{expected}等列），未导入；"
                    "如果它也是要导入的数据，请检查表头",
                    sheet.name,
                )
            )
    for header in chosen:
        unused = kinds.get(header.kind).settle_header(header, parsed, year)
        _name_from_sheet(parsed, header, reference)
        _report_header(parsed, header)
        parsed.unmatched += unmatched.headers(header)
        parsed.mapping.extend(unused)
    return chosen


def _name_from_sheet(parsed: ParsedFile, header: Header, reference: Reference) -> None:
    """A bank's sheet without a 质权人 column, a district's without a 区县 column: the bank or
    district its name, title or file name names, said out loud."""
    spec = kinds.get(header.kind).spec
    for f in spec.fields:
        if not f.sheet_named or f.name in header.columns:
            continue
        name = header.sheet.name
        value, where = titles.named_by_sheet(f.name, name, header.above, parsed.file_name, reference)
        if value is None:
            continue
        origin = f"{where}取{f.label}"
        header.named[f.name] = (value, origin)
        parsed.issues.append(Issue(WARNING, f"工作表“{name}”没有{f.label}列，按{origin}为“{value}”，请核对", name))


def _report_header(parsed: ParsedFile, header: Header) -> None:
    """Missing and conflicting columns, the fallback warnings, and every column of the header for
    the preview: mapped, named by the sheet, or not imported."""
    spec = kinds.get(header.kind).spec
    name = header.sheet.name
    for missing in header.missing_required:
        aliases = "、".join(dict.fromkeys((missing.label, *missing.aliases)))
        or_sheet = (
            {
                "bank": "；只有一家银行的工作表，也可以用银行名称作工作表名称",
                "district": "；只有一个区县的台账，也可以在标题、工作表名称或文件名中写明区县",
            }.get(missing.name, "")
            if missing.sheet_named
            else ""
        )
        parsed.issues.append(
            Issue(
                ERROR,
                f"工作表“{name}”缺少必填列“{missing.label}”（可用的表头有：{aliases}）。请补上这一列，"
                f"或把该列的表头改为其中之一后重新导入{or_sheet}",
                name,
                header.first_row + 1,
            )
        )
    for one, other in header.conflicts:
        label = spec.field(one.field).label
        parsed.issues.append(
            Issue(
                ERROR,
                f"{column_letter(one.index)}列“{one.header}”和{column_letter(other.index)}列“{other.header}”"
                f"都可作为“{label}”，无法确定用哪一列。请删除其中一列或改写其表头后重新导入",
                name,
                header.first_row + 1,
            )
        )
    for col in header.columns.values():
        f = spec.field(col.field)
        if col.fallback and f.fallback_warning:
            parsed.issues.append(
                Issue(WARNING, f.fallback_warning, name, column=f"{col.header}（{column_letter(col.index)}列）")
            )
    listed = [
        (
            col.index,
            {
                "sheet": name,
                "column": column_letter(col.index),
                "header": col.header,
                "field": spec.field(col.field).label,
                "unit": col.unit or (header.table_unit if spec.field(col.field).money else None),
            },
        )
        for col in header.columns.values()
    ]
    listed += [
        (index, {"sheet": name, "column": column_letter(index), "header": text, "field": IGNORED, "unit": None})
        for index, text in header.ignored
    ]
    listed += [
        (
            other.index,
            {
                "sheet": name,
                "column": column_letter(other.index),
                "header": other.header,
                "field": IGNORED,
                "unit": None,
            },
        )
        for _, other in header.conflicts
    ]
    parsed.sheets.append(name)
    parsed.mapping.extend(entry for _, entry in sorted(listed, key=lambda pair: pair[0]))
    for field_name, (value, origin) in header.named.items():
        parsed.mapping.append(
            {
                "sheet": name,
                "column": "",
                "header": f"（按{origin}：{value}）",
                "field": spec.field(field_name).label,
                "unit": None,
            }
        )


def _read_period(parsed: ParsedFile, headers: list[Header], dates: list) -> None:
    """The period the file reports on, from the rows above each sheet's header, else its name."""
    lines = [" ".join(text_cells(row)) for h in headers for row in h.sheet.rows[: h.first_row]]
    for h in headers:  # a title line may have been taken for the first row of a two-row header
        first = text_cells(h.sheet.rows[h.first_row])
        if h.last_row > h.first_row and len(first) == 1:
            lines.append(first[0])

    def dates_year() -> int | None:
        days, _ = apply_unique(dates, optional_date)
        common = Counter(d.year for d in days if d).most_common(1)
        return common[0][0] if common else None

    found = period.of_file([t for t in lines if t], parsed.file_name, dates_year)
    if found is not None:
        named, parsed.period_origin = found
        parsed.period, parsed.period_label = (named.start, named.end), named.label


def _leading_texts(cells: list, count: int = 3) -> list[str]:
    """The first non-blank cells as stripped text: enough to spot 合计 rows and signature blocks
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


def _is_footer(leading: list[str]) -> bool:
    texts = [t.replace(" ", "").replace("\u3000", "") for t in leading]
    if not texts:
        return False
    return bool(_FOOTER.search(texts[0])) or any(_SIGNATURE.search(t) for t in texts)


def _cell(row: list, i: int):
    value = row[i] if i < len(row) else None
    return None if value is None or value == "" or (type(value) is str and not value.strip()) else value


def _same_text(value, label: str) -> bool:
    return str(value).replace(" ", "").replace("\n", "") == label.replace(" ", "").replace("\n", "")


def _repeats_header(row: list, header: Header) -> bool:
    """The header again, as on every printed page: column by column, each mapped cell is blank or
    that column's own header text, and at least two are. A data value that happens to equal some
    header alias does not make a row a header."""
    matched = 0
    for col in header.columns.values():
        value = _cell(row, col.index)
        if value is None:
            continue
        if not any(_same_text(value, label) for label in col.labels if label):
            return False
        matched += 1
    return matched >= 2


def _filled_down(sheet: RawSheet, start: int) -> list[list]:
    """The sheet's rows with vertically merged data cells filled down: a loan over several rows
    (one per patent) with its enterprise, amount and date merged reads like the same file with
    those values repeated on every row."""
    rows = sheet.rows
    copied: dict[int, list] = {}
    for (r0, c0), (r1, c1) in sheet.merged:
        if r1 <= r0 or r0 < start or r0 >= len(rows):
            continue
        top = rows[r0]
        for c in range(c0, c1 + 1):
            value = top[c] if c < len(top) else None
            if value is None or value == "":
                continue
            for r in range(r0 + 1, min(r1 + 1, len(rows))):
                row = copied.get(r)
                if row is None:
                    row = copied[r] = list(rows[r])
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                if row[c] is None or row[c] == "":
                    row[c] = value
    if not copied:
        return rows
    return [copied.get(r, row) for r, row in enumerate(rows)]


def _collect_rows(parsed: ParsedFile, headers: list[Header]) -> Rows:
    rows = Rows()
    file_kind = kinds.get(parsed.kind)
    kind = file_kind.spec
    present = [f.name for f in kind.fields if any(f.name in h.columns or f.name in h.named for h in headers)]
    for name in present:
        rows.cells[name] = []
    for header in headers:
        sheet = header.sheet
        for f in kind.fields:
            if f.name in header.columns:
                col = header.columns[f.name]
                rows.headers[(sheet.name, f.name)] = f"{col.header}（{column_letter(col.index)}列）"
                rows.units[(sheet.name, f.name)] = col.unit or header.table_unit
            elif f.name in header.named:
                rows.headers[(sheet.name, f.name)] = f"{f.label}（按{header.named[f.name][1]}）"
        cells = _filled_down(sheet, header.data_start)
        kept = []
        for r in range(header.data_start, len(cells)):
            leading = _leading_texts(cells[r])
            footer = _is_footer(leading) and not file_kind.keeps_row(leading[0])
            if not leading or footer or _repeats_header(cells[r], header):
                parsed.rows_skipped += 1
            else:
                kept.append(r)
        # Column by column: cheaper than row by row for a 100,000-row ledger.
        picked = {}
        for name in present:
            found = header.columns.get(name)
            if found is None:
                picked[name] = [None] * len(kept)
                continue
            i = found.index
            picked[name] = [_cell(cells[r], i) for r in kept]
        for n, r in enumerate(kept):
            if all(picked[name][n] is None for name in present):
                parsed.rows_skipped += 1  # only a 序号 or a remark: not a record
                continue
            rows.sheet.append(sheet.name)
            rows.row.append(r + 1)
            for name in present:
                value = picked[name][n]
                if name in header.named:
                    value = header.named[name][0]
                rows.cells[name].append(value)
    parsed.rows_read = len(rows)
    return rows
