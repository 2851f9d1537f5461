"""Spreadsheets the app writes: every text cell is neutralised against formula injection."""

from __future__ import annotations

import io

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text that Excel would run as a formula gets a leading apostrophe-like quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Write DataFrames as sheets (Chinese headers as given), text cells neutralised."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}) as writer:
        for name, frame in sheets.items():
            clean = frame.copy()
            for column in clean.columns:
                if clean[column].dtype == object or pd.api.types.is_string_dtype(clean[column]):
                    clean[column] = clean[column].map(safe_cell)
            clean.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for i, column in enumerate(clean.columns):
                width = max([len(str(column)) * 2, *(len(str(v)) * 1.6 for v in clean[column].head(200))] or [8])
                sheet.set_column(i, i, min(max(width, 8), 60))
            sheet.freeze_panes(1, 0)
    return buffer.getvalue()
