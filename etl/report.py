"""The error report an analyst downloads: every finding with sheet, Excel row, column and value."""

from __future__ import annotations

import pandas as pd

from etl.parse import SEVERITY_LABEL, ParsedFile
from pledge.export import xlsx_bytes

COLUMNS = {"severity": "级别", "sheet": "工作表", "row": "行号", "column": "列", "value": "值", "message": "问题"}


def issues_frame(parsed: ParsedFile) -> pd.DataFrame:
    frame = pd.DataFrame([i.as_dict() for i in parsed.issues], columns=list(COLUMNS))
    frame["severity"] = frame["severity"].map(SEVERITY_LABEL)
    frame["row"] = frame["row"].astype("Int64")
    return frame.rename(columns=COLUMNS)


def error_report_xlsx(parsed: ParsedFile) -> bytes:
    return xlsx_bytes({"问题清单": issues_frame(parsed)})
