"""Step 2: find the header block under title and unit lines, and map its columns to fields.

A header may be one row or two (a merged parent over its children: 贷款 / 金额(万元) 放款日期).
For each column the child label is tried first, then parent + child, then the parent alone.
When two columns name the same field, the one under the more preferred alias is taken (the order
of the field's aliases) and the other is listed as not imported; two of equal preference are a
conflict the analyst must settle.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from etl import columns
from etl.columns import Field, Kind
from etl.read import RawSheet

SCAN_ROWS = 30


@dataclass
class Column:
    index: int
    field: str
    header: str  # as written in the file, for messages
    unit: str | None
    labels: tuple[str, ...] = ()  # the texts of its header cells (parent, child): a repeated header
    rank: int = 0  # place of the alias in the field's list: lower is preferred
    fallback: bool = False  # named by a fallback header (授信金额)


@dataclass
class Header:
    spec: Kind  # the kind of file whose columns it maps
    sheet: RawSheet
    first_row: int  # 0-based index of the first header row
    last_row: int  # 0-based index of the last header row
    columns: dict[str, Column]  # field name -> column
    table_unit: str | None  # from a "单位：万元" line above the header
    ignored: list[tuple[int, str]] = field(default_factory=list)  # header cells no field takes
    conflicts: list[tuple[Column, Column]] = field(default_factory=list)  # same field, same preference
    above: list[str] = field(default_factory=list)  # the texts of the title lines above the header
    named: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> (value, where from)

    @property
    def kind(self) -> str:
        return self.spec.name

    @property
    def data_start(self) -> int:
        return self.last_row + 1

    def score(self) -> tuple[int, int]:
        """More matched columns wins; a complete signature counts extra but does not decide alone,
        so a ledger that lacks one required column is still read as a ledger (and told what is missing)."""
        kind = self.spec
        signature = all(f in self.columns for f in kind.signature)
        required = sum(f.name in self.columns for f in kind.required)
        return (len(self.columns) + 2 * signature, required)

    @property
    def signature_complete(self) -> bool:
        return all(f in self.columns for f in self.spec.signature)

    @property
    def looks_like_kind(self) -> bool:
        """A sheet of this kind even with a column missing: the kind's signature is complete, or it
        has several of the kind's columns and at least one that only a record of the kind has."""
        spec = self.spec
        return self.signature_complete or (
            len(self.columns) >= 3 and any(f in self.columns for f in spec.record_fields)
        )

    @property
    def missing_required(self) -> list[Field]:
        return [f for f in self.spec.required if f.name not in self.columns and f.name not in self.named]


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return str(cell).strip()


def _spread(sheet: RawSheet, r: int, width: int) -> list[str]:
    """Row r with horizontally merged cells spread over their whole span."""
    labels = [_text(c) for c in sheet.rows[r]] + [""] * (width - len(sheet.rows[r]))
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 <= r <= r1 and c1 > c0:
            value = _text(sheet.rows[r0][c0]) if c0 < len(sheet.rows[r0]) else ""
            for c in range(c0, min(c1 + 1, width)):
                labels[c] = labels[c] or value
    return labels


def _labels(sheet: RawSheet, r: int, two_rows: bool) -> list[tuple[str, ...]] | None:
    """Each column's header texts: (label,) for a one-row header, (parent, child) for two rows."""
    if two_rows and r + 1 >= len(sheet.rows):
        return None
    width = max(len(sheet.rows[r]), len(sheet.rows[r + 1]) if r + 1 < len(sheet.rows) else 0)
    parent = _spread(sheet, r, width)
    if not two_rows:
        return [(p,) for p in parent]
    child = [_text(c) for c in sheet.rows[r + 1]] + [""] * width
    result: list[tuple[str, ...]] = []
    last_parent = ""
    for c in range(width):
        p = parent[c]
        if not p and child[c]:
            p = last_parent  # a merged parent whose span we were not told about
        last_parent = parent[c] or last_parent
        result.append((p, child[c]))
    return result


def _options(labels: tuple[str, ...]) -> list[str]:
    if len(labels) == 1:
        return [labels[0]] if labels[0] else []
    p, child = labels
    options = [child, p + child, p] if child else [p]
    return [o for o in options if o]


def _shown(labels: tuple[str, ...]) -> str:
    return "/".join(dict.fromkeys(label.replace("\n", "") for label in labels if label))


@dataclass
class _Mapped:
    columns: dict[str, Column]
    ignored: list[tuple[int, str]]
    conflicts: list[tuple[Column, Column]]
    rows_used: set[int]  # which header rows named a mapped column: 0 the first (parent), 1 the child


