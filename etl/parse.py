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
from pathlib import Path

from etl import kinds, unmatched
from etl.header import Header, locate
from etl.issues import ERROR, SEVERITY_LABEL, WARNING, Issue, ParsedFile, refused
from etl.normalise import text_cells
from etl.read import FileProblem, RawSheet, column_letter, read_tables
from etl.rows import MAX_LISTED_PER_COLUMN, Collector, Rows
from pledge.reference import Reference

# Rows that close or annotate a table rather than hold a record (and the templates' example row).
_FOOTER = re.compile(
    r"^(【示例|合\s*计|小\s*计|总\s*计|累\s*计|注[:：\s]|注$|说明|备注[:：]|填表|制表|审核|负责人|联系人|联系电话|数据来源)"
)

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

    headers = _choose_headers(parsed, sheets, kind, reference.header_aliases)
    if not headers:
        return parsed
    parsed.kind = headers[0].kind
    parsed.kind_label = kinds.label(parsed.kind)
    rows = _collect_rows(parsed, headers)
    if parsed.errors:
        return parsed
    if len(rows) == 0:
        parsed.issues.append(Issue(ERROR, "表头下面没有数据行", headers[0].sheet.name, headers[0].last_row + 1))
        return parsed
    file_kind = kinds.get(parsed.kind)
    if file_kind.needs_districts and not reference.districts:
        parsed.issues.append(Issue(ERROR, "系统中还没有区县名单，请先导入区县名单（区县名称、行政区划代码、别名）"))
        return parsed
    collector = Collector(parsed, rows)
    file_kind.normalise(parsed, rows, collector, kinds.Context(reference, year, today or dt.date.today(), sheets))
    for key, count in collector.listed.items():
        if count > MAX_LISTED_PER_COLUMN:
            severity, name = key.split(":", 1)
            parsed.issues.append(
                Issue(severity, f"同类问题共{count}处，仅列出前{MAX_LISTED_PER_COLUMN}处", column=name)
            )
    return parsed


def _choose_headers(
    parsed: ParsedFile, sheets: list[RawSheet], kind: str | None, header_aliases: dict[str, dict[str, str]]
) -> list[Header]:
    candidates = [kind] if kind else list(kinds.KINDS)
    found = [h for h in (locate(s, candidates, header_aliases) for s in sheets) if h is not None]
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
    chosen = [h for h in found if h.kind == best.kind and (kind or h is best or h.signature_complete)]
    for sheet in sheets:
        if not any(h.sheet is sheet for h in chosen) and any(any(text_cells(r)) for r in sheet.rows):
            parsed.issues.append(
                Issue(WARNING, f"工作表“{sheet.name}”不是{kinds.label(best.kind)}，未导入", sheet.name)
            )
    for header in chosen:
        for missing in header.missing_required:
            aliases = "、".join(missing.aliases[:4])
            parsed.issues.append(
                Issue(
                    ERROR,
                    f"缺少必填列“{missing.label}”（可用的表头有：{aliases}等）",
                    header.sheet.name,
                    header.first_row + 1,
                )
            )
        parsed.sheets.append(header.sheet.name)
        parsed.unmatched += unmatched.headers(header)
        for col in header.columns.values():
            parsed.mapping.append(
                {
                    "sheet": header.sheet.name,
                    "column": column_letter(col.index),
                    "header": col.header,
                    "field": kinds.get(header.kind).spec.field(col.field).label,
                    "unit": col.unit
                    or (header.table_unit if kinds.get(header.kind).spec.field(col.field).money else None),
                }
            )
    return chosen


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


def _collect_rows(parsed: ParsedFile, headers: list[Header]) -> Rows:
    rows = Rows()
    kind = kinds.get(parsed.kind).spec
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
            found = header.columns.get(name)
            if found is None:
                picked[name] = [None] * len(kept)
                continue
            i = found.index
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
