"""The data rows of a file, column by column, and the collector that turns a failed value into an
issue on its cell. The file kinds (etl/kinds/) normalise through these."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from etl.columns import Field
from etl.issues import ERROR, WARNING, Issue, ParsedFile
from etl.normalise import INVISIBLE, Guess, apply_unique, to_text

MAX_LISTED_PER_COLUMN = 10_000  # an error report of a broken 100k-row file stays readable
# Text a spreadsheet would run as a formula when the data is exported again (=HYPERLINK(…), @SUM,
# +cmd|…, -2+3); "＝" arrives as "=" after width folding. A leading apostrophe keeps it text.
FORMULA = re.compile(r"^(?:[=+@]|-(?=[^\s\-—－]))")


@dataclass
class Rows:
    """Raw cells of the data rows of one or more sheets, column-wise by field."""

    sheet: list[str] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    cells: dict[str, list] = field(default_factory=dict)
    headers: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, field) -> label
    units: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.row)


class Collector:
    def __init__(self, parsed: ParsedFile, rows: Rows):
        self.parsed, self.rows = parsed, rows
        self.listed: dict[str, int] = {}

    def add(self, severity: str, i: int, field_name: str | None, message: str, value=None) -> None:
        sheet = self.rows.sheet[i]
        if field_name and (sheet, field_name) not in self.rows.headers:
            return  # the sheet lacks the column: said once for the sheet, not on each of its rows
        key = f"{severity}:{field_name}"
        self.listed[key] = self.listed.get(key, 0) + 1
        if self.listed[key] > MAX_LISTED_PER_COLUMN:
            return
        header = self.rows.headers.get((sheet, field_name)) if field_name else None
        shown = None if value is None else to_text(value)
        self.parsed.issues.append(Issue(severity, message, sheet, self.rows.row[i], header, shown))

    def column(
        self,
        name: str,
        fn,
        required: bool = False,
        *,
        soft: bool = False,
        soft_note: str = "该列不参与统计，已留空",
        tags: list | None = None,
    ) -> list:
        """Normalise one field over all rows; failures become errors on their cells.

        A Guess becomes its value and a warning on the cell. `soft`: a column no figure uses (term,
        rate...): an unreadable cell is a warning and stays blank, it never blocks the file. `tags`:
        one more argument per row for fn (a sheet's unit, the row's name and district), while
        messages still show the cell as written."""
        raw = self.rows.cells.get(name)
        if raw is None:
            return [None] * len(self.rows)
        for i, value in enumerate(raw):
            if type(value) is str and INVISIBLE.search(value):
                shown = INVISIBLE.sub("", value)  # the message must not carry them either
                self.add(WARNING, i, name, "含有不可见的控制字符或方向字符，已删除", shown)
        if tags is None:
            values, failures = apply_unique(raw, fn)
        else:
            values, failures = apply_unique(list(zip(raw, tags)), lambda pair: fn(*pair))
        for i, message in failures.items():
            if soft:
                self.add(WARNING, i, name, f"{message}；{soft_note}", raw[i])
            else:
                self.add(ERROR, i, name, message, raw[i])
        for i, value in enumerate(values):
            if isinstance(value, Guess):
                self.add(WARNING, i, name, value.warning, None if value.conceal else raw[i])
                values[i] = value = value.value
            if type(value) is str and FORMULA.match(value):
                values[i] = "'" + value
                self.add(WARNING, i, name, "以公式符号开头，为防止被电子表格当作公式执行，已在前面加单引号保存", value)
        return values


def unit_for(rows: Rows, field: Field, parsed: ParsedFile) -> dict[str, str | None]:
    """The money unit of a field in each sheet; an assumed unit is said out loud."""
    units = {}
    for sheet in dict.fromkeys(rows.sheet):
        unit = rows.units.get((sheet, field.name))
        if unit is None and (sheet, field.name) in rows.headers:
            unit = field.default_unit
            parsed.issues.append(
                Issue(
                    WARNING,
                    f"表头和表格上方都未注明“{field.label}”的单位，按{unit}计算，请核对",
                    sheet,
                    column=rows.headers[(sheet, field.name)],
                )
            )
        units[sheet] = unit or field.default_unit
    return units


def money(rows: Rows, collector: Collector, parsed: ParsedFile, field: Field, fn) -> list:
    units = unit_for(rows, field, parsed)
    if len(set(units.values())) == 1:
        unit = next(iter(units.values()))
        return collector.column(field.name, lambda v: fn(v, unit))
    # Sheets in different units: each value goes with its sheet's unit.
    return collector.column(field.name, fn, tags=[units[s] for s in rows.sheet])
