"""Names a file uses that the city's reference data does not know: a district spelling, a bank that
maps to no head bank, a header of a recognised sheet that maps to no field. The upload page offers
to map each once (ui/mapping.py, etl/aliases.py). They travel on ParsedFile.unmatched as plain
dicts (the parse runs in a child process and comes back by pickle):

    {"what": "district" | "bank", "text": spelling, "rows": count, "where": "工作表“…”第5、7行"}
    {"what": "header", "file_kind": "loans", "text": cleaned header, "header": as written,
     "sheet": name, "column": "G", "taken": [fields the sheet has already], "where": …}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from etl.columns import clean_header
from etl.normalise import to_text
from etl.read import column_letter
from etl.rows import Rows

if TYPE_CHECKING:
    from etl.header import Header

SHOWN_ROWS = 3  # Excel rows named per spelling


def headers(header: Header) -> list[dict]:
    """The columns of a located header that carry a label but map to no field."""
    found = []
    for index, shown in header.ignored:
        # The column's own label: the child of a two-row header ("贷款/投放额度" -> "投放额度").
        written = shown.split("/")[-1].replace("\n", "")
        base = clean_header(written)[0]
        if not base:
            continue
        found.append(
            {
                "what": "header",
                "file_kind": header.kind,
                "text": base,
                "header": written,
                "sheet": header.sheet.name,
                "column": column_letter(index),
                "taken": sorted(header.columns),
                "where": f"工作表“{header.sheet.name}”{column_letter(index)}列",
            }
        )
    return found


def _grouped(what: str, rows: Rows, texts: Sequence[str | None]) -> list[dict]:
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if text:
            by_text.setdefault(text, []).append(i)
    found = []
    for text, indexes in by_text.items():
        sheets = list(dict.fromkeys(rows.sheet[i] for i in indexes))
        shown = "、".join(str(rows.row[i]) for i in indexes[:SHOWN_ROWS]) + ("等" if len(indexes) > SHOWN_ROWS else "")
        where = f"工作表“{'、'.join(sheets)}”第{shown}行"
        found.append({"what": what, "text": text, "rows": len(indexes), "where": where})
    return found


def names(
    rows: Rows,
    district_codes: Sequence[str | None],
    head_banks: Sequence[str | None],
    known_banks: set[str],
) -> list[dict]:
    """District spellings of rows whose district was not recognised, and banks that map to no
    known head bank (the head bank of an unknown bank is its own name as written)."""
    written = rows.cells.get("district", [None] * len(rows))
    districts = [
        to_text(value) if code is None and value is not None else None for value, code in zip(written, district_codes)
    ]
    banks = [head if head and head not in known_banks else None for head in head_banks]
    return _grouped("district", rows, districts) + _grouped("bank", rows, banks)
