"""What parsing a file produces: the normalised rows and every problem found, each naming the
sheet, the Excel row, the column and the value. Shared by the parser, the file kinds and the
loader, so that none of them imports another to learn these types."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ERROR, WARNING = "error", "warning"
SEVERITY_LABEL = {ERROR: "错误", WARNING: "提示"}


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
    target_metrics: list[str] = field(default_factory=list)  # targets only: the metric columns it carries
    kind_label: str = "未识别"  # the kind's Chinese name, for messages
    # Ledgers: the period the file reports on, from its title or name (None: not stated).
    period: tuple[dt.date, dt.date] | None = None
    period_label: str | None = None  # as written: 2026年1-10月
    period_origin: str | None = None  # 标题 | 文件名
    # Ledgers: whom each sheet speaks for over which months (etl/reports.Report), and what the
    # analyst chose: 'auto' (as the reports say), 'replace' (withdraw what they no longer list), 'add'.
    reports: list = field(default_factory=list)
    replace_mode: str = "auto"
    accept_large: bool = False  # the analyst checked amounts far above the city's usual month
    # Names the reference data does not know, for the upload page to offer mapping (etl/unmatched.py).
    unmatched: list[dict] = field(default_factory=list)
    # A kind's second table, as plain DataFrames by name (对接活动: the attendees of its events).
    side_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """The normalised rows of a file whose kind was recognised (the frame, never None)."""
        if self.frame is None:
            raise ValueError(f"“{self.file_name}”没有可导入的数据行")
        return self.frame

    @property
    def patent_table(self) -> pd.DataFrame:
        """Loans only: the pledged numbers of each row (row, patent_no, patent_type)."""
        if self.patents is None:
            return pd.DataFrame({"row": [], "patent_no": [], "patent_type": []})
        return self.patents

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


def refused(data: bytes, file_name: str, message: str) -> ParsedFile:
    """A file refused as a whole, with the one message that says why."""
    parsed = ParsedFile(Path(file_name).name, hashlib.sha256(data).hexdigest(), data)
    parsed.issues.append(Issue(ERROR, message))
    return parsed


class LoadRefused(ValueError):
    """Loading or undoing is not allowed; the message says why in Chinese."""
