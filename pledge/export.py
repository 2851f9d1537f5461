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


def _width(value) -> int:
    return len(f"{value:,.2f}") if isinstance(value, float) else len(str(value))


def xlsx_bytes(sheets: dict[str, pd.DataFrame], number_formats: dict[str, str] | None = None) -> bytes:
    """Write DataFrames as sheets (Chinese headers as given), text cells neutralised. Numbers stay
    numbers; number_formats gives a column (by name, in any sheet) an Excel format such as '0.0%'."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(
        buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}
    ) as writer:
        cell_formats = {
            column: writer.book.add_format({"num_format": code}) for column, code in (number_formats or {}).items()
        }
        for name, frame in sheets.items():
            clean = frame.copy()
            for column in clean.columns:
                if clean[column].dtype == object or pd.api.types.is_string_dtype(clean[column]):
                    clean[column] = clean[column].map(safe_cell)
            clean.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for i, column in enumerate(clean.columns):
                width = max([len(str(column)) * 2, *(_width(v) * 1.6 for v in clean[column].head(200))])
                sheet.set_column(i, i, min(max(width, 8), 60), cell_formats.get(column))
            sheet.freeze_panes(1, 0)
    return buffer.getvalue()
