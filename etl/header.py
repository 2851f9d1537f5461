"""Step 2: find the header block under title and unit lines, and map its columns to fields.

A header may be one row or two (a merged parent over its children: 贷款 / 金额(万元) 放款日期).
For each column the child label is tried first, then parent + child, then the parent alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from etl import columns, kinds
from etl.columns import Field
from etl.read import RawSheet

SCAN_ROWS = 30


@dataclass
class Column:
    index: int
    field: str
    header: str  # as written in the file, for messages
    unit: str | None


@dataclass
class Header:
    kind: str
    sheet: RawSheet
    first_row: int  # 0-based index of the first header row
    last_row: int  # 0-based index of the last header row
    columns: dict[str, Column]  # field name -> column
    table_unit: str | None  # from a "单位：万元" line above the header
    labels: list[list[str]] = field(default_factory=list)  # per column: the header texts tried

    @property
    def data_start(self) -> int:
        return self.last_row + 1

    def score(self) -> tuple[int, int]:
        """More matched columns wins; a complete signature counts extra but does not decide alone,
        so a ledger that lacks one required column is still read as a ledger (and told what is missing)."""
        kind = kinds.get(self.kind).spec
        signature = all(f in self.columns for f in kind.signature)
        required = sum(f.name in self.columns for f in kind.required)
        return (len(self.columns) + 2 * signature, required)

    @property
    def signature_complete(self) -> bool:
        return all(f in self.columns for f in kinds.get(self.kind).spec.signature)

    @property
    def missing_required(self) -> list[Field]:
        return [f for f in kinds.get(self.kind).spec.required if f.name not in self.columns]


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _parent_labels(sheet: RawSheet, r: int, width: int) -> list[str]:
    """Row r with horizontally merged cells spread over their whole span."""
    labels = [_text(c) for c in sheet.rows[r]] + [""] * (width - len(sheet.rows[r]))
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 <= r <= r1 and c1 > c0:
            value = _text(sheet.rows[r0][c0]) if c0 < len(sheet.rows[r0]) else ""
            for c in range(c0, min(c1 + 1, width)):
                labels[c] = labels[c] or value
    return labels


def _map(kind: str, candidates_by_column: list[list[str]], aliases: dict[str, str] | None = None) -> dict[str, Column]:
    """aliases: cleaned header -> field, as analysts mapped them (Reference.header_aliases)."""
    found: dict[str, Column] = {}
    for index, candidates in enumerate(candidates_by_column):
        for raw in candidates:
            base, unit = columns.clean_header(raw)
            field = (kinds.get(kind).spec.match(base) or (aliases or {}).get(base)) if base else None
            if field and field not in found:
                found[field] = Column(index, field, raw.replace("\n", ""), unit)
                break
    return found


def _candidates(sheet: RawSheet, r: int, two_rows: bool) -> list[list[str]] | None:
    width = max(len(sheet.rows[r]), len(sheet.rows[r + 1]) if r + 1 < len(sheet.rows) else 0)
    parent = _parent_labels(sheet, r, width)
    if not two_rows:
        return [[p] if p else [] for p in parent]
    if r + 1 >= len(sheet.rows):
        return None
    child = [_text(c) for c in sheet.rows[r + 1]] + [""] * width
    result = []
    last_parent = ""
    for c in range(width):
        p = parent[c]
        if not p and child[c]:
            p = last_parent  # a merged parent whose span we were not told about
        last_parent = parent[c] or last_parent
        options = [child[c], p + child[c], p] if child[c] else [p]
        result.append([o for o in options if o])
    return result


def locate(sheet: RawSheet, kind_names: list[str], aliases: dict[str, dict[str, str]] | None = None) -> Header | None:
    """The best header of any of the given kinds in the first rows of the sheet, or None.
    aliases: per file kind, the headers analysts mapped (Reference.header_aliases)."""
    best: Header | None = None
    above_unit: str | None = None
    for r in range(min(SCAN_ROWS, len(sheet.rows))):
        for kind in kind_names:
            for two_rows in (False, True):
                candidates = _candidates(sheet, r, two_rows)
                if candidates is None:
                    continue
                mapped = _map(kind, candidates, (aliases or {}).get(kind))
                if len(mapped) < 2:
                    continue
                header = Header(kind, sheet, r, r + int(two_rows), mapped, above_unit, candidates)
                if best is None or header.score() > best.score():
                    best = header
        above_unit = columns.unit_line(sheet.rows[r]) or above_unit
    return best
