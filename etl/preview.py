"""What the upload page shows before anything is written: the column mapping, the first
normalised rows in the analyst's terms (as the file's kind shows them), and the findings."""

from __future__ import annotations

import pandas as pd

from etl import kinds
from etl.issues import ParsedFile
from pledge.reference import Reference

MAPPING_COLUMNS = {"sheet": "工作表", "column": "列", "header": "文件中的表头", "field": "识别为", "unit": "单位"}


def mapping_frame(parsed: ParsedFile) -> pd.DataFrame:
    return pd.DataFrame(parsed.mapping, columns=list(MAPPING_COLUMNS)).rename(columns=MAPPING_COLUMNS)


def rows_frame(parsed: ParsedFile, reference: Reference, limit: int = 20) -> pd.DataFrame:
    """The first normalised rows as they will be stored, with Chinese headers and bureau units."""
    if parsed.kind is None or parsed.frame is None or parsed.frame.empty:
        return pd.DataFrame()
    return kinds.get(parsed.kind).preview(parsed, reference, limit)