def _map(spec: Kind, labels_by_column: list[tuple[str, ...]], aliases: dict[str, str] | None = None) -> _Mapped:
    """aliases: cleaned header -> field, as analysts mapped them for this kind (Reference.header_aliases)."""
    found: dict[str, Column] = {}
    ignored: list[tuple[int, str]] = []
    conflicts: list[tuple[Column, Column]] = []
    used: set[int] = set()
    for index, labels in enumerate(labels_by_column):
        column = None
        for raw in _options(labels):
            base, unit = columns.clean_header(raw)
            hit = spec.ranked(base) if base else None
            if hit is None and base and aliases and aliases.get(base) in {f.name for f in spec.fields}:
                mapped = aliases[base]  # as preferred as the field's plainest alias, never a fallback
                hit = (mapped, max(len(spec.field(mapped).aliases) - 1, 0))
            if hit:
                name, rank = hit
                fallback = rank >= len(spec.field(name).aliases)
                column = Column(index, name, raw.replace("\n", ""), unit, labels, rank, fallback)
                if len(labels) == 1:
                    used.add(0)
                else:
                    used.update(
                        ({0} if raw != labels[1] else set()) | ({1} if labels[1] and raw != labels[0] else set())
                    )
                break
        if column is None:
            if _shown(labels):
                ignored.append((index, _shown(labels)))
            continue
        current = found.get(column.field)
        if current is None or column.rank < current.rank:
            found[column.field] = column
            if current is not None:
                ignored.append((current.index, current.header))
        elif column.rank == current.rank:
            conflicts.append((current, column))
        else:
            ignored.append((column.index, column.header))
    return _Mapped(found, sorted(ignored), conflicts, used)


_NUMBER = re.compile(r"[-+]?[\d,]+(\.\d+)?")
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(\s*\d{1,2}:\d{2}(:\d{2})?)?")
_CODE = re.compile(r"[0-9A-Z]{15,18}")


def _looks_like_data(cell) -> bool:
    """A value a data row holds and a header never does: an amount, a date, an identifier (a
    year on its own may head a column)."""
    if isinstance(cell, (bool, dt.date, dt.datetime, dt.time)):
        return True
    if isinstance(cell, (int, float)):
        return not (float(cell).is_integer() and 1990 <= cell <= 2100)
    text = str(cell or "").strip().replace(" ", "")
    if not text:
        return False
    if _NUMBER.fullmatch(text):
        return not (text.isdigit() and len(text) == 4 and 1990 <= int(text) <= 2100)
    return bool(_DATE.fullmatch(text) or _CODE.fullmatch(text))


def _never_header(sheet: RawSheet, r: int, spec: Kind) -> bool:
    """A title, a unit line or a data row: a header never starts (or ends) there."""
    cells = [c for c in sheet.rows[r] if _text(c)]
    named = sum(spec.match(columns.clean_header(_text(c))[0]) is not None for c in cells)
    if named < 2 and (len(cells) == 1 or any(columns.is_unit_cell(c) for c in cells)):
        return True  # a title, a unit line, a note on its own line
    return sum(_looks_like_data(c) for c in cells) >= 2


def _unit_cell(rows: list[list]) -> str | None:
    """The unit a header row states in a cell of its own ("单位：元" after the last column)."""
    return next((columns.unit_line([c]) for row in rows for c in row if columns.is_unit_cell(c)), None)


def locate(sheet: RawSheet, specs: list[Kind], aliases: dict[str, dict[str, str]] | None = None) -> Header | None:
    """The best header of any of the given kinds in the first rows of the sheet, or None."""
    best: Header | None = None
    above_unit: str | None = None
    above: list[str] = []
    for r in range(min(SCAN_ROWS, len(sheet.rows))):
        for spec in specs:
            if _never_header(sheet, r, spec):
                continue
            for two_rows in (False, True):
                if two_rows and r + 1 < len(sheet.rows) and _never_header(sheet, r + 1, spec):
                    continue
                labels = _labels(sheet, r, two_rows)
                if labels is None:
                    continue
                mapped = _map(spec, labels, (aliases or {}).get(spec.name))
                if len(mapped.columns) < 2 or (two_rows and mapped.rows_used != {0, 1}):
                    continue  # a second row that names nothing is not part of the header
                own_unit = _unit_cell(sheet.rows[r : r + 1 + int(two_rows)])
                header = Header(
                    spec,
                    sheet,
                    r,
                    r + int(two_rows),
                    mapped.columns,
                    own_unit or above_unit,
                    mapped.ignored,
                    mapped.conflicts,
                    list(above),
                )
                if best is None or header.score() > best.score():
                    best = header
        above_unit = columns.unit_line(sheet.rows[r]) or above_unit
        above.extend(t for t in (_text(c) for c in sheet.rows[r]) if t)
    return best
